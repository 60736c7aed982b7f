import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComposedApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { multipart } from '../helpers/app.js';
import { GROUP_PHOTOS } from '../helpers/faces.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

// `coffer people import` on the real model: a CSV of name,url,photo, then /who names them.
describe('coffer people import', () => {
  let dataDir: string;
  const coffer = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 120_000 });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-people-'));
    const photos = path.join(dataDir, 'photos');
    mkdirSync(photos);
    const group = GROUP_PHOTOS[4]!.bytes();
    writeFileSync(path.join(photos, 'lead.jpg'), group);
    writeFileSync(path.join(photos, 'lead-mirrored.webp'), await sharp(group).flop().webp().toBuffer());
    writeFileSync(path.join(photos, 'wall.png'), await sharp({ create: { width: 200, height: 200, channels: 3, background: '#ccc' } }).png().toBuffer());
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a CSV with a bad line and imports nothing', () => {
    writeFileSync(path.join(dataDir, 'bad.csv'), 'name,url,photo\nAna,ftp://example.com,photos/lead.jpg\n');
    const result = coffer(['people', 'import', path.join(dataDir, 'bad.csv')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('line 2: "ftp://example.com" is not an http(s) link');
  });

  it('imports people from a CSV, skips photos without a face, and /who names them', async () => {
    writeFileSync(
      path.join(dataDir, 'people.csv'),
      ['name,url,photo', '"Lead, Sample",https://example.com/lead,photos/lead.jpg', '"Lead, Sample",,photos/lead-mirrored.webp', 'Nobody,,photos/wall.png'].join('\n'),
    );
    const result = coffer(['people', 'import', path.join(dataDir, 'people.csv')]);
    expect(result.stderr).toContain('Nobody: not imported (no photo with a face)');
    expect(result.stdout).toContain('imported 2 reference face(s) for 2 person(s)');
    expect(result.status).toBe(0);

    const { fastify: app, composition } = await buildComposedApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
    try {
      const people = await composition.backends.db.selectFrom('notable_people').select('name').execute();
      expect(people.map((p) => p.name)).toEqual(['Lead, Sample']);
      const body = multipart([{ name: 'photo', filename: 'group.jpg', content: await sharp(GROUP_PHOTOS[4]!.bytes()).resize({ width: 1200 }).jpeg({ quality: 60 }).toBuffer() }]);
      const answer = (await app.inject({ method: 'POST', url: '/api/v1/who', payload: body.payload, headers: body.headers })).json();
      expect(answer.faces).toHaveLength(5);
      const named = answer.faces.filter((face: { match: unknown }) => face.match);
      expect(named.map((face: { match: { name: string; url: string } }) => [face.match.name, face.match.url])).toEqual([['Lead, Sample', 'https://example.com/lead']]);
    } finally {
      await app.close();
    }
  }, 180_000);
});
