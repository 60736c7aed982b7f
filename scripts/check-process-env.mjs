#!/usr/bin/env node
// Settings come from the environment in one place: config.ts reads them, the entry points
// (cli.ts, server.ts) may pass the environment on. Nothing below the composition root reads
// process.env, so a module's behaviour depends only on what it was given. Part of `npm run lint:deps`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', 'src');
const ALLOWED = new Set(['config.ts', 'cli.ts', 'server.ts']);

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (entry.name.endsWith('.ts')) yield full;
  }
}

const offenders = [];
for (const file of sources(ROOT)) {
  const relative = path.relative(ROOT, file).split(path.sep).join('/');
  if (ALLOWED.has(relative)) continue;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (/\bprocess\.env\b/.test(line) && !/^\s*(\/\/|\*)/.test(line)) offenders.push(`src/${relative}:${index + 1}: ${line.trim()}`);
    });
}
if (offenders.length > 0) {
  console.error(`process.env is read below the composition root (only ${[...ALLOWED].map((f) => `src/${f}`).join(', ')} may):\n${offenders.join('\n')}`);
  process.exit(1);
}
console.log('process.env: read only by the configuration and the entry points');
