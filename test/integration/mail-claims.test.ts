import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { claimDue, recordOutcome } from '../../src/features/mail/mail.repository.js';
import { provisionBackends, type ProvisionedBackends } from '../helpers/backends.js';

describe('outbox claims by several senders at once', () => {
  let backends: ProvisionedBackends;
  let dir: string;
  const dbs: Db[] = [];

  beforeAll(async () => {
    backends = await provisionBackends();
    dir = mkdtempSync(path.join(os.tmpdir(), 'coffer-claims-'));
    const url = backends.env.DATABASE_URL ?? `sqlite:${path.join(dir, 'coffer.db')}`;
    // Three connections (pools) to one database, as three instances would have.
    for (let i = 0; i < 3; i += 1) dbs.push(await connectDatabase(url, { poolSize: 3 }));
    await migrateToLatest(dbs[0]!);
  });
  afterAll(async () => {
    for (const db of dbs) await db.destroy();
    await backends.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each due message to exactly one sender, and an expired claim to the next', async () => {
    const now = new Date().toISOString();
    const rows = Array.from({ length: 40 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      to_address: `r${i}@example.com`,
      subject: 's',
      text_body: 't',
      html_body: 'h',
      language: 'en',
      template: 'password_changed',
      secret: 0,
      status: 'queued' as const,
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
      transport: null,
      claimed_by: null,
      claimed_until: null,
      created_at: now,
      updated_at: now,
    }));
    await dbs[0]!.insertInto('mail_outbox').values(rows).execute();

    const claimedBy = new Map<string, string[]>();
    await Promise.all(
      dbs.map(async (db, i) => {
        const sender = `instance-${i}`;
        for (;;) {
          const at = new Date().toISOString();
          const batch = await claimDue(db, sender, at, new Date(Date.now() + 60_000).toISOString(), 5);
          if (batch.length === 0) return;
          for (const row of batch) {
            claimedBy.set(row.id, [...(claimedBy.get(row.id) ?? []), sender]);
            await recordOutcome(db, row.id, sender, { status: 'sent', attempts: 1 }, at);
          }
        }
      }),
    );
    expect(claimedBy.size).toBe(40);
    expect([...claimedBy.values()].every((senders) => senders.length === 1)).toBe(true);
    const statuses = await dbs[0]!.selectFrom('mail_outbox').select('status').execute();
    expect(statuses.every((r) => r.status === 'sent')).toBe(true);

    // A sender that died holding a claim: once it expires, another takes the message.
    await dbs[0]!.insertInto('mail_outbox').values({ ...rows[0]!, id: '00000000-0000-4000-8000-999999999999' }).execute();
    const held = await claimDue(dbs[0]!, 'crashed', new Date().toISOString(), new Date(Date.now() + 1000).toISOString(), 5);
    expect(held).toHaveLength(1);
    expect(await claimDue(dbs[1]!, 'alive', new Date().toISOString(), new Date(Date.now() + 60_000).toISOString(), 5)).toHaveLength(0);
    const later = new Date(Date.now() + 2000).toISOString();
    expect((await claimDue(dbs[1]!, 'alive', later, new Date(Date.now() + 60_000).toISOString(), 5)).map((r) => r.claimedBy)).toEqual(['alive']);
  });
});
