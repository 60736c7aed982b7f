import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/adapters/storage/local.js';

describe('a local blob folder shared by several instances', () => {
  it('discards only the leftovers of the starting instance and long-abandoned ones', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'coffer-blobs-'));
    const tmp = path.join(root, 'tmp');
    mkdirSync(tmp);
    for (const name of ['coffer-1.crashed', 'coffer-2.uploading', 'coffer-3.abandoned']) writeFileSync(path.join(tmp, name), 'partial');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(path.join(tmp, 'coffer-3.abandoned'), twoDaysAgo, twoDaysAgo);

    await LocalBlobStore.open(root, 'coffer-1');
    expect(readdirSync(tmp)).toEqual(['coffer-2.uploading']);
    rmSync(root, { recursive: true, force: true });
  });
});
