import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { beginsFrameOf, classify, type MediaType } from './media-types.js';

// Enough for every accepted format's signature (file-type needs at most ~4 KiB for them).
const SNIFF_BYTES = 16 * 1024;

export class RejectedType extends Error {}
export class OverLimit extends Error {}

/**
 * Passes an upload through unchanged while measuring it: size, SHA-256, and the media type
 * judged from the first bytes. Holds back only the first 16 KiB until the type is known, so
 * a file of the wrong type fails before anything but that head reaches the store. Audio
 * behind ID3 tags is judged where its frames begin, which may be further in: the upload
 * then fails later, and the store discards what it was given.
 */
export class UploadInspector extends Transform {
  size = 0;
  mediaType: MediaType | undefined;
  private readonly hash = createHash('sha256');
  private head: Buffer[] | null = [];
  private headLength = 0;
  private afterTags: AfterId3Tags | undefined;

  constructor(private readonly maxBytes: number) {
    super();
  }

  /** The SHA-256 of everything that passed; call once, after the stream ended. */
  digest(): string {
    return this.hash.digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return callback(new OverLimit());
    this.hash.update(chunk);
    if (this.head === null) {
      if (this.afterTags?.feed(chunk, this.size - chunk.length) === 'refused') return callback(new RejectedType());
      return callback(null, chunk);
    }
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < SNIFF_BYTES) return callback();
    this.releaseHead(callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.head !== null) return this.releaseHead((error, head) => (error ? callback(error) : (this.push(head), this.finish(callback))));
    this.finish(callback);
  }

  private finish(callback: TransformCallback): void {
    callback(this.afterTags?.end() === 'refused' ? new RejectedType() : null);
  }

  private releaseHead(callback: TransformCallback): void {
    const head = Buffer.concat(this.head ?? []);
    this.head = null;
    fileTypeFromBuffer(head).then(
      (detected) => {
        this.mediaType = classify(detected?.mime);
        if (!this.mediaType) return callback(new RejectedType());
        if (head.subarray(0, 3).toString('latin1') === 'ID3') {
          const { contentType } = this.mediaType;
          this.afterTags = new AfterId3Tags((start) => beginsFrameOf(contentType, start));
          if (this.afterTags.feed(head, 0) === 'refused') return callback(new RejectedType());
        }
        callback(null, head);
      },
      () => callback(new RejectedType()),
    );
  }
}

type Verdict = 'pending' | 'accepted' | 'refused';

/**
 * ffmpeg skips every ID3v2 tag at the start of a file — header, body and, when its flag
 * says so, a 10-byte footer — and reads the container from there. file-type skips no
 * footer, and calls any tag that runs past its head MP3 without looking further. So what
 * follows the tags, as ffmpeg measures them, is judged here while the bytes pass (however
 * far in it is): it must be the stored type's first frame, not, say, an HLS playlist.
 */
class AfterId3Tags {
  private verdict: Verdict = 'pending';
  /** Where the next tag header, or the first frame, begins. */
  private at = 0;
  private window = Buffer.alloc(0);

  constructor(private readonly accepts: (start: Buffer) => boolean) {}

  /** Looks at `chunk`, which starts at byte `offset` of the file. */
  feed(chunk: Buffer, offset: number): Verdict {
    while (this.verdict === 'pending') {
      const from = this.at + this.window.length - offset;
      if (from >= chunk.length) break;
      this.window = Buffer.concat([this.window, chunk.subarray(from, from + ID3_HEADER_BYTES - this.window.length)]);
      if (this.window.length < ID3_HEADER_BYTES) break;
      this.judge();
    }
    return this.verdict;
  }

  /** The file ended: a tag with nothing (or too little) after it is no audio. */
  end(): Verdict {
    if (this.verdict === 'pending') this.verdict = this.window.length >= 4 && this.accepts(this.window) ? 'accepted' : 'refused';
    return this.verdict;
  }

  private judge(): void {
    const tag = this.window;
    // ffmpeg's test for a tag header (ff_id3v2_match): "ID3", no 0xff version, syncsafe size.
    if (tag.subarray(0, 3).toString('latin1') === 'ID3' && tag[3] !== 0xff && tag[4] !== 0xff && tag.subarray(6, 10).every((b) => b < 0x80)) {
      const size = (tag[6]! << 21) | (tag[7]! << 14) | (tag[8]! << 7) | tag[9]!;
      this.at += ID3_HEADER_BYTES + size + (tag[5]! & ID3_FOOTER_FLAG ? ID3_HEADER_BYTES : 0);
      this.window = Buffer.alloc(0);
      return;
    }
    this.verdict = this.accepts(tag) ? 'accepted' : 'refused';
  }
}

const ID3_HEADER_BYTES = 10;
const ID3_FOOTER_FLAG = 0x10;
