import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import type { ByteRange } from '../../adapters/storage/blob-store.js';
import type { ContentSource } from './files.service.js';
import { RangeNotSatisfiable } from '../../errors.js';
import { contentDisposition, downloadName } from './file-names.js';

export interface ServedBlob {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string;
  /** The entity tag, when the bytes served are not the stored ones (default: the SHA-256). */
  etag?: string;
}

// Stored bytes are never run as a page: no scripts, no plugins, a unique origin.
const CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox";

/**
 * Answers a content request the way browsers and download tools expect: conditional GETs
 * (304), single byte ranges (206, 416), and a stream from the store — never a buffer.
 * Several ranges in one request are answered with the whole file, which RFC 9110 allows.
 *
 * With `source.accelRedirect` (the blob's path under nginx's internal location) the bytes
 * are nginx's to send: the reply carries the headers and `X-Accel-Redirect`, no body, and
 * nginx serves the file and the range itself with sendfile.
 */
export async function sendContent(
  request: FastifyRequest,
  reply: FastifyReply,
  blob: ServedBlob,
  source: ContentSource,
  disposition: 'inline' | 'attachment',
): Promise<FastifyReply> {
  const contentDispositionValue = contentDisposition(disposition, downloadName(blob.name, blob.contentType));
  const target = await source.redirect?.(contentDispositionValue);
  if (target) return reply.header('Cache-Control', 'no-store').redirect(target, 302);

  const etag = blob.etag ?? `"${blob.sha256}"`;
  const lastModified = new Date(blob.createdAt);
  lastModified.setMilliseconds(0);
  reply.headers({
    'Content-Type': blob.contentType,
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': lastModified.toUTCString(),
    'Cache-Control': 'private',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Content-Disposition': contentDispositionValue,
  });

  if (isNotModified(request.headers, etag, lastModified)) return reply.status(304).send();

  const range = requestedRange(request.headers, blob.size, etag, lastModified);
  if (source.accelRedirect !== undefined) {
    // nginx states Accept-Ranges itself when it serves the file; ours would be a duplicate.
    return reply.removeHeader('Accept-Ranges').header('X-Accel-Redirect', source.accelRedirect).send();
  }
  if (range) {
    reply.status(206).header('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`);
    reply.header('Content-Length', range.end - range.start + 1);
  } else {
    reply.header('Content-Length', blob.size);
  }
  // An empty stream: Fastify's HEAD handling then keeps our Content-Length (and drains a
  // real stream, which would read the whole blob for nothing).
  if (request.method === 'HEAD') return reply.send(Readable.from([]));
  return reply.send(await source.open(range));
}

/**
 * Whether a download request counts as one download in the audit log: a GET of the whole
 * file or of a range from byte 0. A player or download manager fetching the rest in ranges,
 * or resuming, makes further requests that start later: those are the same download.
 */
export function startsDownload(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  const range = request.headers.range;
  return range === undefined || /^\s*bytes\s*=\s*0\s*-/i.test(range);
}

/** Whether a conditional GET may be answered 304: If-None-Match decides when present, else If-Modified-Since. */
export function isNotModified(headers: IncomingHttpHeaders, etag: string, lastModified: Date): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
  }
  const since = Date.parse(headers['if-modified-since'] ?? '');
  return Number.isFinite(since) && lastModified.getTime() <= since;
}

/**
 * The one byte range to send, or undefined for the whole file (no Range, a stale If-Range,
 * several ranges, another unit, a malformed header); a range wholly outside the file is a 416.
 */
export function requestedRange(headers: IncomingHttpHeaders, size: number, etag: string, lastModified: Date): ByteRange | undefined {
  const header = headers.range;
  if (header === undefined) return undefined;
  // If-Range: only honour the range when the client's copy is still this version.
  const ifRange = headers['if-range']?.toString();
  if (ifRange !== undefined && ifRange !== etag && Date.parse(ifRange) !== lastModified.getTime()) return undefined;
  const ranges = parseRange(size, String(header), { combine: true });
  if (ranges === -1) throw new RangeNotSatisfiable(size);
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  const [range] = ranges;
  return range && { start: range.start, end: range.end };
}
