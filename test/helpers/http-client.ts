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
