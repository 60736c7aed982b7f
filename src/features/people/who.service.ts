import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { faceSimilarity, matchFaces, type FaceBox, type FaceEngine } from '../../adapters/faces/face-engine.js';
import type { Db } from '../../db/connect.js';
import { AppError, RateLimited, Unavailable } from '../../errors.js';
import * as repository from './notable-people.repository.js';
import { assertImageBytes, photoError } from './photo-input.js';

export interface WhoFace {
  box: FaceBox;
  match: { name: string; description?: string; url?: string; similarity: number } | null;
  searchUrl?: string;
}

export interface WhoOptions {
  /** Asked at every request: the administrators' switch over WHO_ENABLED (features/admin/settings.service.ts). */
  enabled: () => Promise<boolean>;
  /** Per client address, consumed before any work. */
  limiter: RateLimiterAbstract;
  /** Photos being looked at at once, over all guests; more wait for none and get a 503. */
  maxInFlight?: number;
}

/** Where a name is searched when the person's own page is not enough (or not known). */
export const searchUrlFor = (name: string) => `https://duckduckgo.com/?q=${encodeURIComponent(name)}`;

/**
 * "Who is this?" for anyone: the faces of one photo against the notable-people gallery.
 * Nothing is stored or logged but counts; the photo and its descriptors are dropped with
 * the answer.
 */
export class WhoService {
  private inFlight = 0;
  private readonly maxInFlight: number;

  constructor(
    private readonly db: Db,
    private readonly engine: FaceEngine,
    private readonly options: WhoOptions,
  ) {
    this.maxInFlight = options.maxInFlight ?? 4;
  }

  /**
   * Whether the finder is on. The /who page asks as it opens, and a photo is then likely to
   * follow: the model starts loading meanwhile, so the guest does not wait for it.
   */
  async status(): Promise<{ enabled: boolean }> {
    const enabled = await this.options.enabled();
    if (enabled) this.engine.warmUp();
    return { enabled };
  }

  /** Spends one of the client's attempts, or throws 429: before the upload is even read. */
  async admit(clientAddress: string): Promise<void> {
    if (!(await this.options.enabled())) throw new AppError(404, 'not_found', 'The "who is this?" finder is turned off on this server.');
    try {
      await this.options.limiter.consume(clientAddress);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw new RateLimited(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
      throw new Unavailable('session store');
    }
    // The photo is still on its way: the model loads meanwhile (a cold start is most of the wait).
    this.engine.warmUp();
  }

  async identify(photo: Buffer, name: string): Promise<WhoFace[]> {
    await assertImageBytes(photo, name);
    if (this.inFlight >= this.maxInFlight) throw new Unavailable('face finder');
    this.inFlight += 1;
    try {
      const faces = await this.engine.detect(photo).catch((error: unknown) => {
        throw photoError(error);
      });
      if (faces.length === 0) return [];
      const gallery = await repository.allFaces(this.db);
      const matches = matchFaces(
        faces.map((face) => face.descriptor),
        gallery.map((face) => ({ descriptor: face.descriptor, owner: face.personId })),
      );
      const people = await repository.findPeople(this.db, [...new Set(matches.flatMap((m) => (m ? [m.candidate] : [])))]);
      return faces.map((face, index) => {
        const match = matches[index];
        const person = match ? people.get(match.candidate) : undefined;
        if (!match || !person) return { box: face.box, match: null };
        return {
          box: face.box,
          match: { name: person.name, ...(person.description ? { description: person.description } : {}), ...(person.url ? { url: person.url } : {}), similarity: faceSimilarity(match.distance) },
          searchUrl: searchUrlFor(person.name),
        };
      });
    } finally {
      this.inFlight -= 1;
    }
  }
}
