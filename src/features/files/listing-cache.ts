/** Files held in all cached pages together (about 1 KiB each, with their JSON); a page counts one more. */
const MAX_CACHED_FILES = 10_000;
/** Keys asked once and not kept (a few dozen bytes each). */
const MAX_SEEN_KEYS = 10_000;

/**
 * Listing pages kept in memory under the owner's library version (migration 0012), which
 * the database changes with every write to the owner's files or faces. A page is used only
 * while the version it was read under is still the current one, so it is never stale, on
 * any instance. Most listings repeat (the first page of a library, refetched after every
 * visit and mutation): a hit costs one primary-key read instead of the page's query, and
 * the same page object back, which lets the route keep its JSON too (files.routes.ts).
 *
 * The version must be read before the page: a change committed between the two reads is
 * then in the page under the older version, which no later request asks for.
 *
 * A page is kept from its second asking, or at once when its key already has a page (the
 * same listing after a change). Pages asked once only (a search typed once, a filter of the
 * moment) are not kept: holding each of them until it was evicted made a listing that missed
 * the cache 13 % slower than with no cache at all, 5 % with this rule (bench/request-path.ts,
 * same runs; the cost is the garbage collector moving the pages it holds).
 */
export class ListingCache<Page extends { items: readonly unknown[] }> {
  private readonly pages = new Map<string, { version: string; page: Page }>();
  private readonly seen = new Set<string>();
  private files = 0;

  constructor(
    private readonly maxFiles = MAX_CACHED_FILES,
    private readonly maxSeen = MAX_SEEN_KEYS,
  ) {}

  get(key: string, version: string): Page | undefined {
    const entry = this.pages.get(key);
    if (entry?.version !== version) return undefined;
    // Least recently used first: a hit moves to the end.
    this.pages.delete(key);
    this.pages.set(key, entry);
    return entry.page;
  }

  /** A page just read: kept if its key was asked before (see above). */
  offer(key: string, version: string, page: Page): void {
    if (this.pages.has(key) || this.seen.delete(key)) this.set(key, version, page);
    else this.remember(key);
  }

  private remember(key: string): void {
    if (this.seen.size >= this.maxSeen) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(key);
  }

  private set(key: string, version: string, page: Page): void {
    this.remove(key);
    const weight = weightOf(page);
    if (weight > this.maxFiles) return;
    while (this.files + weight > this.maxFiles) this.remove(this.pages.keys().next().value!);
    this.pages.set(key, { version, page });
    this.files += weight;
  }

  private remove(key: string): void {
    const entry = this.pages.get(key);
    if (!entry) return;
    this.pages.delete(key);
    this.files -= weightOf(entry.page);
  }
}

/** Empty pages (searches that match nothing) count too, so their number is bounded as well. */
const weightOf = (page: { items: readonly unknown[] }) => page.items.length + 1;
