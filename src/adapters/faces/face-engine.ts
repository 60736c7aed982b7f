/**
 * The face model behind a small port: find the faces in a photo and describe each one with a
 * vector; two faces of one person have descriptors close together. The library's faces
 * (a job per stored image) and `/who` (one photo, nothing kept) both go through it.
 */

/** A rectangle in fractions (0–1) of the displayed, orientation-corrected image. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FacePoint {
  x: number;
  y: number;
}

export interface DetectedFace {
  box: FaceBox;
  /** The detector's confidence, 0–1. */
  score: number;
  /** 68 points (jaw, brows, nose, eyes, mouth), in fractions of the image like the box. */
  landmarks: FacePoint[];
  /** 128 numbers; compare two with {@link faceDistance}. */
  descriptor: Float32Array;
}

/** Decoded pixels: 3 bytes (R, G, B) per pixel, row after row, already oriented. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface FaceEngine {
  /**
   * The faces in encoded image bytes (JPEG, PNG, WebP, GIF, AVIF, TIFF) or in decoded RGB.
   * Bytes that are not a readable still image reject with {@link FaceImageError}.
   */
  detect(image: Buffer | RgbImage): Promise<DetectedFace[]>;
  /**
   * Starts loading the model (and whatever decodes photos) now, without waiting, when a photo
   * is on its way: it then finds them ready or starting. Unused, the model is released again
   * like after any photo.
   */
  warmUp(): void;
  /** Frees the model (stops its worker). detect() after close() starts it again. */
  close(): Promise<void>;
}

export type FaceImageProblem = 'empty' | 'not_image' | 'too_large' | 'corrupt';

/** The photo itself is unusable: a 4xx for whoever sent it, never a crash. */
export class FaceImageError extends Error {
  constructor(
    readonly problem: FaceImageProblem,
    message: string,
  ) {
    super(message);
    this.name = 'FaceImageError';
  }
}

/** The engine could not answer (model failed, worker died twice, time limit): a 503. */
export class FaceEngineUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaceEngineUnavailable';
  }
}

/**
 * Euclidean distance between two descriptors: the measure face-api's recognition net was
 * trained for (0 = the same picture; two photos of one person are typically below 0.5).
 */
export function faceDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`descriptors differ in length (${a.length} and ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/**
 * The distance below which two faces are taken for one person, chosen from the accuracy
 * table in bench/results/faces.md: there no stranger came within 0.42 of anyone, and
 * above 0.45 strangers start to be named (10 % at 0.5).
 */
export const MATCH_DISTANCE = 0.4;

/**
 * The nearest person is given only if clearly nearer than the next person: its distance at
 * most this fraction of the runner-up's. A stranger tends to sit about as far from several
 * people (ratio 0.79–1 in the table's set), a known face much nearer its own person
 * (0.44 typically, 0.85 at worst).
 */
export const DISTINCT_RATIO = 0.85;

/** Whether a nearest distance stands clear of the runner-up's (none: nothing to confuse it with). */
export function isDistinct(distance: number, runnerUp: number | undefined, ratio = DISTINCT_RATIO): boolean {
  return runnerUp === undefined || distance <= runnerUp * ratio;
}

/** A score for people, 0–1, higher is more alike: 1 − distance, rounded to two places. */
export function faceSimilarity(distance: number): number {
  return Math.round(Math.max(0, Math.min(1, 1 - distance)) * 100) / 100;
}

export interface FaceMatch<T> {
  candidate: T;
  distance: number;
}

export interface MatchRule {
  /** Farthest a match may be (default MATCH_DISTANCE). */
  maxDistance?: number;
  /** See DISTINCT_RATIO; 1 turns the runner-up test off. */
  ratio?: number;
}

/**
 * For each face, its nearest candidate (the owner of the nearest reference face), given if
 * within `maxDistance` and clearly nearer than the next owner (see {@link isDistinct}).
 * A person appears once in a picture: when two faces have the same nearest owner, the
 * closer face gets it and the other none.
 */
export function matchFaces<T>(
  faces: readonly ArrayLike<number>[],
  candidates: readonly { descriptor: ArrayLike<number>; owner: T }[],
  { maxDistance = MATCH_DISTANCE, ratio = DISTINCT_RATIO }: MatchRule = {},
): (FaceMatch<T> | null)[] {
  const best = new Map<T, number>(); // per owner, over its reference faces
  const pairs: { face: number; owner: T; distance: number }[] = [];
  faces.forEach((face, index) => {
    best.clear();
    for (const { descriptor, owner } of candidates) {
      const distance = faceDistance(face, descriptor);
      if (distance < (best.get(owner) ?? Infinity)) best.set(owner, distance);
    }
    const [first, second] = [...best].sort((a, b) => a[1] - b[1]);
    if (first && first[1] <= maxDistance && isDistinct(first[1], second?.[1], ratio)) pairs.push({ face: index, owner: first[0], distance: first[1] });
  });
  pairs.sort((a, b) => a.distance - b.distance);
  const result: (FaceMatch<T> | null)[] = faces.map(() => null);
  const taken = new Set<T>();
  for (const { face, owner, distance } of pairs) {
    if (taken.has(owner)) continue;
    result[face] = { candidate: owner, distance };
    taken.add(owner);
  }
  return result;
}
