// The web UI's API types are generated from the server's OpenAPI document; a route change
// without `npm run gen:client` would leave the UI compiled against yesterday's API.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderClientSchema, SCHEMA_FILE } from '../../scripts/gen-client.js';

describe('generated web client', () => {
  it('is up to date with the server routes (otherwise run npm run gen:client)', async () => {
    const fresh = await renderClientSchema();
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed === fresh, 'web/src/api/schema.d.ts is stale: run npm run gen:client and commit it').toBe(true);
    // The generated types carry what the UI relies on instead of probing the server.
    expect(fresh).toContain('permissions: {');
    expect(fresh).toContain('maxUploadBytes: number');
  });
});
