import { isUniqueViolation, type Executor } from '../../db/connect.js';

/** The stored settings among `names`, each value as it was saved (parsed JSON); absent ones are left out. */
export async function readSettings(db: Executor, names: readonly string[]): Promise<Map<string, unknown>> {
  const rows = await db.selectFrom('instance_settings').select(['name', 'value']).where('name', 'in', names).execute();
  const values = new Map<string, unknown>();
  for (const row of rows) {
    try {
      values.set(row.name, JSON.parse(row.value));
    } catch {
      // Not JSON (written by hand): treated as unset, so the default applies.
    }
  }
  return values;
}

/** Insert or replace one setting (an upsert spelled the same way on every dialect). */
export async function saveSetting(db: Executor, name: string, value: unknown, at: string): Promise<void> {
  const row = { value: JSON.stringify(value), updated_at: at };
  const update = () => db.updateTable('instance_settings').set(row).where('name', '=', name).executeTakeFirst();
  if ((await update()).numUpdatedRows > 0n) return;
  try {
    await db.insertInto('instance_settings').values({ name, ...row }).execute();
  } catch (error) {
    // Another instance inserted it first: the later change wins, as it would have by a moment.
    if (!isUniqueViolation(error)) throw error;
    await update();
  }
}
