#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.js';
import { connectDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
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
    const db = connectDatabase(configOrExit().databaseUrl);
    try {
      const applied = await migrateToLatest(db);
      console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    } finally {
      await db.destroy();
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`coffer: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
