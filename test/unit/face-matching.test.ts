import { describe, expect, it } from 'vitest';
import { DISTINCT_RATIO, isDistinct, matchFaces, MATCH_DISTANCE } from '../../src/adapters/faces/face-engine.js';
import { matchPeople, SUGGEST_DISTANCE, type IndexedFace } from '../../src/features/faces/matching.js';

// The decision rule on made-up descriptors whose distances are known exactly: a point on the
// first axis at x, so two of them are |x − y| apart (the rule sees only distances).
const at = (x: number, y = 0) => {
  const descriptor = new Float32Array(128);
  descriptor[0] = x;
  descriptor[1] = y;
  return descriptor;
};
const reference = (owner: string, x: number, y = 0) => ({ owner, descriptor: at(x, y) });
const named = (personId: string, x: number): IndexedFace => ({ id: `${personId}@${x}`, fileId: `file-${personId}-${x}`, personId, assignedBy: 'user', clusterId: null, descriptor: at(x) });

describe('isDistinct (the runner-up test)', () => {
  it('holds when the nearest is at most DISTINCT_RATIO of the runner-up, or there is no runner-up', () => {
    expect(DISTINCT_RATIO).toBe(0.85);
    expect(isDistinct(0.3, undefined)).toBe(true);
    expect(isDistinct(0.33, 0.4)).toBe(true); // 0.825 of it
    expect(isDistinct(0.35, 0.4)).toBe(false); // 0.875 of it
    expect(isDistinct(0.35, 0.4, 1)).toBe(true); // ratio 1: off
  });
});

describe('matchFaces (/who and the notable gallery)', () => {
  it('gives the nearest person within MATCH_DISTANCE, and no one beyond it', () => {
    expect(MATCH_DISTANCE).toBe(0.4);
    const gallery = [reference('ana', 0), reference('bea', 2)];
    expect(matchFaces([at(0.39)], gallery)).toEqual([{ candidate: 'ana', distance: expect.closeTo(0.39, 5) }]);
    expect(matchFaces([at(0.41)], gallery)).toEqual([null]);
    expect(matchFaces([at(0.45)], gallery, { maxDistance: 0.5 })[0]?.candidate).toBe('ana');
  });

  it('measures a person by their nearest reference face, not the mean of them', () => {
    // Ana's references at 0 and 3: their mean (1.5) is far from the face at 0.2, her first one is not.
    const gallery = [reference('ana', 0), reference('ana', 3), reference('bea', -3)];
    expect(matchFaces([at(0.2)], gallery)[0]).toEqual({ candidate: 'ana', distance: expect.closeTo(0.2, 5) });
  });

  it('names no one when the runner-up is almost as near (a stranger between two people)', () => {
    // Ana at 0, Bea at 0.7: a face at 0.33 is 0.33 from Ana and 0.37 from Bea.
    const gallery = [reference('ana', 0), reference('bea', 0.7)];
    expect(matchFaces([at(0.33)], gallery)).toEqual([null]);
    // The same face with the test off: Ana.
    expect(matchFaces([at(0.33)], gallery, { ratio: 1 })[0]?.candidate).toBe('ana');
    // Clearly nearer Ana (0.2 against 0.5): Ana.
    expect(matchFaces([at(0.2)], gallery)[0]?.candidate).toBe('ana');
  });

  it('counts a runner-up that is itself beyond MATCH_DISTANCE', () => {
    // 0.38 from Ana, 0.42 from Bea (too far to be given, near enough to make Ana doubtful).
    const gallery = [reference('ana', 0), reference('bea', 0.8)];
    expect(matchFaces([at(0.38)], gallery)).toEqual([null]);
  });

  it('gives a person to one face of a photo: the closer face, and the other gets no one rather than its second choice', () => {
    const gallery = [reference('ana', 0), reference('bea', 0, 1)];
    // Both faces are nearest Ana; the second is 0.32 from Ana and 0.95 from Bea.
    const [first, second] = matchFaces([at(0.1), at(-0.3, 0.1)], gallery);
    expect(first).toEqual({ candidate: 'ana', distance: expect.closeTo(0.1, 5) });
    expect(second).toBeNull();
    // Two faces, two people: each their own.
    expect(matchFaces([at(0, 0.95), at(0.05)], gallery).map((match) => match?.candidate)).toEqual(['bea', 'ana']);
  });

  it('with an empty gallery names no one', () => {
    expect(matchFaces([at(0)], [])).toEqual([null]);
  });
});

describe('matchPeople (a user\'s library)', () => {
  it('marks a match distinct only when no other named person is nearly as near, even one beyond SUGGEST_DISTANCE', () => {
    expect(SUGGEST_DISTANCE).toBe(0.5);
    const people = [named('ana', 0), named('ana', 0.05), named('bea', 1)];
    expect(matchPeople([at(0.3)], people)).toEqual([{ personId: 'ana', distance: expect.closeTo(0.25, 5), distinct: true }]);
    // 0.45 from Ana, 0.52 from Bea: Bea is past SUGGEST_DISTANCE but within 0.45 / 0.85.
    expect(matchPeople([at(0.5)], [named('ana', 0.05), named('bea', 1.02)])).toEqual([{ personId: 'ana', distance: expect.closeTo(0.45, 5), distinct: false }]);
    expect(matchPeople([at(-0.6)], people)).toEqual([null]); // 0.6 from Ana: too far even to suggest
  });

  it('gives a person to one face of a photo, the closer one', () => {
    const people = [named('ana', 0), named('bea', 5)];
    expect(matchPeople([at(0.3), at(-0.1)], people)).toEqual([null, { personId: 'ana', distance: expect.closeTo(0.1, 5), distinct: true }]);
  });
});
