import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function serve(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'coffer-startup-')), PORT: '0', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}

// Port 9 (discard) is closed on loopback here: connections are refused at once.
describe('start-up with a backing service unreachable', () => {
  it.each([
    ['DATABASE_URL', { DATABASE_URL: 'postgres://coffer:s3cret-pw@127.0.0.1:9/coffer' }, 'postgres://coffer:***@127.0.0.1:9/coffer'],
    ['SESSION_URL', { SESSION_URL: 'redis://:s3cret-pw@127.0.0.1:9/0' }, 'redis://:***@127.0.0.1:9/0'],
    ['SESSION_URL', { SESSION_URL: 'memcached://127.0.0.1:9' }, 'memcached://127.0.0.1:9'],
  ])('exits non-zero with one sentence naming %s and the masked URL', (name, env, masked) => {
    const { status, stderr } = serve(env);
    expect(status).not.toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
    expect(lines[0]).toContain(masked);
    expect(stderr).not.toContain('s3cret-pw');
  });

  it('exits with a configuration sentence for a bad setting', () => {
    const { status, stderr } = serve({ PORT: 'eighty' });
    expect(status).toBe(2);
    expect(stderr.trim()).toBe('coffer: configuration error: PORT must be a whole number from 0 to 65535, not "eighty"; for example PORT=8080');
  });
});
