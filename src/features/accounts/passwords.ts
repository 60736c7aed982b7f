import argon2 from 'argon2';
import bcrypt from 'bcryptjs';

/**
 * argon2id at OWASP's recommended cost (19 MiB, 2 passes): strong, and cheap enough that a
 * login takes tens of milliseconds on a small machine.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * The highest bcrypt cost accepted: cost 12 took 0.26 s on the 2-core test machine, so 14
 * takes about a second, and each step up doubles it (cost 31 would take some 38 hours per
 * sign-in, on the main thread, since bcryptjs is JavaScript). Common tools default to 10–12.
 */
export const MAX_BCRYPT_COST = 14;
export const MIN_BCRYPT_COST = 4;

export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  /** Checks argon2id hashes and, for imported accounts, bcrypt ones ($2a$, $2b$, $2y$). */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      if (isBcrypt(hash)) return bcryptCost(hash) <= MAX_BCRYPT_COST && (await bcrypt.compare(password, hash.replace(/^\$2y\$/, '$2b$')));
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** True for hashes to replace with a fresh argon2id one at the next successful sign-in. */
  needsRehash(hash: string): boolean {
    return isBcrypt(hash) || argon2.needsRehash(hash, OPTIONS);
  }

  /**
   * Called when the username is unknown: the same work as a real check, so the response
   * time does not tell whether an account exists.
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= this.hash('coffer-dummy-password-for-timing');
    await this.verify(await this.dummy, password);
    return false;
  }
}

export function isBcrypt(hash: string): boolean {
  return /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash);
}

export function bcryptCost(hash: string): number {
  return Number(hash.slice(4, 6));
}
