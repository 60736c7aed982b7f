#!/usr/bin/env node
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { runCluster } from './cluster/cluster.js';
import { BALANCE_METHODS, type BalanceMethod } from './cluster/nginx-config.js';
import { commandAccounts, commandAudit, commandJobs, commandNotablePeople, openConfiguredBlobStore, openDatabase } from './compose.js';
import type { AccountsService } from './features/accounts/accounts.service.js';
import { parseUserCsv } from './features/accounts/csv-import.js';
import type { BatchedAuditLog } from './features/audit/audit.log.js';
import { AppError } from './errors.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { checkConsistency } from './features/maintenance/fsck.service.js';
import { serve, work } from './server.js';
import type { JobsService } from './features/jobs/jobs.service.js';
import { parsePeopleCsv, peopleFromFolder, readPhotos, type PersonToImport } from './features/people/people-import.js';

// Everything Coffer creates (database and its -wal/-shm, blobs, secrets, the cluster's
// files) is for its own user only: folders 0700, files 0600.
process.umask(0o077);

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
  .command('worker')
  .description('work background jobs (thumbnails, media facts) without serving HTTP; SIGTERM finishes or gives back running jobs')
  .action(async () => {
    await work(configOrExit());
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const { db, applied } = await openDatabase(configOrExit(), { migrate: true });
    try {
      console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    } finally {
      await db.destroy();
    }
  });

const say = (message: string) => console.error(`coffer: ${message}`);

/** The accounts service over the configured database, for the `user` commands. */
async function withAccounts(work: (accounts: AccountsService, audit: BatchedAuditLog) => Promise<void>): Promise<void> {
  const { db } = await openDatabase(configOrExit(), { migrate: true });
  const audit = commandAudit(db, say);
  try {
    await work(commandAccounts(db), audit);
    await audit.flush();
  } finally {
    await db.destroy();
  }
}

