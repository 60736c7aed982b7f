// The floor Coffer is measured against: a bare Node HTTP server with only the stream
// plumbing any Node server needs — no framework, auth, multipart parsing or hashing.
// Plain JavaScript so it runs under plain `node`, like Coffer's dist/, without a TS loader
// inflating its memory. Usage: BASELINE_DIR=<dir> PORT=<port> [HASH=1] node baseline-server.mjs
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const dir = process.env.BASELINE_DIR;
const port = Number(process.env.PORT);
if (!dir || !port) throw new Error('set BASELINE_DIR and PORT');
// HASH=1: the SHA-256 of each upload's body too, the one thing Coffer must do to every byte
// it stores (it reports duplicates by it): a control that says what the hash alone costs.
const HASH = process.env.HASH === '1';

// A plain name inside `dir`: no slashes, and no leading dot, so never "..".
const ROUTE = /^\/(download|upload)\/([A-Za-z0-9_-][A-Za-z0-9._-]*)$/;

http
  .createServer((req, res) => {
    if (req.url === '/healthz') return res.writeHead(200).end('ok');
    const match = ROUTE.exec(req.url ?? '');
    if (!match) return res.writeHead(404).end();
    const [, action, name] = match;
    const file = path.join(dir, name);

    if (req.method === 'GET' && action === 'download') {
      let size;
      try {
        size = statSync(file).size;
      } catch {
        return res.writeHead(404).end();
      }
      // Content-Length, like Coffer and nginx send, so the response is not chunked.
      res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': size });
      createReadStream(file).pipe(res);
      return;
    }

    if (req.method === 'POST' && action === 'upload') {
      // The raw multipart body as it arrives: the cost of receiving and writing, nothing else.
      const out = createWriteStream(file);
      if (HASH) {
        const hash = createHash('sha256');
        req.on('data', (chunk) => hash.update(chunk));
        req.once('end', () => hash.digest());
      }
      req.pipe(out);
      out.once('finish', () => res.writeHead(201, { 'Content-Type': 'application/json' }).end('{}'));
      out.once('error', (error) => res.writeHead(500).end(String(error)));
      return;
    }

    res.writeHead(405).end();
  })
  .listen(port, '127.0.0.1');

process.once('SIGTERM', () => process.exit(0));
