import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { classify, type MediaType } from './media-types.js';

// Enough for every accepted format's signature (file-type needs at most ~4 KiB for them).
const SNIFF_BYTES = 16 * 1024;

export class RejectedType extends Error {}
export class OverLimit extends Error {}

/**
 * Passes an upload through unchanged while measuring it: size, SHA-256, and the media type
 * judged from the first bytes. Holds back only the first 16 KiB until the type is known, so
 * a file of the wrong type fails before anything but that head reaches the store.
 */
export class UploadInspector extends Transform {
  size = 0;
  mediaType: MediaType | undefined;
  private readonly hash = createHash('sha256');
  private head: Buffer[] | null = [];
  private headLength = 0;

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
    if (this.head === null) return callback(null, chunk);
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < SNIFF_BYTES) return callback();
    this.releaseHead(callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.head === null) return callback();
    this.releaseHead(callback);
  }

  private releaseHead(callback: TransformCallback): void {
    const head = Buffer.concat(this.head ?? []);
    this.head = null;
    fileTypeFromBuffer(head).then(
      (detected) => {
        this.mediaType = classify(detected?.mime);
        if (!this.mediaType) callback(new RejectedType());
        else callback(null, head);
      },
      () => callback(new RejectedType()),
    );
  }
}
