import { spawn } from 'node:child_process';
import { lowerPriority } from './background-priority.js';

/**
 * Uploaded bytes are hostile until proven otherwise. ffprobe/ffmpeg read one local file and
 * nothing else: only the `file` protocol (no network, whatever URL a crafted playlist, key or
 * data reference names), and only the one demuxer the stored type allows — never hls,
 * concat, image2 or another that opens further resources. The protocol limit alone would
 * still let an HLS "playlist" read other local files; the demuxer limit closes that.
 */
const DEMUXER_BY_TYPE: Record<string, string> = {
  'audio/mpeg': 'mp3',
  'audio/aac': 'aac',
  'audio/mp4': 'mov',
  'audio/ogg': 'ogg',
  'audio/opus': 'ogg',
  'audio/wav': 'wav',
  'audio/flac': 'flac',
  'video/mp4': 'mov',
  'video/quicktime': 'mov',
  'video/webm': 'matroska',
};
const PROBE_TIMEOUT_MS = 30_000;
const FRAME_TIMEOUT_MS = 60_000;
/** A local read that stalls this long (microseconds) fails rather than holding a job slot. */
const READ_TIMEOUT_US = String(10_000_000);
const MAX_PROBE_OUTPUT = 4 * 1024 * 1024;
const MAX_FRAME_OUTPUT = 8 * 1024 * 1024;
const POSTER_EDGE = 512;

export interface AvFacts {
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  hasVideo: boolean;
  videoCodec?: string;
  audioCodec?: string;
  /** Frames per second of the video stream (its average, else its base rate). */
  frameRate?: number;
  /** The container's creation time as written (`creation_time`, QuickTime's `creationdate`). */
  creationTime?: string;
  audioSampleRate?: number;
  audioChannels?: number;
  audioBitRate?: number;
}

/** The bytes are not the container their stored type says: no facts, no poster. */
/** The bytes are not the stored type's container: no retry helps. */
export class ContainerMismatch extends Error {
  readonly permanent = true;
}

type ProbeTags = Record<string, string | undefined>;

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  duration?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  bit_rate?: string;
  disposition?: { attached_pic?: number };
  tags?: ProbeTags;
}

interface ProbeOutput {
  format?: { format_name?: string; duration?: string; bit_rate?: string; tags?: ProbeTags };
  streams?: ProbeStream[];
}

function demuxerFor(contentType: string): string {
  const demuxer = DEMUXER_BY_TYPE[contentType];
  if (!demuxer) throw new ContainerMismatch(`no demuxer is allowed for ${contentType}`);
  return demuxer;
}

const inputOptions = (demuxer: string) => ['-protocol_whitelist', 'file', '-format_whitelist', demuxer, '-rw_timeout', READ_TIMEOUT_US];

/** `file:` keeps a path from ever being read as another protocol's URL. */
const fileUrl = (path: string) => `file:${path}`;

/**
 * Debian's ffprobe on a local file. ffmpeg's own detection runs, limited to the stored
 * type's demuxer: bytes it would read as anything else (an HLS playlist behind an ID3 tag)
 * are a ContainerMismatch, and nothing is opened.
 */
