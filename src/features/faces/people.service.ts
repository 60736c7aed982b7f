import { randomUUID } from 'node:crypto';
import { DISTINCT_RATIO, faceSimilarity, isDistinct } from '../../adapters/faces/face-engine.js';
import type { Db, Executor } from '../../db/connect.js';
import type { Caller } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import type { AuditLog } from '../audit/audit.log.js';
import { InvalidRequest, NotFound } from '../../errors.js';
import type { StoredFile } from '../files/stored-file.js';
import type { FaceIndex } from './face-index.js';
import * as faces from './faces.repository.js';
import type { NamedFace } from './faces.repository.js';
import { ATTACH_DISTANCE, nearest, SUGGEST_DISTANCE, type IndexedFace } from './matching.js';
import * as people from './people.repository.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** API.md `face`, plus what the owner may act on: a suggestion and the match's similarity. */
export interface PublicFace {
  id: string;
  fileId: string;
  box: Box;
  person: { id: string; name: string } | null;
  /** How sure the attachment or suggestion is, 0–1 (1 − distance); null when named by the user. */
  similarity: number | null;
  /** A person this face may be, below the confidence to attach it: confirm or reject. */
  suggestion: { id: string; name: string; similarity: number } | null;
}

export interface PublicPerson {
  id: string;
  name: string;
  link: string | null;
  hidden: boolean;
  faceCount: number;
  fileCount: number;
  coverFace: { id: string; fileId: string; box: Box } | null;
  createdAt: string;
}

export interface FaceCluster {
  id: string;
  faceCount: number;
  faceIds: string[];
  coverFace: { id: string; fileId: string; box: Box };
}

const boxOf = (row: Box): Box => ({ x: row.x, y: row.y, width: row.width, height: row.height });

export function toPublicFace(face: NamedFace, forOwner: boolean): PublicFace {
  const named = forOwner && face.personId !== null && face.personName !== null;
  const suggested = forOwner && face.suggestedPersonId !== null && face.suggestedName !== null;
  return {
    id: face.id,
    fileId: face.fileId,
    box: face.box,
    person: named ? { id: face.personId!, name: face.personName! } : null,
    similarity: named && face.assignedBy === 'match' && face.distance !== null ? faceSimilarity(face.distance) : null,
    suggestion: suggested ? { id: face.suggestedPersonId!, name: face.suggestedName!, similarity: faceSimilarity(face.distance ?? 1) } : null,
  };
}

/**
 * A user's faces and people. Everything is looked up with the owner's id: another user's
 * face or person is a 404, and matching only ever reads the owner's own faces (FaceIndex is
 * per user). Naming a face attaches every other close face of the owner's (one per photo)
 * and suggests the less certain ones.
 */
export class PeopleService {
  constructor(
    private readonly db: Db,
    private readonly index: FaceIndex,
    private readonly audit: AuditLog,
  ) {}

  /** GET /files/:id/faces — for a file the route's access check let the caller read; names only for its owner. */
  async facesOfFile(userId: string, file: StoredFile): Promise<PublicFace[]> {
    return (await faces.listFacesOfFile(this.db, file.id)).map((row) => toPublicFace(row, file.ownerId === userId));
  }

