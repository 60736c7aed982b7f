import argon2 from 'argon2';

/**
 * argon2id at OWASP's recommended cost (19 MiB, 2 passes): strong, and cheap enough that a
 * login takes tens of milliseconds on a small machine.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
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
