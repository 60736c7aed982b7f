import { sql, type ExpressionBuilder } from 'kysely';
import type { Executor } from '../../db/connect.js';
import type { Database, MailTokenPurpose, NewOutboxRow, OutboxRow, OutboxStatus, SesEventRow } from '../../db/schema.js';

// ---- outbox ----

export interface OutboxItem {
  id: string;
  to: string;
  subject: string;
  template: string;
  status: OutboxStatus;
  attempts: number;
  transport: string | null;
  lastError: string | null;
  at: string;
  updatedAt: string;
}

function toOutboxItem(row: Pick<OutboxRow, 'id' | 'to_address' | 'subject' | 'template' | 'status' | 'attempts' | 'transport' | 'last_error' | 'created_at' | 'updated_at'>): OutboxItem {
  return { id: row.id, to: row.to_address, subject: row.subject, template: row.template, status: row.status, attempts: row.attempts, transport: row.transport, lastError: row.last_error, at: row.created_at, updatedAt: row.updated_at };
}

/** A rendered message for the outbox; it is queued for delivery now. */
export interface NewOutboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  language: string;
  template: string;
  /** The body holds a secret (a link's token): it is forgotten once sent. */
  secret: boolean;
  createdAt: string;
}

export async function insertOutbox(db: Executor, message: NewOutboxMessage): Promise<void> {
  const row: NewOutboxRow = {
    id: message.id,
    to_address: message.to,
    subject: message.subject,
    text_body: message.text,
    html_body: message.html,
    language: message.language,
    template: message.template,
    secret: message.secret ? 1 : 0,
    status: 'queued',
    attempts: 0,
    next_attempt_at: message.createdAt,
    last_error: null,
    transport: null,
    claimed_by: null,
    claimed_until: null,
    created_at: message.createdAt,
    updated_at: message.createdAt,
  };
  await db.insertInto('mail_outbox').values(row).execute();
}

/** Newest first, keyset-paged on (created_at, id). */
export async function listOutbox(db: Executor, limit: number, after?: { at: string; id: string }): Promise<OutboxItem[]> {
  let query = db.selectFrom('mail_outbox').select(['id', 'to_address', 'subject', 'template', 'status', 'attempts', 'transport', 'last_error', 'created_at', 'updated_at']);
  if (after) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.at, after.id)));
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toOutboxItem);
}

/** A queued message a sender has claimed, with what it needs to send it. */
export interface ClaimedMessage {
  id: string;
  to: string;
  subject: string;
  template: string;
  text: string;
  html: string;
  attempts: number;
  /** It carries a single-use link: its bodies are blanked once it is sent. */
  secret: boolean;
  claimedBy: string | null;
}

function toClaimedMessage(row: OutboxRow): ClaimedMessage {
  return { id: row.id, to: row.to_address, subject: row.subject, template: row.template, text: row.text_body, html: row.html_body, attempts: row.attempts, secret: row.secret === 1, claimedBy: row.claimed_by };
}

async function findOutbox(db: Executor, id: string): Promise<ClaimedMessage | undefined> {
  const row = await db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toClaimedMessage(row);
}

/**
 * Claims up to `limit` due messages for `sender` until `until`. Each row is taken by a
 * conditional UPDATE, so of several instances polling at once exactly one wins each row —
 * portable to every dialect, no SKIP LOCKED needed. A claim that outlives its sender
 * (a crash) expires and the row is taken again.
 */
export async function claimDue(db: Executor, sender: string, now: string, until: string, limit: number): Promise<ClaimedMessage[]> {
  const unclaimed = (eb: ExpressionBuilder<Database, 'mail_outbox'>) => eb.and([eb('status', '=', 'queued'), eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)])]);
  const candidates = await db.selectFrom('mail_outbox').select('id').where(unclaimed).where('next_attempt_at', '<=', now).orderBy('next_attempt_at').limit(limit).execute();
  const claimed: ClaimedMessage[] = [];
  for (const { id } of candidates) {
    const result = await db
      .updateTable('mail_outbox')
      .set({ claimed_by: sender, claimed_until: until })
      .where('id', '=', id)
      .where(unclaimed)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) continue;
    const row = await findOutbox(db, id);
    if (row && row.claimedBy === sender) claimed.push(row);
  }
  return claimed;
}

