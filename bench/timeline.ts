/**
 * The library's list and timeline at 10,000 and 100,000 files for one user, on SQLite,
 * PostgreSQL and MariaDB: server time of each request (the app in-process, `inject()`: no
 * network, so what is measured is routing, the session, the query and serialisation),
 * median and p95 of 40 after 5 warm-ups, against `GET /auth/me` (the same session and
 * routing, no query on files) as the floor. The rows are written straight into the
 * database (a photo library's spread: 15 years, runs of equal timestamps, 80 % images), with
 * another user's 10,000 files beside them. The query plans of the keyset page and the
 * buckets are printed from each database's EXPLAIN.
 *
 * Writes bench/results/timeline.md. Needs PostgreSQL and MariaDB on 127.0.0.1 (the test
 * servers); each run uses fresh databases, dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompiledQuery, type Compilable } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildComposedApp, type Composition } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { NewFileRow } from '../src/db/schema.js';
import { encodeCursor } from '../src/features/cursor.js';
import { countByMonthQuery, listFilesQuery } from '../src/features/files/files.repository.js';

/** The composition behind each app built here (its database, for seeding and query plans). */
const compositions = new WeakMap<FastifyInstance, Composition>();
const dbOf = (app: FastifyInstance) => compositions.get(app)!.backends.db;
import { createDatabase } from '../test/helpers/backends.js';

const SIZES = [10_000, 100_000];
const OTHER_USER_FILES = 10_000;
const RUNS = 40;
const WARMUP = 5;
const TARGET_MS = 50;
const ROOT = path.resolve(import.meta.dirname, '..');

type Engine = 'sqlite' | 'postgres' | 'mariadb';

interface Timing {
  median: number;
  p95: number;
}

const REQUESTS: Array<[label: string, url: (cursor: string) => string]> = [
  ['list, first page (uploaded, newest first)', () => '/api/v1/files?limit=50'],
  ['list, first page (taken, newest first)', () => '/api/v1/files?sort=takenAt&limit=50'],
  ['list, a page in the middle (taken, keyset cursor)', (cursor) => `/api/v1/files?sort=takenAt&limit=50&cursor=${cursor}`],
  ['list, first page of videos (taken)', () => '/api/v1/files?sort=takenAt&kind=video&limit=50'],
  ['list, first page by name (asc)', () => '/api/v1/files?sort=name&order=asc&limit=50'],
  ['list, one month (takenFrom/takenTo)', () => '/api/v1/files?sort=takenAt&takenFrom=2018-06-01&takenTo=2018-07-01&limit=50'],
  ['timeline (all)', () => '/api/v1/timeline'],
  ['timeline (videos)', () => '/api/v1/timeline?kind=video'],
];

function rows(ownerId: string, count: number, start: number): NewFileRow[] {
  const from = Date.parse('2010-01-01T00:00:00Z');
  const span = Date.parse('2025-01-01T00:00:00Z') - from;
  const result: NewFileRow[] = [];
  let burst = 0;
  let takenAt = '';
  for (let i = 0; i < count; i += 1) {
    const n = start + i;
    // Bursts: a camera's continuous shooting leaves runs of equal seconds.
    if (burst === 0) {
      takenAt = new Date(from + Math.floor(Math.random() * span / 1000) * 1000).toISOString();
      burst = Math.random() < 0.1 ? 2 + Math.floor(Math.random() * 8) : 1;
    }
    burst -= 1;
    const kind = n % 10 === 0 ? 'video' : n % 10 === 1 ? 'audio' : 'image';
    const id = randomUUID();
    const createdAt = new Date(Date.parse('2025-01-01T00:00:00Z') + n * 1000).toISOString();
    result.push({
      id,
      owner_id: ownerId,
      name: `${kind === 'image' ? 'IMG' : kind === 'video' ? 'VID' : 'REC'}_${String(n).padStart(6, '0')}.${kind === 'image' ? 'jpg' : kind === 'video' ? 'mp4' : 'mp3'}`,
      kind,
      content_type: kind === 'image' ? 'image/jpeg' : kind === 'video' ? 'video/mp4' : 'audio/mpeg',
      size: 100_000 + Math.floor(Math.random() * 5_000_000),
      sha256: id.replace(/-/g, '').padEnd(64, '0'),
      blob_key: `${id.slice(0, 2)}/${id}`,
      thumbnail_key: `thumbnails/${id}`,
      width: 4000,
      height: 3000,
      duration_seconds: kind === 'image' ? null : 60,
      created_at: createdAt,
      processing: 'done',
      failed_steps: null,
      taken_at: takenAt,
      taken_at_source: 'exif',
      taken_month: takenAt.slice(0, 7),
      metadata: JSON.stringify({ camera: { make: 'Canon', model: 'EOS R5' }, takenAtLocal: takenAt.slice(0, 19) }),
      location_patches: '[]',
    });
  }
  return result;
}

async function seed(app: FastifyInstance, ownerId: string, count: number, start: number): Promise<void> {
  const all = rows(ownerId, count, start);
  for (let i = 0; i < all.length; i += 500) await dbOf(app).insertInto('files').values(all.slice(i, i + 500)).execute();
}

async function signIn(app: FastifyInstance, username: string): Promise<{ id: string; cookie: string }> {
  const password = `bench password ${username}`;
  const registered = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { name: username, username, email: `${username}@example.com`, password } });
  if (registered.statusCode !== 201) throw new Error(`register: ${registered.body}`);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  const cookie = login.cookies.find((c) => c.name === 'coffer_session');
  if (!cookie) throw new Error('no session cookie');
  return { id: registered.json().user.id, cookie: `coffer_session=${cookie.value}` };
}

