/**
 * Searching a user's library faces: 10,000 faces of one user (and 10,000 of another, who
 * must never be searched) in the embedded SQLite of a temporary DATA_DIR.
 *  - the per-user in-memory index (src/features/faces/face-index.ts): a search when it is
 *    current (one stamp query + a scan of 10,000 descriptors), and its first load;
 *  - the SQL alternative without an index: reading the user's descriptors for each search.
 * Prints Markdown; appends nothing by itself (the numbers go in bench/results/faces.md).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { encodeDescriptor } from '../src/features/faces/descriptors.js';
import { FaceIndex } from '../src/features/faces/face-index.js';
import * as faces from '../src/features/faces/faces.repository.js';
import { nearest, SUGGEST_DISTANCE } from '../src/features/faces/matching.js';

const FACES = 10_000;
const SEARCHES = 200;

function randomDescriptor(): Float32Array {
  // face-api's descriptors are 128 numbers of about ±0.2; random ones of that size are
  // as costly to compare (the scan does not depend on the values).
  return Float32Array.from({ length: 128 }, () => (Math.random() - 0.5) * 0.4);
}

async function timeMs(runs: number, work: () => Promise<unknown> | unknown): Promise<{ median: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)]!, p95: times[Math.floor(runs * 0.95)]! };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-faces-'));
  const db = await connectDatabase(`sqlite:${path.join(dataDir, 'bench.db')}`, { poolSize: 1 });
  try {
    await migrateToLatest(db);
    const now = new Date().toISOString();
    const owners = [randomUUID(), randomUUID()];
    for (const [n, id] of owners.entries()) {
      await db.insertInto('users').values({ id, username: `bench${n}`, email: `bench${n}@example.com`, name: 'Bench', password_hash: 'x', is_admin: 0, disabled: 0, sessions_valid_after: 0, created_at: now }).execute();
      const fileIds = Array.from({ length: FACES / 4 }, () => randomUUID());
      for (let i = 0; i < fileIds.length; i += 500) {
        await db
          .insertInto('files')
          .values(fileIds.slice(i, i + 500).map((fileId) => ({ id: fileId, owner_id: id, name: 'p.jpg', kind: 'image' as const, content_type: 'image/jpeg', size: 1, sha256: fileId, blob_key: fileId, thumbnail_key: null, width: null, height: null, duration_seconds: null, created_at: now, taken_at: now, taken_at_source: 'upload' as const, taken_month: now.slice(0, 7) })))
          .execute();
      }
      const rows = Array.from({ length: FACES }, (_, i) => ({
        id: randomUUID(), file_id: fileIds[i % fileIds.length]!, owner_id: id, x: 0.1, y: 0.1, width: 0.2, height: 0.2, score: 0.9,
        descriptor: encodeDescriptor(randomDescriptor()), person_id: null, assigned_by: null, suggested_person_id: null, distance: null, cluster_id: null, created_at: now,
      }));
      for (let i = 0; i < rows.length; i += 200) await db.insertInto('faces').values(rows.slice(i, i + 200)).execute();
    }
    const owner = owners[0]!;
    const index = new FaceIndex(db);
    const probe = randomDescriptor();

    const firstLoad = await timeMs(1, () => index.forUser(owner));
    const scanOnly = await timeMs(SEARCHES, async () => nearest((await index.forUser(owner)).values(), probe, SUGGEST_DISTANCE));
    const loaded = await index.forUser(owner);
    const scan = await timeMs(SEARCHES, () => nearest(loaded.values(), probe, SUGGEST_DISTANCE));
    const fullScan = await timeMs(SEARCHES, () => nearest(loaded.values(), probe, Infinity).length);
    const stamp = await timeMs(SEARCHES, () => faces.indexStamp(db, owner));
    const sqlEach = await timeMs(20, async () => nearest(await faces.loadIndexedFaces(db, owner), probe, SUGGEST_DISTANCE));
    const searched = (await index.forUser(owner)).size;

    const rss = Math.round(process.memoryUsage().rss / 1e6);
    console.log(`## Searching 10,000 faces of one user (bench/face-index.ts)\n`);
    console.log(`Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, embedded SQLite; ${FACES} faces for each of 2 users, the index holding ${searched} (one user's only).\n`);
    console.log('| measure | median | p95 |');
    console.log('|---|---|---|');
    console.log(`| in-memory index, current: stamp query + scan of 10,000 descriptors | ${scanOnly.median.toFixed(2)} ms | ${scanOnly.p95.toFixed(2)} ms |`);
    console.log(`| of which the scan alone | ${scan.median.toFixed(2)} ms | ${scan.p95.toFixed(2)} ms |`);
    console.log(`| the scan without early exit (every distance computed in full, every face kept and sorted) | ${fullScan.median.toFixed(2)} ms | ${fullScan.p95.toFixed(2)} ms |`);
    console.log(`| of which the stamp query (version + count) | ${stamp.median.toFixed(2)} ms | ${stamp.p95.toFixed(2)} ms |`);
    console.log(`| first load of the index (read + decode 10,000 descriptors) | ${firstLoad.median.toFixed(1)} ms | — |`);
    console.log(`| SQL without an index: read the user's descriptors for each search | ${sqlEach.median.toFixed(1)} ms | ${sqlEach.p95.toFixed(1)} ms |`);
    console.log(`\nThe current index answers ${(sqlEach.median / scanOnly.median).toFixed(0)}× faster than reading from SQL each time. Process RSS at the end: ${rss} MB.`);
  } finally {
    await db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
