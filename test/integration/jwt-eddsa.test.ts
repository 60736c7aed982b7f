import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type Account, type TestApp } from '../helpers/app.js';

describe('JWTs signed with EdDSA', () => {
  let dir: string;
  let publicKeyPem: string;
  let t: TestApp;
  let user: Account;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'coffer-keys-'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    writeFileSync(path.join(dir, 'jwt.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(path.join(dir, 'jwt.pub.pem'), publicKeyPem);
    t = await createTestApp({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: path.join(dir, 'jwt.pem'), JWT_PUBLIC_KEY_FILE: path.join(dir, 'jwt.pub.pem') });
    user = await signUp(t.app);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues and accepts EdDSA tokens', async () => {
    const { accessToken } = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers: { authorization: user.basic } })).json();
    expect(JSON.parse(Buffer.from(accessToken.split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'EdDSA' });
    expect((await t.app.inject({ url: '/api/v1/files', headers: { authorization: `Bearer ${accessToken}` } })).statusCode).toBe(200);
  });

  it('refuses a token re-signed with HS256 using the public key as the secret (algorithm confusion)', async () => {
    const { accessToken } = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers: { authorization: user.basic } })).json();
    const [, payload] = accessToken.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const signature = createHmac('sha256', publicKeyPem).update(`${header}.${payload}`).digest('base64url');
    const forged = `${header}.${payload}.${signature}`;
    expect((await t.app.inject({ url: '/api/v1/files', headers: { authorization: `Bearer ${forged}` } })).statusCode).toBe(401);
  });

  it('stops at start-up when the key files are missing', async () => {
    await expect(createTestApp({ JWT_ALGORITHM: 'EdDSA' })).rejects.toThrow(/^JWT_PRIVATE_KEY_FILE is required when JWT_ALGORITHM=EdDSA/);
  });
});
