import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalString,
  DEFAULT_CERT_URL_PATTERN,
  MalformedSnsMessage,
  parseSnsMessage,
  SnsCertificateUnavailable,
  SnsSignatureInvalid,
  SnsVerifier,
} from '../../src/features/mail/sns-signature.js';
import { makeSigningKey, signSns, snsNotification, TestHttpServer, TEST_TOPIC, type SigningKey } from '../helpers/sns.js';

const LOCAL_PATTERN = /^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9/-]*\.pem$/;

describe('SNS message verification', () => {
  let key: SigningKey;
  let other: SigningKey;
  const server = new TestHttpServer();
  let certUrl: string;

  beforeAll(async () => {
    key = makeSigningKey();
    other = makeSigningKey();
    await server.start();
    certUrl = server.route('/SimpleNotificationService-test.pem', (res) => res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(key.certPem));
    server.route('/huge.pem', (res) => res.writeHead(200).end('x'.repeat(100_000)));
    server.route('/redirect.pem', (res) => res.writeHead(302, { location: certUrl }).end());
    server.route('/broken.pem', (res) => res.writeHead(503).end());
    server.route('/not-a-cert.pem', (res) => res.writeHead(200).end('hello'));
    server.route('/hang.pem', () => {});
  });
  afterAll(() => server.stop());

  it('builds the canonical string of the documented fields, Subject only when present', () => {
    const message = parseSnsMessage({ Type: 'Notification', MessageId: 'm', TopicArn: 't', Message: 'hi', Timestamp: '2026-01-01T00:00:00Z', SignatureVersion: '1', Signature: 's', SigningCertURL: 'u', UnsubscribeURL: 'x' });
    expect(canonicalString(message)).toBe('Message\nhi\nMessageId\nm\nTimestamp\n2026-01-01T00:00:00Z\nTopicArn\nt\nType\nNotification\n');
    expect(canonicalString({ ...message, Subject: 'S' })).toContain('MessageId\nm\nSubject\nS\nTimestamp');
    const confirmation = parseSnsMessage({ ...message, Type: 'SubscriptionConfirmation', SubscribeURL: 'https://sub', Token: 'tok' });
    expect(canonicalString(confirmation)).toBe('Message\nhi\nMessageId\nm\nSubscribeURL\nhttps://sub\nTimestamp\n2026-01-01T00:00:00Z\nToken\ntok\nTopicArn\nt\nType\nSubscriptionConfirmation\n');
  });

  it('refuses malformed messages before any fetch', () => {
    expect(() => parseSnsMessage('text')).toThrow(MalformedSnsMessage);
    expect(() => parseSnsMessage({ Type: 'Other' })).toThrow(MalformedSnsMessage);
    expect(() => parseSnsMessage({ Type: 'Notification', MessageId: 'm' })).toThrow(/Missing or non-text fields: TopicArn/);
    expect(() => parseSnsMessage({ Type: 'SubscriptionConfirmation', MessageId: 'm', TopicArn: 't', Message: 'x', Timestamp: '2026-01-01T00:00:00Z', SignatureVersion: '1', Signature: 's', SigningCertURL: 'u' })).toThrow(/SubscribeURL, Token/);
  });

  it.each(['1', '2'] as const)('accepts a message signed with SignatureVersion %s', async (version) => {
    const verifier = new SnsVerifier(LOCAL_PATTERN);
    await expect(verifier.verify(snsNotification(key, certUrl, { notificationType: 'Delivery' }, { version }))).resolves.toBeUndefined();
  });

  it('refuses a tampered message, a wrong key, a swapped version and a garbled signature', async () => {
    const verifier = new SnsVerifier(LOCAL_PATTERN);
    const good = snsNotification(key, certUrl, { notificationType: 'Bounce' });
    await expect(verifier.verify({ ...good, Message: good.Message.replace('Bounce', 'Delivery') })).rejects.toThrow(SnsSignatureInvalid);
    await expect(verifier.verify({ ...good, TopicArn: `${TEST_TOPIC}-other` })).rejects.toThrow(SnsSignatureInvalid);
    await expect(verifier.verify(snsNotification(other, certUrl, { notificationType: 'Bounce' }))).rejects.toThrow(SnsSignatureInvalid);
    await expect(verifier.verify({ ...good, SignatureVersion: '1' })).rejects.toThrow(SnsSignatureInvalid);
    await expect(verifier.verify({ ...good, Signature: 'AAAA' })).rejects.toThrow(SnsSignatureInvalid);
  });

  it('fetches a certificate only from an allowed URL, once, and never follows a redirect', async () => {
    const verifier = new SnsVerifier(LOCAL_PATTERN);
    const before = server.count('/SimpleNotificationService-test.pem');
    await verifier.verify(snsNotification(key, certUrl, {}));
    await verifier.verify(snsNotification(key, certUrl, {}));
    expect(server.count('/SimpleNotificationService-test.pem') - before).toBe(1);

    const strict = new SnsVerifier();
    const hits = server.count('/SimpleNotificationService-test.pem');
    await expect(strict.verify(snsNotification(key, certUrl, {}))).rejects.toThrow(/not an address of Amazon SNS/);
    expect(server.count('/SimpleNotificationService-test.pem')).toBe(hits);

    await expect(verifier.verify(signSns(key, { ...snsNotification(key, `${server.origin}/redirect.pem`, {}) }))).rejects.toThrow(SnsSignatureInvalid);
    expect(server.count('/redirect.pem')).toBe(1);
  });

  it('bounds the certificate: too large or not a certificate is refused, a silent or failing host is unavailable', async () => {
    const verifier = new SnsVerifier(LOCAL_PATTERN, { timeoutMs: 300, maxBytes: 16 * 1024 });
    await expect(verifier.verify(snsNotification(key, `${server.origin}/huge.pem`, {}))).rejects.toThrow(/larger than/);
    await expect(verifier.verify(snsNotification(key, `${server.origin}/not-a-cert.pem`, {}))).rejects.toThrow(SnsSignatureInvalid);
    await expect(verifier.verify(snsNotification(key, `${server.origin}/broken.pem`, {}))).rejects.toThrow(SnsCertificateUnavailable);
    const started = Date.now();
    await expect(verifier.verify(snsNotification(key, `${server.origin}/hang.pem`, {}))).rejects.toThrow(SnsCertificateUnavailable);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('the default pattern accepts SNS certificate URLs and nothing that only looks like one', () => {
    expect(DEFAULT_CERT_URL_PATTERN.test('https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem')).toBe(true);
    expect(DEFAULT_CERT_URL_PATTERN.test('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-x.pem')).toBe(true);
    for (const url of [
      'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem',
      'https://sns.us-east-1.amazonaws.com.evil.example/x.pem',
      'https://sns.us-east-1.amazonaws.com@evil.example/x.pem',
      'https://evil.example/sns.us-east-1.amazonaws.com/x.pem',
      'https://sns.us-east-1.amazonaws.com/x.pem?x=1',
      'https://sns.us-east-1.amazonaws.com/x.txt',
      'https://s3.amazonaws.com/sns.us-east-1.amazonaws.com/x.pem',
    ]) {
      expect(DEFAULT_CERT_URL_PATTERN.test(url), url).toBe(false);
    }
  });
});
