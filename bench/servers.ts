/** The three servers under test, each a child process on 127.0.0.1 with a free port. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cofferNodeFlags, freePort, startService, waitReady, type Service } from './lib.js';

export interface Running {
  service: Service;
  base: string;
}

/** Coffer as deployed: the compiled dist/, under the same node binary as everything else. */
export async function startCoffer(repo: string, work: string): Promise<Running> {
  const port = await freePort();
  const dataDir = path.join(work, 'coffer-data');
  const service = startService('coffer', process.execPath, [...cofferNodeFlags(), path.join(repo, 'dist', 'cli.js'), 'serve'], path.join(work, 'coffer.log'), {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    MAX_UPLOAD_BYTES: '4GiB',
    // Given, so Coffer also starts when the caller's shell has NODE_ENV=production.
    SECRET_KEY: randomBytes(32).toString('hex'),
    // As `npm start` and deploy/ run it: glibc keeps freed memory per thread otherwise.
    MALLOC_ARENA_MAX: '2',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(service, `${base}/healthz`);
  return { service, base };
}

export async function startBaseline(benchDir: string, work: string, filesDir: string): Promise<Running> {
  const port = await freePort();
  const service = startService('node-baseline', process.execPath, [path.join(benchDir, 'baseline-server.mjs')], path.join(work, 'baseline.log'), {
    PORT: String(port),
    BASELINE_DIR: filesDir,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(service, `${base}/healthz`);
  return { service, base };
}

/**
 * nginx in one foreground process (no daemon, no master), so the PID we hold is the one that
 * serves and the one we stop. Every path it writes points into the temp dir, since the
 * Debian defaults (/var/lib/nginx, /var/log/nginx) may not be writable or may be shared.
 */
export async function startNginx(nginx: string, work: string, filesDir: string, probeFile: string): Promise<Running> {
  const port = await freePort();
  const prefix = path.join(work, 'nginx');
  mkdirSync(prefix, { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  default_type application/octet-stream;
  types { video/mp4 mp4; }
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${filesDir};
  }
}
`,
  );
  // -e: the error log before the config is read, else nginx tries /var/log/nginx first.
  const service = startService('nginx', nginx, ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log')], path.join(prefix, 'stdout.log'));
  const base = `http://127.0.0.1:${port}`;
  await waitReady(service, `${base}/${probeFile}`);
  return { service, base };
}
