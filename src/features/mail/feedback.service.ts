import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../../db/connect.js';
import { isUniqueViolation } from '../../db/connect.js';
import { AppError, InvalidRequest, NotFound, Unavailable } from '../../errors.js';
import type { AuditLog } from '../audit/audit.log.js';
import type { Caller } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import * as mail from './mail.repository.js';
import { eventTypeName, MalformedSesEvent, normalizeAddress, parseSesEvent, type SesEvent } from './ses-events.js';
import { fetchBounded, MalformedSnsMessage, parseSnsMessage, SnsCertificateUnavailable, SnsSignatureInvalid, type SnsMessage, type SnsVerifier } from './sns-signature.js';

export class InvalidSignature extends AppError {
  constructor(reason: string) {
    super(403, 'invalid_signature', `The message was refused: ${reason}`);
  }
}

export interface FeedbackOptions {
  /** SES_SNS_TOPIC_ARNS: no topic listed, no SNS message accepted. */
  topics: readonly string[];
  softBounceLimit: number;
}

export type FeedbackOutcome = 'stored' | 'duplicate' | 'ignored' | 'subscribed' | 'unsubscribed';

/** SNS retries for a while after a failure; older messages are refused as possible replays. */
const MAX_AGE_MS = 3600_000;
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const SOFT_BOUNCE_WINDOW_MS = 7 * 24 * 3600_000;
const EVENTS_PER_ADDRESS = 20;

