import { DISTINCT_RATIO, faceDistance, isDistinct, MATCH_DISTANCE } from '../../adapters/faces/face-engine.js';

/**
 * Thresholds for a user's own library, on euclidean distance (see bench/results/faces.md).
 * Up to ATTACH_DISTANCE a face is given the person outright (the accuracy table's chosen
 * point, as for `/who`) if that person is clearly nearer than any other (DISTINCT_RATIO);
 * otherwise, up to SUGGEST_DISTANCE, the person is only suggested, for the user to confirm
 * or reject (in the table 9.8 % of strangers come within it, 1.6 % with the runner-up test).
 */
export const ATTACH_DISTANCE = MATCH_DISTANCE;
export const SUGGEST_DISTANCE = 0.5;
/** Unnamed faces this close are grouped, so that one name covers the group. */
export const CLUSTER_DISTANCE = MATCH_DISTANCE;

/** One face of a user's library, as the index holds it. */
export interface IndexedFace {
  id: string;
  fileId: string;
  personId: string | null;
  assignedBy: 'user' | 'match' | null;
  clusterId: string | null;
  descriptor: Float32Array;
}

export interface Candidate {
  face: IndexedFace;
  distance: number;
}

/**
 * Every face within `maxDistance` of `descriptor` that `accept` keeps, nearest first. The
 * scan of a whole library is the hot loop: squared distances on the float32 arrays, each
 * given up as soon as it passes the limit (most faces are strangers and pass it early).
 */
export function nearest(faces: Iterable<IndexedFace>, descriptor: Float32Array, maxDistance: number, accept: (face: IndexedFace) => boolean = () => true): Candidate[] {
  const found: Candidate[] = [];
  const limit = maxDistance * maxDistance;
  for (const face of faces) {
    if (!accept(face)) continue;
    const squared = squaredDistanceWithin(descriptor, face.descriptor, limit);
    if (squared <= limit) found.push({ face, distance: Math.sqrt(squared) });
  }
  return found.sort((a, b) => a.distance - b.distance);
}

/** The squared euclidean distance, or any value above `limit` once it is certain to pass it. */
function squaredDistanceWithin(a: Float32Array, b: Float32Array, limit: number): number {
  if (a.length !== b.length) return faceDistance(a, b) ** 2; // throws: descriptors of different models
  let sum = 0;
  for (let i = 0; i < a.length; i += 8) {
    for (let j = i; j < i + 8 && j < a.length; j++) {
      const d = a[j]! - b[j]!;
      sum += d * d;
    }
    if (sum > limit) return sum;
  }
  return sum;
}

/** The person a new face of one photo is closest to. */
export interface PersonMatch {
  personId: string;
  distance: number;
  /** Clearly nearer than any other named person (see isDistinct): only then may it be attached. */
  distinct: boolean;
}

/**
 * For the faces of one photo, the nearest person among the user's named faces (within
 * SUGGEST_DISTANCE), with whether the next person is clearly farther. A person goes to one
 * face at most: when two faces have the same nearest person, the closer face gets it.
 */
export function matchPeople(newFaces: readonly Float32Array[], named: readonly IndexedFace[]): (PersonMatch | null)[] {
  const pairs: { face: number; match: PersonMatch }[] = [];
  newFaces.forEach((descriptor, index) => {
    // Far enough to see a runner-up that would make a match within SUGGEST_DISTANCE ambiguous.
    const people = nearestPeople(nearest(named, descriptor, SUGGEST_DISTANCE / DISTINCT_RATIO));
    const [first, second] = people;
    if (!first || first.distance > SUGGEST_DISTANCE) return;
    pairs.push({ face: index, match: { ...first, distinct: isDistinct(first.distance, second?.distance) } });
  });
  pairs.sort((a, b) => a.match.distance - b.match.distance);
  const result: (PersonMatch | null)[] = newFaces.map(() => null);
  const taken = new Set<string>();
  for (const { face, match } of pairs) {
    if (taken.has(match.personId)) continue;
    result[face] = match;
    taken.add(match.personId);
  }
  return result;
}

/** Candidates (nearest first) reduced to one entry per person, at its nearest face. */
export function nearestPeople(candidates: readonly Candidate[]): { personId: string; distance: number }[] {
  const seen = new Set<string>();
  const people: { personId: string; distance: number }[] = [];
  for (const { face, distance } of candidates) {
    if (!face.personId || seen.has(face.personId)) continue;
    seen.add(face.personId);
    people.push({ personId: face.personId, distance });
  }
  return people;
}
