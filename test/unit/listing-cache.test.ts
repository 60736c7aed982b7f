import { describe, expect, it } from 'vitest';
import { ListingCache } from '../../src/features/files/listing-cache.js';

const page = (files: number) => ({ items: Array.from({ length: files }, (_, i) => i) });
type Page = ReturnType<typeof page>;

/** A page asked for twice: the second asking keeps it. */
function keep(cache: ListingCache<Page>, key: string, version: string, value: Page): void {
  cache.offer(key, version, value);
  cache.offer(key, version, value);
}

describe('listing cache', () => {
  it('gives a page back only under the version it was read at', () => {
    const cache = new ListingCache<Page>();
    const first = page(3);
    keep(cache, 'ana first', '7', first);
    expect(cache.get('ana first', '7')).toBe(first);
    expect(cache.get('ana first', '8')).toBeUndefined();
    expect(cache.get('bo first', '7')).toBeUndefined();
    const newer = page(4);
    cache.offer('ana first', '8', newer); // its key has a page: kept at once
    expect(cache.get('ana first', '8')).toBe(newer);
    expect(cache.get('ana first', '7')).toBeUndefined();
  });

  it('keeps a page from its second asking, remembering a bounded number of keys asked once', () => {
    const cache = new ListingCache<Page>(100, 2);
    cache.offer('a', '1', page(1));
    expect(cache.get('a', '1')).toBeUndefined();
    cache.offer('a', '1', page(1));
    expect(cache.get('a', '1')).toBeDefined();
    cache.offer('b', '1', page(1));
    cache.offer('c', '1', page(1));
    cache.offer('d', '1', page(1)); // b, asked first, is forgotten
    cache.offer('b', '1', page(1));
    cache.offer('d', '1', page(1));
    expect(cache.get('b', '1')).toBeUndefined();
    expect(cache.get('d', '1')).toBeDefined();
  });

  it('holds at most its number of files, a page counting one more, dropping the least recently used', () => {
    const cache = new ListingCache<Page>(10);
    keep(cache, 'a', '1', page(4)); // weight 5
    keep(cache, 'b', '1', page(3)); // weight 4: 9 in all
    cache.get('a', '1'); // b is now the least recently used
    keep(cache, 'c', '1', page(0)); // weight 1: 10
    expect([cache.get('a', '1'), cache.get('b', '1'), cache.get('c', '1')].map(Boolean)).toEqual([true, true, true]);
    keep(cache, 'd', '1', page(1)); // weight 2: a (least recently used after the reads above) goes
    expect([cache.get('a', '1'), cache.get('b', '1'), cache.get('c', '1'), cache.get('d', '1')].map(Boolean)).toEqual([false, true, true, true]);
    cache.offer('b', '2', page(3)); // replaced, not added: 4 + 1 + 2
    keep(cache, 'e', '1', page(2)); // weight 3: 10
    expect([cache.get('b', '2'), cache.get('c', '1'), cache.get('d', '1'), cache.get('e', '1')].map(Boolean)).toEqual([true, true, true, true]);
    keep(cache, 'huge', '1', page(10));
    expect(cache.get('huge', '1')).toBeUndefined();
    expect(cache.get('e', '1')).toBeDefined();
  });
});
