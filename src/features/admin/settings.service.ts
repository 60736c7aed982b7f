import type { Db } from '../../db/connect.js';
import type { Caller } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import { Conflict } from '../../errors.js';
import type { AuditLog } from '../audit/audit.log.js';
import * as settings from './settings.repository.js';

/** The settings administrators change at run time. A new one is a name and a default here (and in the route schema). */
export interface InstanceSettings {
  /** The public "who is this?" finder (POST /who) answers guests. */
  whoEnabled: boolean;
}

const DEFAULTS: InstanceSettings = { whoEnabled: true };
const NAMES = Object.keys(DEFAULTS) as (keyof InstanceSettings)[];

/** What administrators see: the settings in effect and what the environment fixes. */
export interface SettingsView extends InstanceSettings {
  /** WHO_ENABLED=0: the finder is off whatever the switch says. */
  whoLockedByEnvironment: boolean;
}

export interface EnvironmentLocks {
  /** WHO_ENABLED; false is a hard off. */
  whoEnabled: boolean;
}

/**
 * Instance-wide settings, kept in the database so every instance on it follows one switch.
 * Read on use, not cached: a change holds on every instance from the next request.
 */
export class SettingsService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly environment: EnvironmentLocks,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async view(): Promise<SettingsView> {
    const stored = await this.read(NAMES);
    return { whoEnabled: this.environment.whoEnabled && stored.whoEnabled, whoLockedByEnvironment: !this.environment.whoEnabled };
  }

  /** Whether /who answers now: one primary-key read, none when the environment turned it off. */
  async whoEnabled(): Promise<boolean> {
    if (!this.environment.whoEnabled) return false;
    return (await this.read(['whoEnabled'])).whoEnabled;
  }

  async update(caller: Caller, changes: Partial<InstanceSettings>, origin: Origin): Promise<SettingsView> {
    if (changes.whoEnabled === true && !this.environment.whoEnabled) {
      throw new Conflict('The "who is this?" finder is turned off by the server\'s environment (WHO_ENABLED=0), which this switch cannot override. Remove WHO_ENABLED or set it to 1 and restart Coffer first.', [
        { field: 'whoEnabled', message: 'Locked off by WHO_ENABLED=0.', reason: 'locked_by_environment' },
      ]);
    }
    const at = this.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      for (const [name, value] of Object.entries(changes)) await settings.saveSetting(trx, name, value, at);
    });
    this.audit.record({ action: 'admin.settings_update', outcome: 'success', actor: caller.user, target: 'settings', details: { ...changes }, ...origin });
    return this.view();
  }

  /** The named settings, each its stored value when it has the default's type, else the default. */
  private async read(names: readonly (keyof InstanceSettings)[]): Promise<InstanceSettings> {
    const stored = await settings.readSettings(this.db, names);
    const values = { ...DEFAULTS };
    for (const name of names) {
      const value = stored.get(name);
      if (typeof value === typeof DEFAULTS[name]) values[name] = value as InstanceSettings[typeof name];
    }
    return values;
  }
}
