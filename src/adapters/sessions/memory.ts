import type { SessionData, SessionStore } from './session-store.js';

/** The single-process default. Refused by the cluster command for more than one instance. */
export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, { data: SessionData; expiresAt: number }>();
  private readonly sweeper = setInterval(() => this.sweep(), 60_000).unref();

  async get(key: string): Promise<SessionData | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return { ...entry.data };
  }

  async set(key: string, data: SessionData, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { data: { ...data }, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
