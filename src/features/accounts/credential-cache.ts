import { createHmac, randomBytes } from 'node:crypto';

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Programs using HTTP Basic send the password with every request; hashing it with argon2id
 * each time would cost ~20 ms and 19 MiB per request. A successful check is remembered
 * for a few minutes, in this process only, under an HMAC of the credentials with a key that
 * never leaves memory. An entry counts only while the account's stored hash is unchanged,
 * so a password change ends it at once.
 */
export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { userId: string; passwordHash: string; expiresAt: number }>();

  lookup(username: string, password: string): { userId: string; passwordHash: string } | undefined {
    const id = this.id(username, password);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  remember(username: string, password: string, userId: string, passwordHash: string): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(this.id(username, password), { userId, passwordHash, expiresAt: Date.now() + TTL_MS });
  }

  /** The key these credentials are remembered under: an HMAC, so the password is not kept. */
  id(username: string, password: string): string {
    return createHmac('sha256', this.key).update(username).update('\0').update(password).digest('base64url');
  }
}
