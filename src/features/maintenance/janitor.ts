import type { FastifyBaseLogger } from 'fastify';
import type { BlobStore } from '../../adapters/storage/blob-store.js';
import type { Db } from '../../db/connect.js';
import type { AuditService } from '../audit/audit.service.js';
import { checkConsistency } from './fsck.service.js';

const EVERY_MS = 6 * 3600 * 1000;
const MIN_AGE_MS = 3600 * 1000;

/**
 * Every few hours: drops audit events past their retention, and reports blobs without files
 * and files without blobs. It only reports those: deleting blobs is `coffer fsck --repair`,
 * a decision for a person.
 */
export function startJanitor(db: Db, blobs: BlobStore, auditEvents: AuditService, log: FastifyBaseLogger, auditRetentionDays: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const cutoff = new Date(Date.now() - auditRetentionDays * 86_400_000).toISOString();
    auditEvents.deleteBefore(cutoff)
      .then((removed) => removed > 0 && log.info({ removed }, 'audit events past retention removed'))
      .then(() => checkConsistency(db, blobs, { repair: false, minAgeMs: MIN_AGE_MS }))
      .then((report) => {
        if (report.orphans.length > 0 || report.missing.length > 0) {
          log.warn({ orphans: report.orphans.length, missing: report.missing.length }, 'blob store and database disagree; run `coffer fsck`');
        }
      })
      .catch((error: unknown) => log.warn({ err: error }, 'janitor check failed'))
      .finally(() => {
        running = false;
      });
  }, EVERY_MS).unref();
  return () => clearInterval(timer);
}