/** The job queue over the configured database and engine, only sending (working is for servers and workers). */
async function withJobs(work: (jobs: JobsService, audit: BatchedAuditLog) => Promise<void>): Promise<void> {
  const config = configOrExit();
  const { db } = await openDatabase(config, { migrate: true });
  const audit = commandAudit(db, say);
  const tell = (_details: object, message: string) => say(message);
  try {
    const service = await commandJobs(config, db, { info: () => {}, warn: tell, error: tell });
    try {
      await work(service, audit);
    } finally {
      await service.close();
    }
    await audit.flush();
  } finally {
    await db.destroy();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const user = program.command('user').description('manage accounts');

user
  .command('create')
  .description('create an account (the first administrator, for example)')
  .requiredOption('--username <username>', '3 to 32 of a-z 0-9 _ . -')
  .requiredOption('--email <email>', 'the email address')
  .option('--name <name>', 'the display name (default: the username)')
  .option('--admin', 'make the account an administrator')
  .requiredOption('--password-stdin', 'read the password from standard input (never from the command line)')
  .action(async (options: { username: string; email: string; name?: string; admin?: boolean }) => {
    const password = await readStdin();
    await withAccounts(async (accounts, audit) => {
      const created = await accounts.createUser({ username: options.username, email: options.email, name: options.name ?? options.username, password, isAdmin: Boolean(options.admin) });
      audit.record({ action: 'cli.user_create', outcome: 'success', actorName: 'cli', target: `user:${created.id}`, details: { username: created.username, isAdmin: created.isAdmin } });
      console.log(`created ${created.isAdmin ? 'administrator' : 'user'} ${created.username} (${created.id})`);
    });
  });

user
  .command('import')
  .description('import accounts from a CSV of login,bcrypt-hash,isAdmin lines; bcrypt is re-hashed to argon2id at first sign-in')
  .argument('<file>', 'the CSV file')
  .action(async (file: string) => {
    const { users, errors } = parseUserCsv(await readFile(file, 'utf8'));
    if (errors.length > 0) {
      for (const error of errors) console.error(`coffer: ${file}: ${error}`);
      console.error('coffer: nothing was imported');
      process.exitCode = 1;
      return;
    }
    await withAccounts(async (accounts, audit) => {
      const { created, errors: refused } = await accounts.importUsers(users);
      if (refused.length > 0) {
        for (const error of refused) console.error(`coffer: ${file}: ${error}`);
        console.error('coffer: nothing was imported');
        process.exitCode = 1;
        return;
      }
      audit.record({ action: 'cli.user_import', outcome: 'success', actorName: 'cli', details: { created: created.length } });
      console.log(`imported ${created.length} user(s)`);
    });
  });

program
  .command('people')
  .description('the notable people /who can name')
  .command('import')
  .description('add notable people from a CSV of name,url,photo lines (photo paths relative to the CSV) or from a folder of photos named after the people')
  .argument('<source>', 'the CSV file or the folder')
  .action(async (source: string) => {
    let people: PersonToImport[];
    if ((await stat(source)).isDirectory()) people = await peopleFromFolder(source);
    else {
      const parsed = parsePeopleCsv(await readFile(source, 'utf8'), path.dirname(source));
      if (parsed.errors.length > 0) {
        for (const error of parsed.errors) console.error(`coffer: ${source}: ${error}`);
        console.error('coffer: nothing was imported');
        process.exitCode = 1;
        return;
      }
      people = parsed.people;
    }
    const config = configOrExit();
    const { db } = await openDatabase(config, { migrate: true });
    const audit = commandAudit(db, say);
    const { service, close } = await commandNotablePeople(db, audit);
    try {
      let faces = 0;
      for (const person of people) {
        const result = await service.importPerson({ name: person.name, ...(person.url ? { url: person.url } : {}) }, await readPhotos(person));
        for (const photo of result.skipped) console.error(`coffer: ${person.name}: no face found in ${photo}, skipped`);
        if (!result.person) console.error(`coffer: ${person.name}: not imported (no photo with a face)`);
        faces += result.faces;
      }
      console.log(`imported ${faces} reference face(s) for ${people.length} person(s)`);
    } finally {
      await audit.flush();
      await close();
      await db.destroy();
    }
  });

program
  .command('storage')
  .description('manage the blob store')
  .command('init')
  .description('create the S3 bucket STORAGE_URL names (private, with a rule that clears interrupted uploads); nothing to do for a folder')
  .action(async () => {
    const { storageUrl } = configOrExit();
    if (!storageUrl.startsWith('s3://')) {
      console.log('storage: a local folder needs no initialisation');
      return;
    }
    const { S3BlobStore } = await import('./adapters/storage/s3.js');
    await S3BlobStore.createBucket(storageUrl);
    console.log(`storage: bucket ready (${storageUrl.split('?')[0]})`);
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
    const { db } = await openDatabase(config, { migrate: false });
    const blobs = await openConfiguredBlobStore(config);
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

const jobs = program.command('jobs').description('background jobs (thumbnails, media facts)');

jobs
  .command('status')
  .description('queue depth, running and failed jobs')
  .option('--limit <n>', 'list at most this many running and failed jobs', (value) => Number(value), 50)
  .action(async (options: { limit: number }) => {
    await withJobs(async (service) => {
      const overview = await service.overview(['running', 'failed'], Math.max(1, Math.min(500, options.limit || 50)));
      console.log(`waiting ${overview.waiting}, running ${overview.running}, failed ${overview.failed}`);
      for (const job of overview.items) {
        console.log(`${job.status.padEnd(7)} ${job.id} file ${job.fileId} step ${job.step} attempts ${job.attempts}${job.lastError ? `: ${job.lastError}` : ''}`);
      }
    });
  });

jobs
  .command('retry')
  .description('queue failed jobs again (all, or those given), with a fresh count of attempts')
  .argument('[ids...]', 'job ids (default: every failed job)')
  .action(async (ids: string[]) => {
    await withJobs(async (service, audit) => {
      const retried = await service.retry(ids.length > 0 ? ids : undefined);
      audit.record({ action: 'cli.jobs_retry', outcome: 'success', actorName: 'cli', details: { retried, ...(ids.length > 0 ? { ids } : { all: true }) } });
      console.log(`queued again: ${retried} job(s)`);
    });
  });

program
  .command('cluster')
  .description('run N instances behind nginx on this machine, from a generated nginx configuration; Ctrl-C stops them all')
  .requiredOption('--instances <n>', 'how many Coffer processes', (value) => Number(value))
  .option('--workers <n>', 'how many `coffer worker` processes for background jobs (the instances then work none)', (value) => Number(value), 0)
  .addOption(new Option('--balance <method>', 'how nginx picks an instance').choices(BALANCE_METHODS).default('round-robin'))
  .option('--port <port>', "the balancer's port (on HOST)", (value) => Number(value), 8000)
  .option('--no-accel-redirect', 'stream downloads through Coffer instead of handing local blobs to nginx')
  .option('--nginx <path>', 'the nginx program', '/usr/sbin/nginx')
  .action(async (options: { instances: number; workers: number; balance: BalanceMethod; port: number; accelRedirect: boolean; nginx: string }) => {
    process.exitCode = await runCluster(configOrExit(), options, process.env);
  });

/** An error for a terminal: a refused field is named by its option (`--email: …`), not just "some fields". */
function describeError(error: unknown): string {
  if (error instanceof AppError && error.details && error.details.length > 0) {
    const option = (field: string) => (field === 'password' ? 'the password (standard input)' : `--${field}`);
    return error.details.map((detail) => `${option(detail.field)}: ${detail.message}`).join('\ncoffer: ');
  }
  return error instanceof Error ? error.message : String(error);
}

program.parseAsync().catch((error: unknown) => {
  console.error(`coffer: ${describeError(error)}`);
  process.exit(1);
});
