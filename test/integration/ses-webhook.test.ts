import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asBrowser, createTestApp, signUp, type Account, type TestApp } from '../helpers/app.js';
import { signUpAdmin } from '../helpers/fixtures.js';
import { eventually, TestSmtpServer } from '../helpers/smtp.js';
import { makeSigningKey, sesBounce, sesComplaint, sesDelivery, signSns, snsNotification, TestHttpServer, TEST_TOPIC, type SigningKey } from '../helpers/sns.js';

describe('SES feedback at /api/v1/webhooks/ses, and the suppression list', () => {
  const smtp = new TestSmtpServer();
  const certs = new TestHttpServer();
  let key: SigningKey;
  let forger: SigningKey;
  let certUrl: string;
  let t: TestApp;
  let admin: Account;

  beforeAll(async () => {
    key = makeSigningKey();
    forger = makeSigningKey();
    await Promise.all([smtp.start(), certs.start()]);
    certUrl = certs.route('/SimpleNotificationService-test.pem', (res) => res.writeHead(200).end(key.certPem));
    certs.route('/hang.pem', () => {});
    certs.route('/confirm', (res) => res.writeHead(200, { 'content-type': 'text/xml' }).end('<ConfirmSubscriptionResponse/>'));
    t = await createTestApp({
      SMTP_URL: smtp.url,
      MAIL_RETRY_BASE_SECONDS: '1',
      SES_SNS_TOPIC_ARNS: `${TEST_TOPIC},arn:aws:sns:eu-west-1:123456789012:other`,
      // The test's certificate server stands in for sns.<region>.amazonaws.com.
      SNS_CERT_URL_PATTERN: String.raw`http://127\.0\.0\.1:\d+/[A-Za-z0-9/-]*\.pem`,
    });
    admin = await signUpAdmin(t, 'mailadmin');
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([smtp.stop(), certs.stop()]);
  });

  const post = (body: string | object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/v1/webhooks/ses', headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const eventCount = async () => (await t.services.backends.db.selectFrom('ses_events').select('id').execute()).length;
  const suppressions = async (q: string) => (await t.app.inject({ method: 'GET', url: `/api/v1/admin/mail/suppressions?q=${encodeURIComponent(q)}`, headers: { cookie: admin.cookie } })).json().items as Array<{ email: string; reason: string; events: Array<{ type: string; bounceType: string | null }> }>;

  it.each(['1', '2'] as const)('stores a signed permanent bounce (SignatureVersion %s) and suppresses the address at once', async (version) => {
    const address = `hard${version}@bounce.test`;
    const response = await post(snsNotification(key, certUrl, sesBounce(address, 'Permanent'), { version }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'stored' });
    const [entry] = await suppressions(address);
    expect(entry).toMatchObject({ email: address, reason: 'bounce', events: [{ type: 'Bounce', bounceType: 'permanent' }] });
    const stored = await t.services.backends.db.selectFrom('ses_events').selectAll().where('address', '=', address).execute();
    expect(stored).toHaveLength(1);
    expect(JSON.parse(stored[0]!.raw)).toMatchObject({ notificationType: 'Bounce', bounce: { bounceType: 'Permanent' } });
  });

  it('stores a complaint (event publishing shape) and suppresses; a delivery is stored and suppresses nothing', async () => {
    expect((await post(snsNotification(key, certUrl, sesComplaint('angry@bounce.test', true)))).json()).toEqual({ status: 'stored' });
    expect((await suppressions('angry@bounce.test'))[0]).toMatchObject({ reason: 'complaint' });
    expect((await post(snsNotification(key, certUrl, sesDelivery('happy@bounce.test')))).json()).toEqual({ status: 'stored' });
    expect(await suppressions('happy@bounce.test')).toEqual([]);
    await t.services.audit.flush();
    const audited = await t.services.backends.db.selectFrom('audit_events').select(['action', 'target']).where('action', 'like', 'mail.%').where('target', '=', 'email:angry@bounce.test').execute();
    expect(audited.map((a) => a.action).sort()).toEqual(['mail.ses_event', 'mail.suppress']);
  });

  it('suppresses after MAIL_SOFT_BOUNCE_LIMIT transient bounces, not before', async () => {
    const address = 'full@bounce.test';
    for (let i = 0; i < 2; i += 1) expect((await post(snsNotification(key, certUrl, sesBounce(address, 'Transient')))).statusCode).toBe(200);
    expect(await suppressions(address)).toEqual([]);
    expect((await post(snsNotification(key, certUrl, sesBounce(address, 'Undetermined', true)))).statusCode).toBe(200);
    expect((await suppressions(address))[0]).toMatchObject({ reason: 'bounce' });
    expect((await suppressions(address))[0]!.events).toHaveLength(3);
  });

  it('processes the same MessageId once, answering 200 both times', async () => {
    const message = snsNotification(key, certUrl, sesBounce('twice@bounce.test', 'Transient'));
    const before = await eventCount();
    const [first, second] = await Promise.all([post(message), post(message)]);
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect([first.json().status, second.json().status].sort()).toEqual(['duplicate', 'stored']);
    expect((await post(message)).json()).toEqual({ status: 'duplicate' });
    expect((await eventCount()) - before).toBe(1);
  });

  it('refuses wrong signatures, tampered messages, foreign certificate URLs, other topics and old messages with 403, storing nothing', async () => {
    const before = await eventCount();
    const good = snsNotification(key, certUrl, sesBounce('victim@bounce.test'));
    const cases = [
      snsNotification(forger, certUrl, sesBounce('victim@bounce.test')),
      { ...good, Message: good.Message.replace('victim@', 'other@') },
      { ...good, MessageId: randomUUID() },
      snsNotification(forger, 'https://evil.example/SimpleNotificationService-x.pem', sesBounce('victim@bounce.test')),
      snsNotification(key, certUrl, sesBounce('victim@bounce.test'), { topic: 'arn:aws:sns:us-east-1:123456789012:not-allowed' }),
      snsNotification(key, certUrl, sesBounce('victim@bounce.test'), { timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() }),
      { ...good, SignatureVersion: '3' },
    ];
    for (const message of cases) {
      const response = await post(message);
      expect(response.statusCode, JSON.stringify(message).slice(0, 120)).toBe(403);
      expect(response.json().code).toBe('invalid_signature');
    }
    expect(await eventCount()).toBe(before);
    expect(await suppressions('victim@bounce.test')).toEqual([]);
    expect(certs.count('/SimpleNotificationService-x.pem')).toBe(0);
  });

  it('confirms a signed SubscriptionConfirmation by fetching its SubscribeURL exactly once; a forged one fetches nothing', async () => {
    const confirmation = (signer: SigningKey, topic = TEST_TOPIC) =>
      signSns(signer, {
        Type: 'SubscriptionConfirmation',
        MessageId: randomUUID(),
        Token: 'token-from-sns',
        TopicArn: topic,
        Message: `You have chosen to subscribe to the topic ${topic}.`,
        SubscribeURL: `${certs.origin}/confirm`,
        Timestamp: new Date().toISOString(),
        SigningCertURL: certUrl,
        SignatureVersion: '1',
      });
    const forged = await post(confirmation(forger), { 'x-amz-sns-message-type': 'SubscriptionConfirmation' });
    expect(forged.statusCode).toBe(403);
    const otherTopic = await post(confirmation(key, 'arn:aws:sns:us-east-1:123456789012:not-allowed'));
    expect(otherTopic.statusCode).toBe(403);
    expect(certs.count('/confirm')).toBe(0);

    const genuine = await post(confirmation(key), { 'x-amz-sns-message-type': 'SubscriptionConfirmation' });
    expect(genuine.statusCode).toBe(200);
    expect(genuine.json()).toEqual({ status: 'subscribed' });
    expect(certs.count('/confirm')).toBe(1);
  });

  it('acknowledges AmazonSnsSubscriptionSucceeded, unknown types and unsubscribe confirmations without storing them', async () => {
    const before = await eventCount();
    expect((await post(snsNotification(key, certUrl, { notificationType: 'AmazonSnsSubscriptionSucceeded', message: 'ok' }))).json()).toEqual({ status: 'ignored' });
    expect((await post(snsNotification(key, certUrl, { eventType: 'Open', open: {} }))).json()).toEqual({ status: 'ignored' });
    const unsubscribe = signSns(key, { Type: 'UnsubscribeConfirmation', MessageId: randomUUID(), Token: 't', TopicArn: TEST_TOPIC, Message: 'bye', SubscribeURL: `${certs.origin}/confirm`, Timestamp: new Date().toISOString(), SigningCertURL: certUrl });
    expect((await post(unsubscribe)).json()).toEqual({ status: 'unsubscribed' });
    expect(await eventCount()).toBe(before);
  });

  it('answers 400 in the error shape for malformed JSON, a wrong content type, an oversize body and missing fields', async () => {
    const before = await eventCount();
    const good = snsNotification(key, certUrl, sesBounce('shape@bounce.test'));
    const { Signature: _s, ...unsigned } = good;
    const responses = [
      await post('{"Type": "Notification",'),
      await post(JSON.stringify(good), { 'content-type': 'application/xml' }),
      await post(JSON.stringify({ ...good, padding: 'x'.repeat(300 * 1024) })),
      await post(unsigned),
      await post(snsNotification(key, certUrl, { notificationType: 'Bounce', bounce: { bounceType: 'Permanent' } })),
      await t.app.inject({ method: 'POST', url: '/api/v1/webhooks/ses' }),
    ];
    for (const response of responses) {
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({ code: 'invalid_request', error: expect.any(String) });
    }
    expect(await eventCount()).toBe(before);
  });

  it('answers 503 fast when the certificate host does not answer, storing nothing', async () => {
    const before = await eventCount();
    const started = Date.now();
    const response = await post(snsNotification(key, `${certs.origin}/hang.pem`, sesBounce('slow@bounce.test')));
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await eventCount()).toBe(before);
  });

  it('takes the relay: an administrator token with webhooks:ses; anything else is a 401', async () => {
    const tokenWith = async (account: Account, scopes: string[]) => (await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: asBrowser(account), payload: { name: `relay ${scopes.join(' ')}`, scopes } })).json().secret as string;
    const relay = await tokenWith(admin, ['webhooks:ses']);
    const readOnly = await tokenWith(admin, ['files:read']);
    const someone = await signUp(t.app, 'notadmin');
    const notAdmin = await tokenWith(someone, ['webhooks:ses']);
    const notification = JSON.stringify(sesBounce('relayed@bounce.test'));
    const send = (authorization?: string) => t.app.inject({ method: 'POST', url: '/api/v1/webhooks/ses', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, payload: notification });

    expect((await send()).statusCode).toBe(401);
    expect((await send(`Bearer ${readOnly}`)).statusCode).toBe(401);
    expect((await send(`Bearer ${notAdmin}`)).statusCode).toBe(401);
    expect((await send('Bearer coffer_pat_wrong')).statusCode).toBe(401);
    expect(await suppressions('relayed@bounce.test')).toEqual([]);

    expect((await send(`Bearer ${relay}`)).json()).toEqual({ status: 'stored' });
    expect((await send(`Bearer ${relay}`)).json()).toEqual({ status: 'duplicate' });
    expect((await suppressions('relayed@bounce.test'))[0]).toMatchObject({ reason: 'bounce', events: [{ type: 'Bounce', bounceType: 'permanent' }] });
  });

  it('never mails a suppressed address (the outbox says suppressed) until an administrator lifts it', async () => {
    const user = await signUp(t.app, 'bouncy');
    await smtp.waitFor('bouncy@example.com');
    expect((await post(snsNotification(key, certUrl, sesBounce('bouncy@example.com', 'Permanent')))).statusCode).toBe(200);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: user.cookie } });
    expect(me.json().user.emailSuppressed).toBe(true);

    const forgot = () => t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: 'bouncy@example.com' } });
    const resetStatus = async () => (await t.services.backends.db.selectFrom('mail_outbox').select('status').where('to_address', '=', 'bouncy@example.com').where('template', '=', 'password_reset').orderBy('created_at').execute()).map((r) => r.status);
    expect((await forgot()).statusCode).toBe(202);
    await eventually('the reset mail to be judged', async () => (await resetStatus()).length === 1 && (await resetStatus())[0] !== 'queued');
    expect(await resetStatus()).toEqual(['suppressed']);
    expect(smtp.to('bouncy@example.com')).toHaveLength(1);

    const outbox = (await t.app.inject({ method: 'GET', url: '/api/v1/admin/mail/outbox', headers: { cookie: admin.cookie } })).json().items;
    expect(outbox.find((m: { to: string; status: string }) => m.to === 'bouncy@example.com' && m.status === 'suppressed')).toBeDefined();

    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/admin/mail/suppressions/bouncy%40example.com', headers: { cookie: user.cookie, 'x-csrf-token': user.csrfToken } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/admin/mail/suppressions/bouncy%40example.com', headers: asBrowser(admin) })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/admin/mail/suppressions/bouncy%40example.com', headers: asBrowser(admin) })).statusCode).toBe(404);
    expect(await suppressions('bouncy@example.com')).toEqual([]);

    expect((await forgot()).statusCode).toBe(202);
    const mails = await smtp.waitFor('bouncy@example.com', 2);
    expect(mails[1]!.subject).toBe('Reset your Coffer password');
    await eventually('the second reset mail to be recorded as sent', async () => (await resetStatus())[1] === 'sent');
    expect(await resetStatus()).toEqual(['suppressed', 'sent']);
    await t.services.audit.flush();
    const lift = await t.services.backends.db.selectFrom('audit_events').select(['actor']).where('action', '=', 'mail.suppression_lift').execute();
    expect(lift).toEqual([{ actor: 'mailadmin' }]);
  });
});
