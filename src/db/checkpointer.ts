import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** How often the WAL is copied back into the database file. */
export const CHECKPOINT_INTERVAL_MS = 1000;

/**
 * Runs on its own thread with its own connection: a PASSIVE checkpoint copies what it can
 * and never waits for, or blocks, the server's connection. Plain CommonJS evaluated as the
 * worker's script, so it runs the same from dist/ and from the TypeScript sources.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Another connection checkpointing (a second instance on the file) is no failure.
    if (error.code !== 'SQLITE_BUSY') parentPort.postMessage(String(error));
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops checkpointing; the worker closes its connection and ends. */
  stop(): void;
}

/**
 * Checkpoints a WAL-mode SQLite file from a worker thread. SQLite's automatic checkpoint runs
 * inside the commit that crosses 1,000 WAL pages, on the connection that commits — here the
 * event loop — and ends in an fsync of the database file, which waits for the disk behind
 * the blobs written just before: over 150 uploads of 4.5 MB, 57–924 ms went to statements
 * that took more than 5 ms (0–37 ms with this). The server's connection has it turned off
 * (wal_autocheckpoint = 0) and this does the work instead, off the event loop.
 */
export function startCheckpointer(file: string, onError: (message: string) => void, intervalMs = CHECKPOINT_INTERVAL_MS): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, file: path.resolve(file), intervalMs },
    // It holds one connection and a timer: a small heap is plenty.
    resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
  });
  worker.on('message', onError);
  worker.on('error', (error) => onError(String(error)));
  // Neither the worker nor its timer keeps the process alive.
  worker.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      worker.postMessage('stop');
    },
  };
}
