import { describe, expect, it } from 'vitest';
import { ListingCache } from '../../src/features/files/listing-cache.js';

const page = (files: number) => ({ items: Array.from({ length: files }, (_, i) => i) });

describe('listing cache', () => {
  it('gives a page back only under the version it was read at', () => {
    const cache = new ListingCache<ReturnType<typeof page>>();
    const first = page(3);
    cache.set('ana first', '7', first);
    expect(cache.get('ana first', '7')).toBe(first);
    expect(cache.get('ana first', '8')).toBeUndefined();
    expect(cache.get('bo first', '7')).toBeUndefined();
    const newer = page(4);
    cache.set('ana first', '8', newer);
    expect(cache.get('ana first', '8')).toBe(newer);
    expect(cache.get('ana first', '7')).toBeUndefined();
  });

  it('holds at most its number of files, a page counting one more, dropping the least recently used', () => {
    const cache = new ListingCache<ReturnType<typeof page>>(10);
    cache.set('a', '1', page(4)); // weight 5
    cache.set('b', '1', page(3)); // weight 4: 9 in all
    cache.get('a', '1'); // b is now the least recently used
    cache.set('c', '1', page(0)); // weight 1: 10
    expect([cache.get('a', '1'), cache.get('b', '1'), cache.get('c', '1')].map(Boolean)).toEqual([true, true, true]);
    cache.set('d', '1', page(1)); // weight 2: a (least recently used after the reads above) goes
    expect([cache.get('a', '1'), cache.get('b', '1'), cache.get('c', '1'), cache.get('d', '1')].map(Boolean)).toEqual([false, true, true, true]);
    cache.set('b', '2', page(3)); // replaced, not added: 4 + 1 + 2
    cache.set('e', '1', page(2)); // weight 3: 10
    expect([cache.get('b', '2'), cache.get('c', '1'), cache.get('d', '1'), cache.get('e', '1')].map(Boolean)).toEqual([true, true, true, true]);
    cache.set('huge', '1', page(10));
    expect(cache.get('huge', '1')).toBeUndefined();
    expect(cache.get('e', '1')).toBeDefined();
  });
});
