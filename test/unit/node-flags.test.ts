import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS, withServerFlags } from '../../src/cluster/node-flags.js';

const root = path.join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

describe('the Node flags a server runs with', () => {
  it('are written out wherever Coffer is started outside `coffer cluster`', () => {
    const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const starts = {
      'npm start': packageJson.scripts.start!,
      Dockerfile: /^CMD .*$/m.exec(read('deploy/Dockerfile'))![0],
      'coffer.service': /^ExecStart=.*$/m.exec(read('deploy/coffer.service'))![0],
    };
    for (const [where, command] of Object.entries(starts)) {
      for (const flag of SERVER_NODE_FLAGS) expect(command, where).toContain(flag);
    }
  });

  it('are given to an instance unless its command line already sets them', () => {
    expect(withServerFlags([])).toEqual(SERVER_NODE_FLAGS);
    expect(withServerFlags(['--import', 'tsx'])).toEqual([...SERVER_NODE_FLAGS, '--import', 'tsx']);
    expect(withServerFlags(['--max-semi-space-size=64'])).toEqual(['--max-semi-space-size=64']);
    expect(withServerFlags(['--max_semi_space_size=8'])).toEqual(['--max_semi_space_size=8']);
  });
});
