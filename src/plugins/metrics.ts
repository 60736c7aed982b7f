import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobQueue, JobStats } from '../adapters/jobs/job-queue.js';

export interface MetricsOptions {
  /** Where Prometheus scrapes `GET /metrics`: a listener of its own, never the public port. */
  port: number;
  host: string;
  jobs: JobQueue;
  /** The /readyz checks, run at each scrape: 1 when a service answers, 0 when not. */
  checks: Array<{ name: string; check(): Promise<void> }>;
  /** Free bytes of the blob store, where it can tell. */
  storageFreeBytes: () => Promise<number | null>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The metrics listener's address once the app listens (undefined without METRICS_PORT). */
    metricsAddress: () => AddressInfo | undefined;
  }
}

/** Routes whose 2xx answers carry file bytes (counted as downloads). */
const CONTENT_ROUTE = /\/(content|thumbnail)$/;
const UPLOAD_ROUTE = '/api/v1/files';
const CHECK_TIMEOUT_MS = 2000;

/**
 * Prometheus metrics (README lists them). Requests are labelled with the route pattern
 * (`/api/v1/files/:id`), never the raw URL, so the series stay few and hold no ids.
 */
async function metricsPlugin(app: FastifyInstance, options: MetricsOptions): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'coffer_http_requests_total', help: 'HTTP requests answered, by route pattern and status.', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'coffer_http_request_duration_seconds',
    help: 'Time from the request to the end of the response, by route pattern and status.',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [registry],
  });
  const uploadBytes = new Counter({ name: 'coffer_upload_bytes_total', help: 'Bytes of upload request bodies that were stored (201), from Content-Length.', registers: [registry] });
  const downloadBytes = new Counter({ name: 'coffer_download_bytes_total', help: 'Bytes of file content and thumbnails answered (200/206), from Content-Length.', registers: [registry] });
  registerJobMetrics(registry, options.jobs);
  registerBackendMetrics(registry, options);

  app.addHook('onResponse', async (request, reply) => {
    const route = routeLabel(request);
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    if (request.method === 'POST' && route === UPLOAD_ROUTE && reply.statusCode === 201) uploadBytes.inc(Number(request.headers['content-length']) || 0);
    if (request.method === 'GET' && CONTENT_ROUTE.test(route) && (reply.statusCode === 200 || reply.statusCode === 206)) {
      downloadBytes.inc(Number(reply.getHeader('content-length')) || 0);
    }
  });

  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only GET /metrics is served here.\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        app.log.error({ err: error }, 'collecting metrics failed');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Collecting the metrics failed; see the log.\n');
      },
    );
  });
  app.decorate('metricsAddress', () => (server.listening ? (server.address() as AddressInfo) : undefined));
  // Only a listening app opens the metrics port (inject() tests do not).
  app.addHook('onListen', async () => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { address, port } = server.address() as AddressInfo;
    app.log.info({ address, port }, `metrics listening at http://${address}:${port}/metrics`);
  });
  app.addHook('onClose', async () => {
    if (!server.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

function routeLabel(request: FastifyRequest): string {
  // Unknown paths share one label: a scanner must not create a series per URL it tries.
  return request.routeOptions.url ?? 'unmatched';
}

/** The job counts come from the database, so every instance reports the whole cluster's queue. */
function registerJobMetrics(registry: Registry, jobs: JobQueue): void {
  // The gauges are collected together: they share one query (the whole cluster's queue).
  let pending: Promise<JobStats> | undefined;
  const stats = () => (pending ??= jobs.stats().finally(() => (pending = undefined)));
  const gauge = (name: string, help: string, value: (stats: JobStats) => number) =>
    new Gauge({ name, help, registers: [registry], async collect() { this.set(value(await stats())); } });
  gauge('coffer_jobs_waiting', 'Background jobs (thumbnails, media facts) queued or waiting for a retry.', (s) => s.waiting);
  gauge('coffer_jobs_running', 'Background jobs running now.', (s) => s.running);
  gauge('coffer_jobs_failed', 'Background jobs failed for good (until an administrator retries them).', (s) => s.failed);
}

function registerBackendMetrics(registry: Registry, { checks, storageFreeBytes }: MetricsOptions): void {
  new Gauge({
    name: 'coffer_backend_up',
    help: 'Whether a backing service answers its readiness check (1) or not (0).',
    labelNames: ['service'],
    registers: [registry],
    async collect() {
      const results = await Promise.allSettled(checks.map((c) => withTimeout(c.check())));
      checks.forEach((c, i) => this.set({ service: c.name }, results[i]?.status === 'fulfilled' ? 1 : 0));
    },
  });
  new Gauge({
    name: 'coffer_storage_free_bytes',
    help: 'Free bytes where the blobs are (local folder only).',
    registers: [registry],
    async collect() {
      const free = await storageFreeBytes().catch(() => null);
      if (free === null) this.reset();
      else this.set(free);
    },
  });
}

function withTimeout(promise: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export default fp(metricsPlugin, { name: 'metrics' });
