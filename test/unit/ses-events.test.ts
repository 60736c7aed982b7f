import { describe, expect, it } from 'vitest';
import { MalformedSesEvent, parseSesEvent } from '../../src/features/mail/ses-events.js';
import { sesBounce, sesComplaint, sesDelivery } from '../helpers/sns.js';

describe('SES notifications', () => {
  it.each([false, true])('classifies bounces (event publishing: %s)', (eventPublishing) => {
    expect(parseSesEvent(sesBounce('Ann@Example.com', 'Permanent', eventPublishing))).toMatchObject({ kind: 'bounce', bounceType: 'permanent', subType: 'General', addresses: ['ann@example.com'] });
    expect(parseSesEvent(sesBounce('a@example.com', 'Transient', eventPublishing))).toMatchObject({ kind: 'bounce', bounceType: 'transient' });
    expect(parseSesEvent(sesBounce('a@example.com', 'Undetermined', eventPublishing))).toMatchObject({ kind: 'bounce', bounceType: 'undetermined' });
    expect(parseSesEvent(sesComplaint('b@example.com', eventPublishing))).toMatchObject({ kind: 'complaint', feedbackType: 'abuse', addresses: ['b@example.com'] });
  });

  it('reads deliveries, display-name recipients and ignores other types', () => {
    expect(parseSesEvent(sesDelivery('Carl <C@example.com>'))).toMatchObject({ kind: 'delivery', addresses: ['c@example.com'] });
    expect(parseSesEvent({ notificationType: 'AmazonSnsSubscriptionSucceeded', message: 'ok' })).toEqual({ kind: 'ignored', type: 'AmazonSnsSubscriptionSucceeded' });
    expect(parseSesEvent({ eventType: 'Open', open: {} })).toEqual({ kind: 'ignored', type: 'Open' });
  });

  it('refuses notifications missing what it acts on', () => {
    for (const body of [null, [], 'x', {}, { notificationType: 'Bounce' }, { notificationType: 'Bounce', bounce: { bounceType: 'Soft', bouncedRecipients: [{ emailAddress: 'a@b.c' }] } }, { notificationType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [] } }, { notificationType: 'Complaint', complaint: { complainedRecipients: [{ name: 'x' }] } }, { notificationType: 'Delivery', delivery: { recipients: [3] } }]) {
      expect(() => parseSesEvent(body), JSON.stringify(body)).toThrow(MalformedSesEvent);
    }
  });
});