export interface OutboxOutcome {
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt?: string;
  lastError?: string | null;
  transport?: string | null;
  /** Blank the bodies (they held a single-use link). */
  forgetBody?: boolean;
}

const FORGOTTEN = '(removed once sent: this message carried a single-use link)';

/** Records what happened to a claimed message and releases the claim. */
export async function recordOutcome(db: Executor, id: string, sender: string, outcome: OutboxOutcome, now: string): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({
      status: outcome.status,
      attempts: outcome.attempts,
      ...(outcome.nextAttemptAt ? { next_attempt_at: outcome.nextAttemptAt } : {}),
      ...(outcome.lastError !== undefined ? { last_error: outcome.lastError?.slice(0, 500) ?? null } : {}),
      ...(outcome.transport !== undefined ? { transport: outcome.transport } : {}),
      ...(outcome.forgetBody ? { text_body: FORGOTTEN, html_body: `<p>${FORGOTTEN}</p>` } : {}),
      claimed_by: null,
      claimed_until: null,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('claimed_by', '=', sender)
    .execute();
}

/** Messages of `template` queued for `address` since `since` (to bound resends). */
export async function countRecent(db: Executor, address: string, template: string, since: string): Promise<number> {
  const row = await db
    .selectFrom('mail_outbox')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('to_address', '=', address)
    .where('template', '=', template)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---- single-use tokens ----

export async function insertMailToken(db: Executor, row: { id: string; userId: string; purpose: MailTokenPurpose; tokenHash: string; email: string; createdAt: string; expiresAt: string }): Promise<void> {
  await db
    .insertInto('mail_tokens')
    .values({ id: row.id, user_id: row.userId, purpose: row.purpose, token_hash: row.tokenHash, email: row.email, created_at: row.createdAt, expires_at: row.expiresAt, used_at: null })
    .execute();
}

/** A token that could be used now (unused, unexpired), without using it. */
export async function findUsableMailToken(db: Executor, purpose: MailTokenPurpose, tokenHash: string, now: string): Promise<{ userId: string; email: string } | undefined> {
  const row = await db
    .selectFrom('mail_tokens')
    .select(['user_id', 'email'])
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row && { userId: row.user_id, email: row.email };
}

/**
 * Uses a token once: the UPDATE succeeds for exactly one caller while the token is unused
 * and unexpired, so two clicks racing on the same link cannot both win.
 */
export async function consumeMailToken(db: Executor, purpose: MailTokenPurpose, tokenHash: string, now: string): Promise<{ userId: string; email: string } | undefined> {
  const row = await db.selectFrom('mail_tokens').select(['id', 'user_id', 'email']).where('token_hash', '=', tokenHash).where('purpose', '=', purpose).executeTakeFirst();
  if (!row) return undefined;
  const result = await db
    .updateTable('mail_tokens')
    .set({ used_at: now })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n ? { userId: row.user_id, email: row.email } : undefined;
}

/** Voids a user's unused tokens of one purpose (a new link replaces the old ones). */
export async function voidMailTokens(db: Executor, userId: string, purpose: MailTokenPurpose, now: string): Promise<void> {
  await db.updateTable('mail_tokens').set({ used_at: now }).where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
}

// ---- SES events and suppressions ----

export interface NewSesEvent {
  id: string;
  messageId: string;
  address: string;
  type: SesEventRow['type'];
  bounceType: SesEventRow['bounce_type'];
  source: SesEventRow['source'];
  raw: string;
  receivedAt: string;
}

export async function insertSesEvent(db: Executor, event: NewSesEvent): Promise<void> {
  await db
    .insertInto('ses_events')
    .values({ id: event.id, message_id: event.messageId, address: event.address, type: event.type, bounce_type: event.bounceType, source: event.source, raw: event.raw, received_at: event.receivedAt })
    .execute();
}

export async function sesEventExists(db: Executor, messageId: string): Promise<boolean> {
  return (await db.selectFrom('ses_events').select('id').where('message_id', '=', messageId).limit(1).executeTakeFirst()) !== undefined;
}

/** Transient (and undetermined) bounces of an address since `since`. */
export async function countSoftBounces(db: Executor, address: string, since: string): Promise<number> {
  const row = await db
    .selectFrom('ses_events')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('address', '=', address)
    .where('type', '=', 'Bounce')
    .where('bounce_type', 'in', ['transient', 'undetermined'])
    .where('received_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface Suppression {
  email: string;
  reason: 'bounce' | 'complaint';
  since: string;
  liftedAt: string | null;
}

export async function findSuppression(db: Executor, email: string): Promise<Suppression | undefined> {
  const row = await db.selectFrom('mail_suppressions').selectAll().where('email', '=', email).executeTakeFirst();
  return row && { email: row.email, reason: row.reason, since: row.since, liftedAt: row.lifted_at };
}

export async function isSuppressed(db: Executor, email: string): Promise<boolean> {
  const row = await db.selectFrom('mail_suppressions').select('email').where('email', '=', email).where('lifted_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}

/** Suppresses an address (again, if it was lifted). Returns false when it already was. */
export async function suppress(db: Executor, email: string, reason: 'bounce' | 'complaint', now: string): Promise<boolean> {
  const existing = await findSuppression(db, email);
  if (existing && existing.liftedAt === null) return false;
  if (existing) {
    await db.updateTable('mail_suppressions').set({ reason, since: now, lifted_at: null, lifted_by: null }).where('email', '=', email).execute();
  } else {
    await db.insertInto('mail_suppressions').values({ email, reason, since: now, lifted_at: null, lifted_by: null }).execute();
  }
  return true;
}

export async function liftSuppression(db: Executor, email: string, by: string, now: string): Promise<boolean> {
  const result = await db.updateTable('mail_suppressions').set({ lifted_at: now, lifted_by: by.slice(0, 64) }).where('email', '=', email).where('lifted_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Active suppressions, by address, with `q` a case-insensitive part of it. */
export async function listSuppressions(db: Executor, options: { q?: string; after?: string; limit: number }): Promise<Suppression[]> {
  let query = db.selectFrom('mail_suppressions').selectAll().where('lifted_at', 'is', null);
  if (options.q) {
    const pattern = `%${options.q.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
    query = query.where(sql<boolean>`lower(email) like ${pattern} escape '!'`);
  }
  if (options.after) query = query.where('email', '>', options.after);
  const rows = await query.orderBy('email').limit(options.limit).execute();
  return rows.map((row) => ({ email: row.email, reason: row.reason, since: row.since, liftedAt: row.lifted_at }));
}

export interface SesEventSummary {
  address: string;
  type: SesEventRow['type'];
  bounceType: SesEventRow['bounce_type'];
  source: SesEventRow['source'];
  at: string;
}

/** The latest events of each address, newest first (at most `perAddress` each). */
export async function eventsOf(db: Executor, addresses: string[], perAddress: number): Promise<Map<string, SesEventSummary[]>> {
  const byAddress = new Map<string, SesEventSummary[]>(addresses.map((a) => [a, []]));
  if (addresses.length === 0) return byAddress;
  const rows = await db
    .selectFrom('ses_events')
    .select(['address', 'type', 'bounce_type', 'source', 'received_at'])
    .where('address', 'in', addresses)
    .orderBy('received_at', 'desc')
    .limit(addresses.length * perAddress * 4)
    .execute();
  for (const row of rows) {
    const list = byAddress.get(row.address);
    if (list && list.length < perAddress) list.push({ address: row.address, type: row.type, bounceType: row.bounce_type, source: row.source, at: row.received_at });
  }
  return byAddress;
}