export async function probeAv(path: string, contentType: string, signal?: AbortSignal): Promise<AvFacts> {
  const args = ['-v', 'error', ...inputOptions(demuxerFor(contentType)), '-print_format', 'json', '-show_format', '-show_streams', fileUrl(path)];
  const { code, stdout, stderr } = await runTool('ffprobe', args, PROBE_TIMEOUT_MS, MAX_PROBE_OUTPUT, signal);
  if (/Format not on whitelist/.test(stderr)) throw new ContainerMismatch(`the bytes are not ${contentType}: ${stderr.trim()}`);
  if (code !== 0) throw new Error(`ffprobe failed (exit ${code}): ${stderr.trim()}`);
  const parsed = JSON.parse(stdout.toString()) as ProbeOutput;
  const video = parsed.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = parsed.streams?.find((s) => s.codec_type === 'audio');
  const duration = Number(parsed.format?.duration ?? video?.duration);
  const frameRate = rate(video?.avg_frame_rate) ?? rate(video?.r_frame_rate);
  const creationTime = creationTimeOf(parsed);
  const sampleRate = wholeNumber(audio?.sample_rate);
  const bitRate = wholeNumber(audio?.bit_rate ?? parsed.format?.bit_rate);
  return {
    durationSeconds: Number.isFinite(duration) && duration > 0 ? Math.round(duration * 1000) / 1000 : null,
    width: video?.width ?? null,
    height: video?.height ?? null,
    hasVideo: video !== undefined,
    ...(video?.codec_name ? { videoCodec: video.codec_name } : {}),
    ...(audio?.codec_name ? { audioCodec: audio.codec_name } : {}),
    ...(frameRate ? { frameRate } : {}),
    ...(creationTime ? { creationTime } : {}),
    ...(sampleRate ? { audioSampleRate: sampleRate } : {}),
    ...(audio?.channels && audio.channels > 0 ? { audioChannels: audio.channels } : {}),
    ...(bitRate ? { audioBitRate: bitRate } : {}),
  };
}

/** `30000/1001` → 29.97; none for 0/0 and nonsense. */
function rate(value: string | undefined): number | undefined {
  const [num, den] = (value ?? '').split('/').map(Number);
  if (!num || !den || !Number.isFinite(num / den) || num / den <= 0 || num / den > 10_000) return undefined;
  return Math.round((num / den) * 1000) / 1000;
}

function wholeNumber(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * QuickTime's `com.apple.quicktime.creationdate` keeps the local time and zone; the usual
 * `creation_time` (format or first stream) is UTC. Muxers write 1970/1904 for "unknown".
 */
function creationTimeOf(parsed: ProbeOutput): string | undefined {
  const candidates = [parsed.format?.tags?.['com.apple.quicktime.creationdate'], parsed.format?.tags?.creation_time, ...(parsed.streams ?? []).map((s) => s.tags?.creation_time)];
  return candidates.find((value) => value !== undefined && /^\d{4}-/.test(value) && !/^(1970|1904)-01-01/.test(value))?.slice(0, 40);
}

/**
 * One PNG frame from `atSeconds` into the video, scaled by ffmpeg to fit 512 px, so what
 * leaves ffmpeg is small whatever the video's size. The demuxer is forced to the stored type.
 */
export async function extractFrame(path: string, contentType: string, atSeconds: number, signal?: AbortSignal): Promise<Buffer> {
  const demuxer = demuxerFor(contentType);
  const scale = `scale=w='min(${POSTER_EDGE},iw)':h='min(${POSTER_EDGE},ih)':force_original_aspect_ratio=decrease`;
  const args = ['-nostdin', '-v', 'error', ...inputOptions(demuxer), '-f', demuxer, '-ss', atSeconds.toFixed(2), '-i', fileUrl(path), '-frames:v', '1', '-vf', scale, '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'];
  const { code, stdout, stderr } = await runTool('ffmpeg', args, FRAME_TIMEOUT_MS, MAX_FRAME_OUTPUT, signal);
  if (code !== 0 || stdout.length === 0) throw new Error(`ffmpeg could not extract a frame (exit ${code}): ${stderr.trim()}`);
  return stdout;
}

interface ToolResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs a media tool with no stdin, its output bounded (killed beyond `maxOutput`) and a
 * wall-clock limit after which it is killed outright, as it is when `signal` fires (the job's
 * own time limit, or shutdown).
 */
function runTool(command: string, args: string[], timeoutMs: number, maxOutput: number, signal?: AbortSignal): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL', signal });
    lowerPriority(child.pid);
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutput) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const stopped = () => new Error(`${command} was stopped: ${String(signal?.reason)}`);
    child.once('error', (error) => reject(signal?.aborted ? stopped() : error));
    child.once('close', (code, killedBy) => {
      if (signal?.aborted) reject(stopped());
      else if (killedBy) reject(new Error(`${command} was killed (${killedBy}): over ${timeoutMs / 1000} s or ${maxOutput} bytes of output`));
      else resolve({ code, stdout: Buffer.concat(chunks), stderr });
    });
  });
}
