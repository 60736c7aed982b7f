// Floors for the request-path bench: the same listing body from a bare Fastify and a bare
// node:http server, and 64 KiB Range reads from a bare node:http createReadStream server.
// Usage: BODY_FILE=<json> FILE=<blob> FASTIFY_PORT=<p> NODE_PORT=<p> node request-path-baselines.mjs
import { createReadStream, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import Fastify from 'fastify';

const body = readFileSync(process.env.BODY_FILE, 'utf8');
const parsed = JSON.parse(body);
const file = process.env.FILE;
const size = statSync(file).size;

const fastify = Fastify({ logger: false });
// Serialised by Fastify like any route returning an object (JSON.stringify), not a prepared string.
fastify.get('/list', async () => parsed);
fastify.get('/healthz', async () => 'ok');
await fastify.listen({ port: Number(process.env.FASTIFY_PORT), host: '127.0.0.1' });

http
  .createServer((req, res) => {
    if (req.url === '/healthz') return res.writeHead(200).end('ok');
    if (req.url === '/list') return res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(parsed));
    if (req.url === '/blob') {
      const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (!match) {
        res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': size });
        return createReadStream(file).pipe(res);
      }
      const start = Number(match[1]);
      const end = Math.min(Number(match[2]), size - 1);
      res.writeHead(206, { 'Content-Type': 'video/mp4', 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}` });
      return createReadStream(file, { start, end }).pipe(res);
    }
    res.writeHead(404).end();
  })
  .listen(Number(process.env.NODE_PORT), '127.0.0.1');

process.once('SIGTERM', () => process.exit(0));
