import type { Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { RequestTimeout } from '../errors.js';

/**
 * How request bodies are received: a deadline for the small ones Fastify parses (JSON), a
 * stall detector for uploads (see `watchUploadProgress`), and early answers that reach the
 * client. Slow or stalled bodies would otherwise hold a connection, a descriptor and, for
 * uploads, a temporary file for as long as the client likes.
 */
export interface BodiesOptions {
  /** Time to receive a whole non-upload body (JSON). */
  bodyTimeoutMs: number;
}

/**
 * After an early answer (the body still coming), how long the rest is read and discarded
 * before the socket is closed. Closing with unread bytes makes the kernel send a reset,
 * which can destroy the answer before the client reads it; nginx's lingering_close does
 * the same.
 */
export const LINGER_MS = 5000;

/** An upload must keep sending at least this much per idle timeout. */
const MIN_PROGRESS_BYTES = 1024;

/** Whether the request's headers say a body follows (Node reads none otherwise). */
function announcesBody(request: FastifyRequest): boolean {
  const { headers } = request.raw;
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

function hasUnreadBody(request: FastifyRequest): boolean {
  return announcesBody(request) && !request.raw.complete && !request.raw.destroyed;
}

/**
 * Once the answer is written, Node closes a `Connection: close` socket with `destroySoon`.
 * Here that becomes: half-close (the client sees the whole answer, then the end), read and
 * discard what is left of the body, and close when the client does or LINGER_MS passed.
 */
function lingerBeforeClosing(request: FastifyRequest, socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    // Whoever was reading the body (a parser that gave up) no longer is.
    request.raw.unpipe();
    request.raw.resume();
  };
}

async function bodiesPlugin(app: FastifyInstance, { bodyTimeoutMs }: BodiesOptions): Promise<void> {
  // Multipart bodies are read by the upload route itself, which watches their progress.
  // Fastify runs this hook for bodyless requests too (every GET): they get no deadline
  // stream, which cost a PassThrough, a pipe and a timer per request.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    if (!announcesBody(request) || request.headers['content-type']?.toLowerCase().startsWith('multipart/')) return done(null, payload);
    done(null, withDeadline(payload, bodyTimeoutMs));
  });

  // An answer sent while the body is still arriving (401 on an upload, 413, 503) ends the
  // connection: what remains of the body cannot be told from a next request.
  app.addHook('onSend', (request, reply, payload, done) => {
    const socket = request.raw.socket as Socket | null;
    if (socket && hasUnreadBody(request)) {
      reply.header('Connection', 'close');
      lingerBeforeClosing(request, socket);
    }
    done(null, payload);
  });
}

/**
 * The body as a stream that fails with a 408 when it has not ended within `ms`. The
 * request is then left unread (not destroyed), so the 408 can still be sent.
 */
function withDeadline(payload: Readable, ms: number): Readable {
  const guarded = new PassThrough();
  const timer = setTimeout(() => {
    payload.unpipe(guarded);
    guarded.destroy(new RequestTimeout(`The request body did not arrive within ${ms / 1000} s.`));
  }, ms);
  timer.unref();
  const stop = () => clearTimeout(timer);
  payload.once('end', stop);
  payload.once('close', stop);
  payload.once('error', (error) => {
    stop();
    guarded.destroy(error);
  });
  guarded.once('close', stop);
  payload.pipe(guarded);
  return guarded;
}

export interface UploadWatch {
  /** Rejects with a 408 once the upload has stalled. */
  stalled: Promise<never>;
  stop(): void;
}

/**
 * Watches the bytes arriving on an upload's connection: when fewer than 1 KiB came in over
 * `idleMs` while Coffer was ready to read (not holding the client back itself), the upload
 * is stalled. The route then aborts it, which removes its temporary blob.
 */
export function watchUploadProgress(request: FastifyRequest, idleMs: number): UploadWatch {
  const socket = request.raw.socket as Socket | null;
  let stop = () => {};
  const stalled = new Promise<never>((_resolve, reject) => {
    if (!socket) return;
    let mark = socket.bytesRead;
    let since = Date.now();
    const timer = setInterval(() => {
      const waitingOnUs = request.raw.readableFlowing === false || request.raw.readableLength > 0;
      if (waitingOnUs || socket.bytesRead - mark >= MIN_PROGRESS_BYTES) {
        mark = socket.bytesRead;
        since = Date.now();
      } else if (Date.now() - since >= idleMs) {
        clearInterval(timer);
        reject(new RequestTimeout(`The upload stalled: nothing arrived for ${idleMs / 1000} s; nothing was stored.`));
      }
    }, Math.min(1000, Math.max(50, idleMs / 4)));
    timer.unref();
    stop = () => clearInterval(timer);
  });
  // Nobody may be waiting on it when the upload ends first.
  stalled.catch(() => {});
  return { stalled, stop: () => stop() };
}

export default fp(bodiesPlugin, { name: 'bodies' });
