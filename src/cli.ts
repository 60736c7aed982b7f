#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.js';
import { connectDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { openBlobStore } from './adapters/storage/open.js';
import { checkConsistency } from './features/maintenance/fsck.service.js';
import { serve } from './server.js';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`coffer: configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

const program = new Command()
  .name('coffer')
  .description('Coffer, a self-hosted multimedia vault. Settings come from the environment (see the README).')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the web server (migrates the database first)')
  .action(async () => {
    await serve(configOrExit());
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const config = configOrExit();
    const db = connectDatabase(config.databaseUrl, { poolSize: 2 });
    try {
      const applied = await migrateToLatest(db);
      console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    } finally {
      await db.destroy();
    }
  });

program
  .command('fsck')
  .description('compare the blob store with the database: report orphan and missing blobs')
  .option('--repair', 'delete orphan blobs (rows are never touched)')
  .option('--min-age <minutes>', 'leave orphans younger than this alone (uploads in flight)', '60')
  .action(async (options: { repair?: boolean; minAge: string }) => {
    const minutes = Number(options.minAge);
    if (!Number.isFinite(minutes) || minutes < 0) program.error('--min-age must be a number of minutes, for example --min-age 60');
    const config = configOrExit();
    const db = connectDatabase(config.databaseUrl, { poolSize: 2 });
    const blobs = await openBlobStore(config.storageUrl);
    try {
      const report = await checkConsistency(db, blobs, { repair: Boolean(options.repair), minAgeMs: minutes * 60_000 });
      for (const key of report.orphans) console.log(`orphan blob: ${key}${options.repair ? ' (removed)' : ''}`);
      for (const key of report.recentOrphans) console.log(`recent blob without a file (an upload in flight?), left alone: ${key}`);
      for (const { fileId, key } of report.missing) console.log(`missing blob for file ${fileId}: ${key}`);
      console.log(`fsck: ${report.orphans.length} orphan(s), ${report.missing.length} missing, ${report.removed} removed`);
      const unresolved = report.missing.length + report.orphans.length - report.removed;
      process.exitCode = unresolved > 0 ? 1 : 0;
    } finally {
      await blobs.close();
      await db.destroy();
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`coffer: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
