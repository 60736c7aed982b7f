import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { BytePatch } from './files.repository.js';

/**
 * Applies same-length byte edits to a stream that starts at file offset `start` (a Range
 * request's first byte): each chunk is copied and edited where an edit falls inside it.
 * The output has exactly the length of the input, so Content-Length and Content-Range are
 * those of the stored blob.
 */
export class PatchedStream extends Transform {
  private position: number;
  private readonly patches: Array<{ at: number; bytes: Buffer }>;

  constructor(start: number, patches: readonly BytePatch[]) {
    super();
    this.position = start;
    this.patches = patches.map(([at, base64]) => ({ at, bytes: Buffer.from(base64, 'base64') })).sort((a, b) => a.at - b.at);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const from = this.position;
    const to = from + chunk.length;
    this.position = to;
    let edited: Buffer | undefined;
    for (const patch of this.patches) {
      const end = patch.at + patch.bytes.length;
      if (end <= from || patch.at >= to) continue;
      edited ??= Buffer.from(chunk);
      const sourceStart = Math.max(0, from - patch.at);
      const sourceEnd = Math.min(patch.bytes.length, to - patch.at);
      patch.bytes.copy(edited, patch.at + sourceStart - from, sourceStart, sourceEnd);
    }
    callback(null, edited ?? chunk);
  }
}

/** The stored bytes from `start`, edited as they pass; a failing source fails the output. */
export function patchStream(source: Readable, start: number, patches: readonly BytePatch[]): Readable {
  return pipeline(source, new PatchedStream(start, patches), () => {});
}
