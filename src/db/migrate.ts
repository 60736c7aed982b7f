import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as initial from './migrations/0001-initial.js';
import * as instances from './migrations/0002-instances.js';
import * as accessControl from './migrations/0003-access-control.js';
import * as mail from './migrations/0005-mail.js';
import * as jobs from './migrations/0006-jobs.js';
import * as people from './migrations/0007-people.js';
import * as mediaMetadata from './migrations/0008-media-metadata.js';
import * as duplicates from './migrations/0009-duplicates.js';
import * as search from './migrations/0010-search.js';
import * as settings from './migrations/0011-settings.js';
import * as libraryVersions from './migrations/0012-library-versions.js';

/** Migrations live in code (not read from a folder) so the compiled build and tests see the same list. */
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-instances': instances,
  '0003-access-control': accessControl,
  '0005-mail': mail,
  '0006-jobs': jobs,
  '0007-people': people,
  '0008-media-metadata': mediaMetadata,
  '0009-duplicates': duplicates,
  '0010-search': search,
  '0011-settings': settings,
  '0012-library-versions': libraryVersions,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Applies pending migrations. Kysely's migrator holds a lock while it runs (an advisory lock
 * on PostgreSQL, GET_LOCK on MariaDB), so several instances starting at once do not race.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
