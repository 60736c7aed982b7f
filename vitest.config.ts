import { defineConfig, type TestProjectInlineConfiguration, type ViteUserConfig } from 'vitest/config';
import { missingServices, PROFILES, type ProfileName } from './test/helpers/backends.js';

/**
 * One project per backend profile. The embedded profile runs everything; the others run the
 * integration and end-to-end suites again on their servers. A profile whose services are
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
        // SQLite file, and the proxy-secret check does not depend on the backends.
        exclude: [
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
    projects: [{ extends: true, test: { name: 'embedded', include: ['test/**/*.test.ts'] } }, ...(await profileProjects())],
  },
}));
