import type { CompiledQuery, Compilable, DialectAdapter } from 'kysely';
import type { Executor } from './connect.js';

/**
 * A query of the request path, built and compiled once per database and then run with new
 * values. Building a Kysely query costs about as much CPU as SQLite takes to run it (the
 * access check's was ~5 % of a Range request), and the hot path runs a few fixed shapes.
 *
 * `build` must not branch on its arguments: it is called once, with placeholders (strings,
 * whatever the argument's type), and the SQL it yields is kept. Each placeholder must reach
 * the query's parameters unchanged; the values of a run may be of any type the driver binds.
 */
export function prepared<A extends Record<string, unknown>, R>(build: (db: Executor, args: A) => Compilable<R>): (db: Executor, args: A) => Promise<R[]> {
  // By adapter: a database and its transactions share it, and the SQL is the dialect's.
  const compiled = new WeakMap<DialectAdapter, { sql: CompiledQuery<R>; slots: Array<keyof A | { value: unknown }> }>();
  return async (db, args) => {
    const adapter = db.getExecutor().adapter;
    let entry = compiled.get(adapter);
    if (!entry) {
      entry = compile(db, build, Object.keys(args));
      compiled.set(adapter, entry);
    }
    const parameters = entry.slots.map((slot) => (typeof slot === 'object' ? slot.value : args[slot]));
    const result = await db.executeQuery<R>({ ...entry.sql, parameters });
    return result.rows;
  };
}

function compile<A extends Record<string, unknown>, R>(db: Executor, build: (db: Executor, args: A) => Compilable<R>, keys: string[]) {
  const placeholder = (key: string) => `\u0000prepared:${key}`;
  const sql = build(db, Object.fromEntries(keys.map((key) => [key, placeholder(key)])) as A).compile();
  const byPlaceholder = new Map(keys.map((key) => [placeholder(key), key]));
  const slots = sql.parameters.map((value) => byPlaceholder.get(value as string) ?? { value });
  for (const key of keys) {
    if (!slots.includes(key)) throw new Error(`prepared query: the argument ${key} is not among the parameters`);
  }
  return { sql, slots };
}