interface Log {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/**
 * SES feedback (bounces, complaints, deliveries) from SNS or a relay, stored raw once per
 * message, and the suppression list it feeds: a permanent bounce or a complaint suppresses
 * at once, transient bounces after `softBounceLimit` within 7 days.
 */
export class MailFeedbackService {
  constructor(
    private readonly db: Db,
    private readonly verifier: SnsVerifier,
    private readonly options: FeedbackOptions,
    private readonly audit: AuditLog,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  /** A message posted by an SNS subscription: checked (topic, age, signature) before anything else. */
  async receiveSns(body: unknown, origin: Origin): Promise<FeedbackOutcome> {
    const message = asSnsMessage(body);
    if (!this.options.topics.includes(message.TopicArn)) throw new InvalidSignature('the topic is not one of SES_SNS_TOPIC_ARNS.');
    const age = this.now() - Date.parse(message.Timestamp);
    if (age > MAX_AGE_MS || age < -MAX_CLOCK_SKEW_MS) throw new InvalidSignature('its Timestamp is more than an hour away from now.');
    try {
      await this.verifier.verify(message);
    } catch (error) {
      if (error instanceof SnsSignatureInvalid) throw new InvalidSignature(error.message);
      if (error instanceof SnsCertificateUnavailable) {
        this.log.warn({ err: error.message }, 'SNS signing certificate unavailable');
        throw new Unavailable('SNS certificate host');
      }
      throw error;
    }
    switch (message.Type) {
      case 'SubscriptionConfirmation':
        return this.confirmSubscription(message, origin);
      case 'UnsubscribeConfirmation':
        // Nothing to do: re-subscribing is an operator's decision, not an automatic one.
        this.audit.record({ action: 'mail.sns_unsubscribed', outcome: 'success', actorName: 'sns', target: message.TopicArn, ...origin });
        return 'unsubscribed';
      case 'Notification':
        return this.record(parseMessage(message.Message), message.MessageId, 'sns', message.Message, origin);
    }
  }

  /** The SES notification JSON itself, from a relay holding a `webhooks:ses` token. */
  async receiveRelay(body: unknown, raw: string, origin: Origin): Promise<FeedbackOutcome> {
    const event = parseEvent(body);
    // No SNS MessageId here: the same body twice is the same event.
    return this.record(event, `sha256:${createHash('sha256').update(raw).digest('hex')}`, 'relay', raw, origin);
  }

  async listSuppressions(options: { q?: string; cursor?: string; limit: number }) {
    const [after] = options.cursor === undefined ? [] : decodeCursor(options.cursor, 1);
    const rows = await mail.listSuppressions(this.db, { limit: options.limit + 1, ...(options.q ? { q: options.q.trim() } : {}), ...(after ? { after } : {}) });
    const page = rows.slice(0, options.limit);
    const events = await mail.eventsOf(this.db, page.map((s) => s.email), EVENTS_PER_ADDRESS);
    const last = page.at(-1);
    return {
      items: page.map((s) => ({ email: s.email, reason: s.reason, since: s.since, events: (events.get(s.email) ?? []).map(({ address: _a, ...e }) => e) })),
      nextCursor: rows.length > options.limit && last ? encodeCursor([last.email]) : null,
    };
  }

  /** An administrator lifts a suppression: mail goes to the address again. */
  async lift(caller: Caller, email: string, origin: Origin): Promise<void> {
    const actor = caller.user;
    if (!(await mail.liftSuppression(this.db, normalizeAddress(email), actor.username, new Date(this.now()).toISOString()))) throw new NotFound('suppression');
    this.audit.record({ action: 'mail.suppression_lift', outcome: 'success', actor, target: `email:${email.toLowerCase()}`, ...origin });
  }

  private async confirmSubscription(message: SnsMessage, origin: Origin): Promise<FeedbackOutcome> {
    try {
      // The URL is part of what SNS signed; still bounded, and never redirected.
      await fetchBounded(message.SubscribeURL!, { timeoutMs: 5000, maxBytes: 64 * 1024 }, Error);
    } catch (error) {
      this.log.warn({ err: error instanceof Error ? error.message : String(error), topic: message.TopicArn }, 'SNS subscription confirmation failed');
      throw new Unavailable('SNS subscription endpoint');
    }
    this.log.info({ topic: message.TopicArn }, 'SNS subscription confirmed');
    this.audit.record({ action: 'mail.sns_subscribed', outcome: 'success', actorName: 'sns', target: message.TopicArn, ...origin });
    return 'subscribed';
  }

  private async record(event: SesEvent, messageId: string, source: 'sns' | 'relay', raw: string, origin: Origin): Promise<FeedbackOutcome> {
    if (event.kind === 'ignored') return 'ignored';
    if (await mail.sesEventExists(this.db, messageId)) return 'duplicate';
    const type = eventTypeName(event);
    const bounceType = event.kind === 'bounce' ? event.bounceType : null;
    const receivedAt = new Date(this.now()).toISOString();
    const addresses = [...new Set(event.addresses)];
    let suppressed: Array<{ email: string; reason: 'bounce' | 'complaint' }>;
    try {
      suppressed = await this.db.transaction().execute(async (trx) => {
        const fresh: Array<{ email: string; reason: 'bounce' | 'complaint' }> = [];
        for (const address of addresses) {
          await mail.insertSesEvent(trx, { id: randomUUID(), messageId, address, type, bounceType, source, raw, receivedAt });
          const reason = await this.suppressionFor(trx, event, address, receivedAt);
          if (reason && (await mail.suppress(trx, address, reason, receivedAt))) fresh.push({ email: address, reason });
        }
        return fresh;
      });
    } catch (error) {
      // The same message delivered twice at once: the unique key lets one through.
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
    for (const address of addresses) {
      this.audit.record({ action: 'mail.ses_event', outcome: 'success', actorName: source, target: `email:${address}`, details: { type, bounceType, messageId }, ...origin });
    }
    for (const { email, reason } of suppressed) {
      this.audit.record({ action: 'mail.suppress', outcome: 'success', actorName: source, target: `email:${email}`, details: { reason, type, bounceType }, ...origin });
    }
    return 'stored';
  }

  private async suppressionFor(trx: Parameters<typeof mail.countSoftBounces>[0], event: SesEvent, address: string, now: string): Promise<'bounce' | 'complaint' | undefined> {
    if (event.kind === 'complaint') return 'complaint';
    if (event.kind !== 'bounce') return undefined;
    if (event.bounceType === 'permanent') return 'bounce';
    // Soft bounces count within the window, and only since the last lift of the address.
    const windowStart = new Date(Date.parse(now) - SOFT_BOUNCE_WINDOW_MS).toISOString();
    const lifted = (await mail.findSuppression(trx, address))?.liftedAt;
    const since = lifted && lifted > windowStart ? lifted : windowStart;
    return (await mail.countSoftBounces(trx, address, since)) >= this.options.softBounceLimit ? 'bounce' : undefined;
  }
}

function asSnsMessage(body: unknown): SnsMessage {
  try {
    return parseSnsMessage(body);
  } catch (error) {
    if (error instanceof MalformedSnsMessage) throw new InvalidRequest(`Not an SNS message: ${error.message}`, [{ field: 'body', message: error.message }]);
    if (error instanceof SnsSignatureInvalid) throw new InvalidSignature(error.message);
    throw error;
  }
}

function parseMessage(text: string): SesEvent {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // A signed message we do not understand (a test message from the console): acknowledge it.
    return { kind: 'ignored', type: 'text' };
  }
  return parseEvent(body);
}

function parseEvent(body: unknown): SesEvent {
  try {
    return parseSesEvent(body);
  } catch (error) {
    if (error instanceof MalformedSesEvent) throw new InvalidRequest(`Not an SES notification: ${error.message}`, [{ field: 'body', message: error.message }]);
    throw error;
  }
}
