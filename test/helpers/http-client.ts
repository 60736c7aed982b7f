import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';

/** A file of `size` bytes that starts with a real media header and continues with zeros. */
export function paddedMedia(header: Buffer, size: number): Readable {
  const chunk = Buffer.alloc(1024 * 1024);
  let sent = 0;
  return new Readable({
    read() {
      if (sent === 0) {
        sent = header.length;
        this.push(header);
        return;
      }
      const remaining = size - sent;
      if (remaining <= 0) return void this.push(null);
      const next = remaining >= chunk.length ? chunk : chunk.subarray(0, remaining);
      sent += next.length;
      this.push(next);
    },
  });
}

/**
 * Streams one file as multipart/form-data with a known Content-Length, hashing what it
 * sends, without holding the file in memory.
 */
export function streamUpload(url: string, authorization: string, filename: string, size: number, body: Readable): Promise<{ status: number; json: any; sha256: string }> {
  const boundary = `----coffer-e2e-${Date.now()}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      headers: { authorization, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + size + tail.length },
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: response.statusCode ?? 0, json: text ? JSON.parse(text) : undefined, sha256: hash.digest('hex') });
      });
    });
    request.on('error', reject);
    request.write(head);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      if (!request.write(chunk)) body.pause();
    });
    request.on('drain', () => body.resume());
    body.on('end', () => request.end(tail));
    body.on('error', reject);
  });
}

/** Downloads to nowhere, returning the status, byte count and SHA-256 of what arrived. */
export function streamDownload(url: string, headers: Record<string, string>): Promise<{ status: number; size: number; sha256: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        const hash = createHash('sha256');
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          hash.update(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, size, sha256: hash.digest('hex'), headers: response.headers }));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

export interface ResumedDownload {
  sha256: string;
  size: number;
  /** The status of each request made: 200 for the first, 206 for every resumed one. */
  statuses: number[];
}

/**
 * How a client should download a file it may lose mid-way (README, "Resuming downloads"):
 * when the body stops short, ask again for the rest with `Range: bytes=<received>-` and
 * `If-Range: <the ETag of the first answer>`. A 206 continues the same bytes; a 200 means
 * the file changed (this helper then fails; a client starts over rather than glue two versions).
 * `cutAfterBytes` ends the first response after that many bytes, as a dropped connection does.
 */
export async function resumableDownload(url: string, headers: Record<string, string>, cutAfterBytes?: number): Promise<ResumedDownload> {
  const hash = createHash('sha256');
  const statuses: number[] = [];
  let received = 0;
  let etag: string | undefined;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const resume = etag !== undefined && received > 0 ? { range: `bytes=${received}-`, 'if-range': etag } : {};
    const outcome = await new Promise<{ complete: boolean }>((resolve, reject) => {
      http
        .get(url, { headers: { ...headers, ...resume } }, (response) => {
          statuses.push(response.statusCode ?? 0);
          if (response.statusCode === 200 && received > 0) {
            // The file is not the one we began with; a real client starts over from byte 0.
            response.resume();
            return reject(new Error('the file changed while downloading'));
          }
          if (response.statusCode !== 200 && response.statusCode !== 206) return reject(new Error(`download answered ${response.statusCode}`));
          etag ??= response.headers.etag;
          const expected = received + Number(response.headers['content-length']);
          response.on('data', (chunk: Buffer) => {
            const room = cutAfterBytes !== undefined && attempt === 0 ? cutAfterBytes - received : chunk.length;
            const kept = chunk.subarray(0, Math.max(0, Math.min(room, chunk.length)));
            hash.update(kept);
            received += kept.length;
            if (kept.length < chunk.length) response.destroy();
          });
          response.once('close', () => resolve({ complete: received === expected }));
          response.once('error', () => {});
        })
        .on('error', reject);
    });
    if (outcome.complete) return { sha256: hash.digest('hex'), size: received, statuses };
  }
  throw new Error(`the download did not complete in 5 attempts (${statuses.join(', ')})`);
}
