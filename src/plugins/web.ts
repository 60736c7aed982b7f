import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { declareOpenRoutes } from './access.js';

// The UI's own policy; the API reference page (plugins/openapi.ts) sets a looser one.
const PAGE_CSP = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Serves the built single-page UI. Hashed assets are cached for a year; index.html never,
 * so a deploy is picked up at the next page load.
 */
export async function webPlugin(app: FastifyInstance, { webDir }: { webDir: string }): Promise<void> {
  if (!existsSync(path.join(webDir, 'index.html'))) {
    app.log.warn({ webDir }, 'the web UI is not built (run `npm run build`); only the API is served');
    return;
  }
  declareOpenRoutes(app);
  await app.register(fastifyStatic, {
    root: webDir,
    wildcard: false,
    setHeaders(reply, filePath) {
      const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
      reply.header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('Content-Security-Policy', PAGE_CSP);
    },
  });
}

/**
 * Pages of the UI (/login, /files/…) are routes of the UI, not files: a browser asking for
 * one gets index.html. API paths never do; they keep their JSON 404.
 */
export function pageFallback(webDir: string): (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined {
  const index = path.join(webDir, 'index.html');
  return (request, reply) => {
    const isPage = (request.method === 'GET' || request.method === 'HEAD') && !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html');
    if (!isPage || !existsSync(index)) return undefined;
    // The page shell is public (it holds no data); the API calls it makes are checked.
    request.accessChecked = true;
    return reply
      .status(200)
      .headers({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Security-Policy': PAGE_CSP })
      .send(createReadStream(index));
  };
}