async function time(app: FastifyInstance, url: string, cookie: string): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i += 1) {
    const started = process.hrtime.bigint();
    const response = await app.inject({ url, headers: { cookie } });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    if (i >= WARMUP) samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)]!, p95: samples[Math.ceil(samples.length * 0.95) - 1]! };
}

async function explain(app: FastifyInstance, engine: Engine, query: Compilable): Promise<string> {
  const compiled = query.compile();
  const prefix = engine === 'sqlite' ? 'explain query plan ' : engine === 'postgres' ? 'explain (analyze, costs off, timing off, summary off) ' : 'explain ';
  const result = await dbOf(app).executeQuery(CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]));
  const lines = result.rows.map((row) => {
    const r = row as Record<string, unknown>;
    if (engine === 'sqlite') return String(r.detail);
    if (engine === 'postgres') return String(r['QUERY PLAN']);
    return `table=${r.table} type=${r.type} key=${r.key} rows=${r.rows} Extra=${r.Extra}`;
  });
  return lines.join('\n');
}

async function databaseUrl(engine: Engine, dataDir: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (engine === 'sqlite') return { url: `sqlite:${path.join(dataDir, 'coffer.db')}`, drop: async () => {} };
  return createDatabase(engine, `coffer_timeline_${Math.random().toString(16).slice(2, 10)}`);
}

async function benchEngine(engine: Engine, report: string[], plans: string[]): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-timeline-'));
  const database = await databaseUrl(engine, dataDir);
  const { fastify: app, composition } = await buildComposedApp(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: database.url, LOG_LEVEL: 'silent', NODE_ENV: 'development' }));
  compositions.set(app, composition);
  try {
    const me = await signIn(app, 'timelineowner');
    const other = await signIn(app, 'timelineother');
    await seed(app, other.id, OTHER_USER_FILES, 0);
    let seeded = 0;
    for (const size of SIZES) {
      await seed(app, me.id, size - seeded, seeded + OTHER_USER_FILES);
      seeded = size;
      // What autovacuum/ANALYZE leave on a live server: statistics and a visibility map.
      if (engine === 'postgres') await dbOf(app).executeQuery(CompiledQuery.raw('vacuum analyze files'));
      if (engine === 'mariadb') await dbOf(app).executeQuery(CompiledQuery.raw('analyze table files'));
      const middle = await dbOf(app).selectFrom('files').select(['taken_at', 'id']).where('owner_id', '=', me.id).orderBy('taken_at', 'desc').orderBy('id', 'desc').offset(Math.floor(size / 2)).limit(1).executeTakeFirstOrThrow();
      const cursor = encodeCursor(['takenAt', 'desc', middle.taken_at, middle.id]);
      const floor = await time(app, '/api/v1/auth/me', me.cookie);
      report.push(`| ${engine} | ${size.toLocaleString('en')} | GET /auth/me (floor) | ${floor.median.toFixed(1)} | ${floor.p95.toFixed(1)} | — | — |`);
      for (const [label, url] of REQUESTS) {
        const timing = await time(app, url(cursor), me.cookie);
        const verdict = timing.p95 <= TARGET_MS ? 'yes' : 'NO';
        report.push(`| ${engine} | ${size.toLocaleString('en')} | ${label} | ${timing.median.toFixed(1)} | ${timing.p95.toFixed(1)} | ${(timing.median / floor.median).toFixed(1)}× | ${verdict} |`);
        console.log(engine, size, label, timing);
      }
      if (size === SIZES.at(-1)) {
        const keyset = await listFilesQuery(dbOf(app), { ownerId: me.id, limit: 51, sort: 'takenAt', order: 'desc', after: { value: middle.taken_at, id: middle.id } });
        const byKind = await listFilesQuery(dbOf(app), { ownerId: me.id, limit: 51, sort: 'takenAt', order: 'desc', kind: 'video', after: { value: middle.taken_at, id: middle.id } });
        plans.push(`### ${engine}\n\nKeyset page (sort=takenAt, cursor in the middle):\n\n\`\`\`\n${keyset.compile().sql}\n\n${await explain(app, engine, keyset)}\n\`\`\`\n`);
        plans.push(`Keyset page of videos:\n\n\`\`\`\n${await explain(app, engine, byKind)}\n\`\`\`\n`);
        plans.push(`Month buckets:\n\n\`\`\`\n${countByMonthQuery(dbOf(app), me.id).compile().sql}\n\n${await explain(app, engine, countByMonthQuery(dbOf(app), me.id))}\n\`\`\`\n`);
      }
    }
  } finally {
    await app.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const report = [
  '| database | files (one user) | request | median ms | p95 ms | median / floor | p95 ≤ 50 ms |',
  '|---|---|---|---|---|---|---|',
];
const plans: string[] = [];
const engines = (process.env.BENCH_TIMELINE_ENGINES ?? 'sqlite,postgres,mariadb').split(',') as Engine[];
for (const engine of engines) await benchEngine(engine, report, plans);

const load = os.loadavg().map((n) => n.toFixed(2)).join(' ');
const markdown = `# Timeline and list at scale

\`npx tsx bench/timeline.ts\` (part of \`npm run bench\`), ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Node ${process.version}, load average ${load}.
Server time of each request through the app in-process (\`inject()\`), ${RUNS} runs after ${WARMUP} warm-ups; another user's ${OTHER_USER_FILES.toLocaleString('en')} files are in the same table. The floor is \`GET /auth/me\`: the same session lookup and routing without a query on files.

${report.join('\n')}

## Query plans at ${SIZES.at(-1)!.toLocaleString('en')} files

${plans.join('\n')}`;
writeFileSync(path.join(ROOT, 'bench/results/timeline.md'), markdown);
console.log(markdown);