  /** Recognition on or off for the user's library; off deletes every face of theirs. */
  async setRecognition(ownerId: string, on: boolean): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await faces.setFaceRecognition(trx, ownerId, on);
      if (!on) await faces.deleteFacesOfOwner(trx, ownerId);
      await faces.bumpFacesVersion(trx, ownerId);
    });
    this.index.forget(ownerId);
  }

  async list(ownerId: string, includeHidden: boolean): Promise<PublicPerson[]> {
    return this.describe(ownerId, await people.listPeople(this.db, ownerId, includeHidden));
  }

  async get(ownerId: string, id: string): Promise<PublicPerson> {
    const person = await people.findOwnedPerson(this.db, ownerId, id);
    if (!person) throw new NotFound('person');
    return (await this.describe(ownerId, [person]))[0]!;
  }

  /** POST /people: a named person from one or more of the owner's faces. */
  async create(caller: Caller, input: { name: string; link?: string; faceIds: string[] }, origin: Origin): Promise<PublicPerson> {
    const ownerId = caller.user.id;
    const name = cleanName(input.name);
    const faceIds = [...new Set(input.faceIds)];
    await this.requireFaces(ownerId, faceIds);
    const id = randomUUID();
    await this.change(ownerId, async (trx) => {
      await people.insertPerson(trx, { id, ownerId, name, link: input.link ?? null, coverFaceId: faceIds[0] ?? null, createdAt: new Date().toISOString() });
      for (const faceId of faceIds) await this.nameFace(trx, ownerId, faceId, id);
    });
    await this.propagate(ownerId, id);
    const person = await this.get(ownerId, id);
    this.audit.record({ action: 'person.create', outcome: 'success', actor: caller.user, target: `person:${person.id}`, details: { faces: input.faceIds.length }, ...origin });
    return person;
  }

  async update(ownerId: string, id: string, changes: { name?: string; link?: string | null; hidden?: boolean; coverFaceId?: string }): Promise<PublicPerson> {
    const person = await people.findOwnedPerson(this.db, ownerId, id);
    if (!person) throw new NotFound('person');
    if (changes.coverFaceId !== undefined) {
      const face = await faces.findOwnedFace(this.db, ownerId, changes.coverFaceId);
      if (!face || face.personId !== id) throw new InvalidRequest('The cover must be one of this person’s faces.', [{ field: 'coverFaceId', message: 'Choose one of this person’s faces.' }]);
    }
    await people.updatePerson(this.db, ownerId, id, { ...changes, ...(changes.name !== undefined ? { name: cleanName(changes.name) } : {}) });
    return this.get(ownerId, id);
  }

  /** DELETE /people/:id: its faces become unnamed (and may be clustered again). */
  async delete(caller: Caller, id: string, origin: Origin): Promise<void> {
    const ownerId = caller.user.id;
    if (!(await people.findOwnedPerson(this.db, ownerId, id))) throw new NotFound('person');
    await this.change(ownerId, async (trx) => {
      await people.deletePerson(trx, ownerId, id);
    });
    this.audit.record({ action: 'person.delete', outcome: 'success', actor: caller.user, target: `person:${id}`, ...origin });
  }

  /** POST /people/:id/merge {ids}: the others' faces become this person's; the others go. */
  async merge(ownerId: string, id: string, ids: string[]): Promise<PublicPerson> {
    const others = [...new Set(ids)].filter((other) => other !== id);
    for (const personId of [id, ...others]) if (!(await people.findOwnedPerson(this.db, ownerId, personId))) throw new NotFound('person', [{ field: 'ids', message: `No such person: ${personId}.`, reason: personId }]);
    if (others.length === 0) throw new InvalidRequest('Name at least one other person to merge.', [{ field: 'ids', message: 'Give the ids of other people.' }]);
    await this.change(ownerId, async (trx) => {
      await people.mergePeople(trx, ownerId, id, others);
    });
    await this.propagate(ownerId, id);
    return this.get(ownerId, id);
  }

  /**
   * PUT /faces/:id/person: `{personId}` names the face (confirming a suggestion is this),
   * `{name}` names it after a person of that name (made if new), `{personId: null}` unnames
   * it (a match the user undoes is not made again).
   */
  async assign(ownerId: string, faceId: string, target: { personId?: string | null; name?: string }): Promise<PublicFace> {
    const face = await faces.findOwnedFace(this.db, ownerId, faceId);
    if (!face) throw new NotFound('face');
    let personId: string | null;
    if (target.name !== undefined) {
      const name = cleanName(target.name);
      personId = (await people.findPersonByName(this.db, ownerId, name))?.id ?? null;
      if (!personId) {
        personId = randomUUID();
        await people.insertPerson(this.db, { id: personId, ownerId, name, link: null, coverFaceId: faceId, createdAt: new Date().toISOString() });
      }
    } else if (target.personId) {
      if (!(await people.findOwnedPerson(this.db, ownerId, target.personId))) throw new NotFound('person');
      personId = target.personId;
    } else personId = null;
    await this.change(ownerId, async (trx) => {
      if (personId) await this.nameFace(trx, ownerId, faceId, personId);
      else {
        if (face.personId && face.assignedBy === 'match') await people.recordRejection(trx, faceId, face.personId);
        await faces.unnameFace(trx, faceId);
      }
    });
    if (personId) await this.propagate(ownerId, personId);
    return toPublicFace((await faces.findOwnedFace(this.db, ownerId, faceId))!, true);
  }

  /** DELETE /faces/:id/suggestion: not this person; the suggestion is not made again. */
  async rejectSuggestion(ownerId: string, faceId: string): Promise<PublicFace> {
    const face = await faces.findOwnedFace(this.db, ownerId, faceId);
    if (!face) throw new NotFound('face');
    const suggested = face.suggestedPersonId;
    if (suggested) {
      await this.change(ownerId, async (trx) => {
        await people.recordRejection(trx, faceId, suggested);
        await faces.clearSuggestion(trx, faceId, face.personId ? face.distance : null);
      });
    }
    return toPublicFace((await faces.findOwnedFace(this.db, ownerId, faceId))!, true);
  }

  /** GET /people/clusters: groups of two or more unnamed faces that look alike, largest first. */
  async clusters(ownerId: string, limit: number): Promise<FaceCluster[]> {
    const rows = await faces.listClusteredFaces(this.db, ownerId);
    const groups = new Map<string, typeof rows>();
    for (const row of rows) groups.set(row.clusterId, [...(groups.get(row.clusterId) ?? []), row]);
    return [...groups]
      .filter(([, members]) => members.length >= 2)
      .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([id, members]) => {
        const cover = members.reduce((best, face) => (face.score > best.score ? face : best));
        return { id, faceCount: members.length, faceIds: members.map((face) => face.id), coverFace: { id: cover.id, fileId: cover.fileId, box: boxOf(cover) } };
      });
  }

  /** Checks a person id for `GET /files?person=`: the owner's, or a 404. */
  async requirePerson(ownerId: string, id: string): Promise<void> {
    if (!(await people.findOwnedPerson(this.db, ownerId, id))) throw new NotFound('person');
  }

  private async requireFaces(ownerId: string, faceIds: readonly string[]): Promise<void> {
    for (const faceId of faceIds) {
      if (!(await faces.findOwnedFace(this.db, ownerId, faceId))) throw new NotFound('face', [{ field: 'faceIds', message: `No such face: ${faceId}.`, reason: faceId }]);
    }
  }

  /** The user's word: this face is this person. Another face of the photo matched to them is unnamed. */
  private async nameFace(trx: Executor, ownerId: string, faceId: string, personId: string): Promise<void> {
    const face = await faces.findOwnedFace(trx, ownerId, faceId);
    if (!face) return;
    await faces.nameFaceByUser(trx, { id: faceId, fileId: face.fileId }, personId);
  }

  /**
   * After the user named faces of a person: each other unnamed face of the owner's close to
   * one of them is attached (within ATTACH_DISTANCE, and clearly nearer to them than to anyone
   * else the user named: DISTINCT_RATIO) or suggested (within SUGGEST_DISTANCE), at most one
   * per photo (the closest), never in a photo where the person already is, and never a face
   * the user said is not them.
   */
  private async propagate(ownerId: string, personId: string): Promise<void> {
    const all = await this.index.forUser(ownerId);
    const references = [...all.values()].filter((face) => face.personId === personId && face.assignedBy === 'user');
    if (references.length === 0) return;
    const rejected = await people.rejectedFaceIds(this.db, personId);
    const filesWithPerson = new Set([...all.values()].filter((face) => face.personId === personId).map((face) => face.fileId));
    const best = new Map<string, { face: IndexedFace; distance: number }>(); // per file
    const open = (face: IndexedFace) => face.personId === null && !filesWithPerson.has(face.fileId) && !rejected.has(face.id);
    for (const reference of references) {
      for (const candidate of nearest(all.values(), reference.descriptor, SUGGEST_DISTANCE, open)) {
        const current = best.get(candidate.face.fileId);
        if (!current || candidate.distance < current.distance) best.set(candidate.face.fileId, candidate);
      }
    }
    if (best.size === 0) return;
    const rivals = [...all.values()].filter((face) => face.personId !== null && face.personId !== personId && face.assignedBy === 'user');
    const distinct = (face: IndexedFace, distance: number) => isDistinct(distance, nearest(rivals, face.descriptor, distance / DISTINCT_RATIO)[0]?.distance);
    await this.change(ownerId, async (trx) => {
      for (const { face, distance } of best.values()) {
        if (distance <= ATTACH_DISTANCE && distinct(face, distance)) {
          await faces.attachMatch(trx, face.id, personId, distance);
        } else {
          await faces.suggestMatch(trx, face.id, personId, distance);
        }
      }
    });
  }

  /** One change to the owner's faces: a transaction that bumps their version; the index re-reads. */
  private async change(ownerId: string, work: (trx: Executor) => Promise<void>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await work(trx);
      await faces.bumpFacesVersion(trx, ownerId);
    });
    this.index.forget(ownerId);
  }

  private async describe(ownerId: string, rows: people.StoredPerson[]): Promise<PublicPerson[]> {
    const ids = rows.map((row) => row.id);
    const counts = await people.countFacesByPerson(this.db, ownerId, ids);
    const chosen = await people.findCoverFaces(this.db, ownerId, rows.flatMap((row) => (row.coverFaceId ? [row.coverFaceId] : [])));
    const newest = await people.newestFaces(this.db, ownerId, ids);
    return rows.map((row) => {
      const pick = row.coverFaceId ? chosen.get(row.coverFaceId) : undefined;
      const cover = pick && pick.person_id === row.id ? pick : newest.get(row.id);
      return {
        id: row.id,
        name: row.name,
        link: row.link,
        hidden: row.hidden,
        faceCount: counts.get(row.id)?.faceCount ?? 0,
        fileCount: counts.get(row.id)?.fileCount ?? 0,
        coverFace: cover ? { id: cover.id, fileId: cover.file_id, box: boxOf(cover) } : null,
        createdAt: row.createdAt,
      };
    });
  }
}

function cleanName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > 200) throw new InvalidRequest('Enter a name of 1 to 200 characters.', [{ field: 'name', message: 'Enter a name of 1 to 200 characters.' }]);
  return name;
}
