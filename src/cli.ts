#!/usr/bin/env node
import { Command, Option } from 'commander';
import { runCluster } from './cluster/cluster.js';
import { BALANCE_METHODS, type BalanceMethod } from './cluster/nginx-config.js';
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

program
  .command('cluster')
  .description('run N instances behind nginx on this machine, from a generated nginx configuration; Ctrl-C stops them all')
  .requiredOption('--instances <n>', 'how many Coffer processes', (value) => Number(value))
  .addOption(new Option('--balance <method>', 'how nginx picks an instance').choices(BALANCE_METHODS).default('round-robin'))
  .option('--port <port>', "the balancer's port (on HOST)", (value) => Number(value), 8000)
  .option('--no-accel-redirect', 'stream downloads through Coffer instead of handing local blobs to nginx')
  .option('--nginx <path>', 'the nginx program', '/usr/sbin/nginx')
  .action(async (options: { instances: number; balance: BalanceMethod; port: number; accelRedirect: boolean; nginx: string }) => {
    process.exitCode = await runCluster(configOrExit(), options);
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`coffer: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
