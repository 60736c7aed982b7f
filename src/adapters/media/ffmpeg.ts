import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TIMEOUT_MS = 60_000;
// Uploaded bytes are hostile until proven otherwise: ffmpeg may open the blob (a file or a
// presigned URL) and nothing else, whatever references a crafted container carries.
const INPUT_OPTIONS = ['-protocol_whitelist', 'file,http,https,tcp,tls'];

export interface AvFacts {
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  hasVideo: boolean;
}

interface ProbeOutput {
  format?: { duration?: string };
  streams?: Array<{ codec_type?: string; width?: number; height?: number; duration?: string; disposition?: { attached_pic?: number } }>;
}

/**
 * Debian's ffprobe/ffmpeg, found on PATH. `input` is a local path or a URL ffmpeg can seek
 * in (a presigned S3 URL): reading from a path lets it find an MP4 index at the file's end.
 */
export async function probeAv(input: string): Promise<AvFacts> {
  const { stdout } = await run('ffprobe', ['-v', 'error', ...INPUT_OPTIONS, '-print_format', 'json', '-show_format', '-show_streams', input], {
    timeout: TIMEOUT_MS,
    maxBuffer: 4 * 1024 * 1024,
  });
  const parsed = JSON.parse(stdout) as ProbeOutput;
  const video = parsed.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const duration = Number(parsed.format?.duration ?? video?.duration);
  return {
    durationSeconds: Number.isFinite(duration) && duration > 0 ? Math.round(duration * 1000) / 1000 : null,
    width: video?.width ?? null,
    height: video?.height ?? null,
    hasVideo: video !== undefined,
  };
}

/** One PNG frame from `atSeconds` into the video, bounded in time and size. */
export function extractFrame(input: string, atSeconds: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', ...INPUT_OPTIONS, '-ss', atSeconds.toFixed(2), '-i', input, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: TIMEOUT_MS,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 64 * 1024 * 1024) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 && size > 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`ffmpeg could not extract a frame (exit ${code}): ${stderr.trim()}`));
    });
  });
}
