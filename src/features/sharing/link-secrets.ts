import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../../shared/clock.js';

/**
 * The secrets of public links. A link's token is looked up by its SHA-256 and kept sealed
 * (AES-256-GCM under a key derived from SECRET_KEY) so its owner can copy the URL again.
 * Unlocking a password-protected link gives the browser a signed, short-lived cookie,
 * because a <video> element cannot send the password header with its range requests.
 */
export class LinkSecrets {
  private readonly sealKey: Buffer;
  private readonly cookieKey: Buffer;

  constructor(
    secretKey: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.sealKey = Buffer.from(hkdfSync('sha256', secretKey, 'coffer', 'link-token-seal', 32));
    this.cookieKey = Buffer.from(hkdfSync('sha256', secretKey, 'coffer', 'link-unlock-cookie', 32));
  }

  newToken(): string {
    return randomBytes(24).toString('base64url');
  }

  hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  seal(token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  unseal(sealed: string): string {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  unlockCookie(linkId: string, expiresAt: number): string {
    const payload = `${linkId}.${expiresAt}`;
    return `${payload}.${this.sign(payload)}`;
  }

  isUnlocked(cookie: string | undefined, linkId: string): boolean {
    const [id, expires, signature] = (cookie ?? '').split('.');
    if (id !== linkId || !expires || !signature || Number(expires) < this.clock.now().getTime()) return false;
    const expected = Buffer.from(this.sign(`${id}.${expires}`));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.cookieKey).update(payload).digest('base64url');
  }
}
