import { defineConfig, type TestProjectInlineConfiguration, type ViteUserConfig } from 'vitest/config';
import { missingServices, PROFILES, type ProfileName } from './test/helpers/backends.js';

/**
 * Suites that take minutes (a 1 GiB round trip, `coffer cluster` with nginx, Chromium,
 * services stopped mid-run, and the slowest integration files): their own project,
 * `embedded-slow`, which CI runs and a developer's `npm test` does not (README, Tests).
 */
export const SLOW_SUITES = [
  'test/e2e/large-file.test.ts',
  'test/cluster/**/*.test.ts',
  'test/browser/**/*.test.ts',
  'test/faults/**/*.test.ts',
  // Over ~20 s each on two cores (vitest's JSON reporter): real processes started one after
  // another, attempt windows, and the image-bomb watch.
  'test/e2e/startup.test.ts',
  'test/e2e/user-cli.test.ts',
  'test/e2e/instances.test.ts',
  'test/e2e/resume-download.test.ts',
  'test/security/attempt-limits.test.ts',
  'test/security/image-bombs.test.ts',
  // The face model (~0.5 GB) loaded per suite, and live events across started processes.
  'test/faces/**/*.test.ts',
  'test/integration/library-faces.test.ts',
  'test/integration/who.test.ts',
  'test/integration/who-switch.test.ts',
  'test/e2e/people-cli.test.ts',
  'test/integration/events-instances.test.ts',
];

/**
 * Everything — the slow project and every backend profile — with CI=true (.ci/run sets it),
 * or when projects are named on the command line (`--project …`) so any can be chosen.
 */
const EVERYTHING = ['true', '1'].includes(process.env.CI ?? '') || process.argv.some((arg) => arg === '--project' || arg.startsWith('--project='));

/**
 * One project per backend profile. The embedded profile runs everything (in two projects,
 * `embedded` and `embedded-slow`); the others run the integration and end-to-end suites
 * again on their servers. A profile whose services are
 * not running is left out with a message — or, with REQUIRE_SERVICES=1 (CI), fails the run.
 */
async function profileProjects(): Promise<TestProjectInlineConfiguration[]> {
  const projects: TestProjectInlineConfiguration[] = [];
  for (const name of Object.keys(PROFILES) as ProfileName[]) {
    if (name === 'embedded') continue;
    const missing = await missingServices(name);
    if (missing && process.env.REQUIRE_SERVICES === '1') throw new Error(`REQUIRE_SERVICES=1 but profile ${name} cannot run: ${missing}`);
    if (missing) {
      console.warn(`skipping the ${name} profile: ${missing}`);
      continue;
    }
    projects.push({
      extends: true,
      test: {
        name,
        include: ['test/integration/**/*.test.ts', 'test/security/**/*.test.ts', 'test/e2e/http.test.ts', 'test/e2e/instances.test.ts'],
        // The contract suite covers both stores itself; X-Accel offload exists only for a folder;
        // file modes and leftover temporary files are properties of the embedded folder and
        // SQLite file, as is its write lock; the proxy-secret check does not depend on the backends.
        exclude: [
          'test/integration/sqlite-lock.test.ts',
          'test/integration/blob-store.test.ts',
          'test/integration/accel-redirect.test.ts',
          'test/security/private-data.test.ts',
          'test/security/slow-bodies.test.ts',
          'test/security/forwarded-headers.test.ts',
        ],
        env: { COFFER_TEST_PROFILE: name },
      },
    });
  }
  return projects;
}

export default defineConfig(async (): Promise<ViteUserConfig> => ({
  test: {
    // Integration tests start real servers and hash real files; the machine has 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'embedded', include: ['test/**/*.test.ts'], exclude: SLOW_SUITES } },
      ...(EVERYTHING ? [{ extends: true as const, test: { name: 'embedded-slow', include: SLOW_SUITES } }, ...(await profileProjects())] : []),
    ],
  },
}));
