import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTester, injectTransport } from '../helpers/api-tester.js';
import { createTestApp, fixture, multipart, type TestApp } from '../helpers/app.js';
import { addAdmin } from '../helpers/fixtures.js';

/**
 * Issue 8, item 13: RFC 3339 allows a leap second (`23:59:60Z`) and so does the `date-time`
 * format, but no Date can hold one: such a value crashed link expiry and the audit filter
 * with a 500. Every field that takes an instant shares one rule, and answers 400.
 */
const LEAP_SECONDS = ['2027-12-31T23:59:60Z', '2027-12-31T23:59:60.5Z', '2028-01-01T00:59:60+01:00'];

describe('timestamps', () => {
  let t: TestApp;
  let api: ApiTester;
  let fileId: string;
  beforeAll(async () => {
    t = await createTestApp();
    api = new ApiTester(injectTransport(t.app));
    await api.addUser('stamper');
    await addAdmin(t, api, 'auditor');
    const body = multipart([{ filename: 'a.png', content: await fixture('sample.png') }]);
    fileId = (await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: `Basic ${Buffer.from('stamper:stamper-password-1').toString('base64')}` } })).json().items[0].id;
  });
  afterAll(() => t.close());

  const expectFieldError = (response: { json(): any }, field: string) => expect(response.json()).toMatchObject({ code: 'invalid_request', details: [expect.objectContaining({ field })] });

  it.each(LEAP_SECONDS)('refuses %s as a link expiry with 400', async (instant) => {
    expectFieldError(await api.post(`/api/v1/files/${fileId}/links`, 400, { as: 'stamper', body: { expiresAt: instant } }), 'expiresAt');
    expect((await api.get(`/api/v1/files/${fileId}/links`, 200, { as: 'stamper' })).json().items).toEqual([]);
  });

  it.each(LEAP_SECONDS)('refuses %s as a token expiry with 400', async (instant) => {
    expectFieldError(await api.post('/api/v1/tokens', 400, { as: 'stamper', body: { name: 'leap', scopes: ['files:read'], expiresAt: instant } }), 'expiresAt');
  });

  it.each(LEAP_SECONDS)('refuses %s in the audit filter (since, until) with 400', async (instant) => {
    for (const field of ['since', 'until']) {
      expectFieldError(await api.get(`/api/v1/admin/audit?${field}=${encodeURIComponent(instant)}`, 400, { as: 'auditor' }), field);
    }
  });

  it('still accepts ordinary instants, with fractions and offsets', async () => {
    await api.post(`/api/v1/files/${fileId}/links`, 201, { as: 'stamper', body: { expiresAt: '2099-12-31T23:59:59.999+05:30' } });
    await api.post('/api/v1/tokens', 201, { as: 'stamper', body: { name: 'later', scopes: ['files:read'], expiresAt: '2099-06-30T12:00:00Z' } });
    await api.get(`/api/v1/admin/audit?since=${encodeURIComponent('2020-01-01T00:00:00Z')}&until=${encodeURIComponent('2099-12-31T23:59:59.5-08:00')}`, 200, { as: 'auditor' });
  });
});
