/**
 * Amazon SES feedback, in both of its shapes: "notifications" (`notificationType`, set on
 * an identity) and "event publishing" (`eventType`, through a configuration set). Only what
 * Coffer acts on is read; the raw JSON is stored as it came.
 */

export type BounceType = 'permanent' | 'transient' | 'undetermined';

export type SesEvent =
  | { kind: 'bounce'; bounceType: BounceType; subType: string; addresses: string[]; at: string }
  | { kind: 'complaint'; feedbackType: string | null; addresses: string[]; at: string }
  | { kind: 'delivery'; addresses: string[]; at: string }
  /** Acknowledged and ignored: AmazonSnsSubscriptionSucceeded, Send, Open, Click, … */
  | { kind: 'ignored'; type: string };

export class MalformedSesEvent extends Error {}

type Json = Record<string, unknown>;

const BOUNCE_TYPES: Record<string, BounceType> = { Permanent: 'permanent', Transient: 'transient', Undetermined: 'undetermined' };

export function parseSesEvent(body: unknown): SesEvent {
  if (!isObject(body)) throw new MalformedSesEvent('The SES notification is not a JSON object.');
  const type = body.notificationType ?? body.eventType;
  if (typeof type !== 'string' || type === '') throw new MalformedSesEvent('The SES notification has no "notificationType" or "eventType".');
  switch (type) {
    case 'Bounce': {
      const bounce = section(body, 'bounce');
      const bounceType = BOUNCE_TYPES[String(bounce.bounceType)];
      if (!bounceType) throw new MalformedSesEvent('"bounce.bounceType" must be Permanent, Transient or Undetermined.');
      return { kind: 'bounce', bounceType, subType: typeof bounce.bounceSubType === 'string' ? bounce.bounceSubType : '', addresses: recipients(bounce, 'bouncedRecipients'), at: timestamp(bounce) };
    }
    case 'Complaint': {
      const complaint = section(body, 'complaint');
      const feedbackType = typeof complaint.complaintFeedbackType === 'string' ? complaint.complaintFeedbackType : null;
      return { kind: 'complaint', feedbackType, addresses: recipients(complaint, 'complainedRecipients'), at: timestamp(complaint) };
    }
    case 'Delivery': {
      const delivery = section(body, 'delivery');
      const list = delivery.recipients;
      if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string')) throw new MalformedSesEvent('"delivery.recipients" must list addresses.');
      return { kind: 'delivery', addresses: list.map((a) => normalizeAddress(a as string)), at: timestamp(delivery) };
    }
    default:
      return { kind: 'ignored', type: type.slice(0, 64) };
  }
}

/** The type name stored with the event: Bounce, Complaint or Delivery. */
export function eventTypeName(event: Exclude<SesEvent, { kind: 'ignored' }>): 'Bounce' | 'Complaint' | 'Delivery' {
  return event.kind === 'bounce' ? 'Bounce' : event.kind === 'complaint' ? 'Complaint' : 'Delivery';
}

/** Addresses are compared in lower case, as accounts store them. */
export function normalizeAddress(address: string): string {
  // SES lists recipients as written, sometimes "Name <a@b>".
  const angle = /<([^<>]+)>\s*$/.exec(address);
  return (angle?.[1] ?? address).trim().toLowerCase();
}

function section(body: Json, name: string): Json {
  const value = body[name];
  if (!isObject(value)) throw new MalformedSesEvent(`The notification has no "${name}" object.`);
  return value;
}

function recipients(section: Json, name: string): string[] {
  const list = section[name];
  if (!Array.isArray(list) || list.length === 0) throw new MalformedSesEvent(`"${name}" must list recipients.`);
  return list.map((entry) => {
    const address = isObject(entry) ? entry.emailAddress : undefined;
    if (typeof address !== 'string' || !address.includes('@') || address.length > 320) throw new MalformedSesEvent(`Each of "${name}" needs an "emailAddress".`);
    return normalizeAddress(address);
  });
}

function timestamp(section: Json): string {
  const raw = section.timestamp;
  const parsed = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  // A missing time is not worth refusing the event over: it happened about now.
  return Number.isNaN(parsed) ? new Date().toISOString() : new Date(parsed).toISOString();
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
