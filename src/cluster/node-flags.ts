/**
 * The Node.js flags a Coffer server or worker runs with. `npm start`, deploy/Dockerfile and
 * deploy/coffer.service write them out (a test keeps them in step); `coffer cluster` gives
 * them to every instance it starts.
 *
 * A request allocates short-lived objects (headers, rows, JSON) faster than V8's default
 * 16 MiB semi-space lets them die young. Under sustained load a process can fall into a
 * state where they are promoted and the old space fills again every ~0.1 s: 28–36 full
 * collections per 10,000 Range requests and Range at 0.37–0.45× bare Node, until restart
 * (bench/request-path.ts). A 32 MiB semi-space still fell into it; with 64 MiB (a young
 * generation of up to 3 × 64 MiB, grown only under load) no run did: 0–2 per 10,000, 0.65–0.72×.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** `execArgv` with every server flag it does not already set (by name) added. */
export function withServerFlags(execArgv: readonly string[]): string[] {
  const named = (flag: string) => flag.split('=')[0]!.replaceAll('_', '-');
  const given = new Set(execArgv.map(named));
  return [...SERVER_NODE_FLAGS.filter((flag) => !given.has(named(flag))), ...execArgv];
}
