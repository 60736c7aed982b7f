import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../helpers/app.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('forgot-password timing', () => {
  let t: TestApp;
  const known: string[] = [];
  beforeAll(async () => {
    t = await createTestApp();
    for (let i = 0; i < 8; i += 1) known.push(`${(await signUp(t.app, `ftiming${i}`)).username}@example.com`);
  });
  afterAll(() => t.close());

  it('answers a known and an unknown address in the same time, with the same body', async () => {
    const forKnown: number[] = [];
    const forUnknown: number[] = [];
    const bodies = new Set<string>();
    const attempt = async (email: string, samples: number[], ip: string) => {
      const started = process.hrtime.bigint();
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email }, remoteAddress: ip });
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      expect(response.statusCode).toBe(202);
      bodies.add(response.body);
      // The lookup and mail run after the answer; let them finish outside the measurement,
      // so one request's background work does not land in the next one's time.
      await new Promise((resolve) => setTimeout(resolve, 40));
    };
    // Interleaved, with distinct addresses and clients so the limits stay out of the way, and
    // alternating which goes first: on a loaded machine one request's background work can
    // still spill into the next, and then it spills into both kinds alike.
    for (let i = 0; i < 24; i += 1) {
      // Each known address is asked 3 times: exactly its hourly limit.
      const knownAttempt = () => attempt(known[i % known.length]!, forKnown, `10.8.${i}.1`);
      const unknownAttempt = () => attempt(`ghost${i}@example.com`, forUnknown, `10.8.${i}.2`);
      for (const next of i % 2 === 0 ? [knownAttempt, unknownAttempt] : [unknownAttempt, knownAttempt]) await next();
    }
    const ratio = median(forUnknown) / median(forKnown);
    console.log(`forgot median: known ${median(forKnown).toFixed(2)} ms, unknown ${median(forUnknown).toFixed(2)} ms (ratio ${ratio.toFixed(2)})`);
    expect(bodies.size).toBe(1);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.67);
  });
});
