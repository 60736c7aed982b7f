import type { Caller } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import type { AuditLog } from '../audit/audit.log.js';
import { randomUUID } from 'node:crypto';
import type { FaceEngine, DetectedFace } from '../../adapters/faces/face-engine.js';
import type { Db } from '../../db/connect.js';
import { InvalidRequest, NotFound } from '../../errors.js';
import * as repository from './notable-people.repository.js';
import type { NotablePerson } from './notable-people.repository.js';
import { assertImageBytes, photoError } from './photo-input.js';

export interface NewNotablePerson {
  name: string;
  description?: string;
  url?: string;
}

export interface ReferencePhoto {
  name: string;
  bytes: Buffer;
}

/** The curated gallery of people `/who` can name; managed by admins. */
export class NotablePeopleService {
  constructor(
    private readonly db: Db,
    private readonly engine: FaceEngine,
    private readonly audit: AuditLog,
  ) {}

  list(): Promise<NotablePerson[]> {
    return repository.listPeople(this.db);
  }

  /** An administrator adds a notable person (their reference photos come next). */
  async create(caller: Caller, person: NewNotablePerson, origin: Origin): Promise<NotablePerson> {
    const created = await this.insertPerson(person);
    this.audit.record({ action: 'admin.notable_person_create', outcome: 'success', actor: caller.user, target: `notable-person:${created.id}`, details: { name: created.name }, ...origin });
    return created;
  }

  private async insertPerson(person: NewNotablePerson): Promise<NotablePerson> {
    const id = randomUUID();
    await repository.insertPerson(this.db, { id, name: person.name.trim(), description: person.description ?? null, url: person.url ?? null, createdAt: new Date().toISOString() });
    return (await repository.findPerson(this.db, id))!;
  }

  async delete(caller: Caller, id: string, origin: Origin): Promise<void> {
    if (!(await repository.deletePerson(this.db, id))) throw new NotFound('notable person');
    this.audit.record({ action: 'admin.notable_person_delete', outcome: 'success', actor: caller.user, target: `notable-person:${id}`, ...origin });
  }

  /**
   * Adds one reference face per photo: the largest face in it (a portrait's subject; a
   * bystander is smaller). All photos or none: one without a face is a 400 and nothing is kept.
   */
  async addPhotos(caller: Caller, id: string, photos: AsyncIterable<ReferencePhoto>, origin: Origin): Promise<number> {
    if (!(await repository.findPerson(this.db, id))) throw new NotFound('notable person');
    const faces: { id: string; personId: string; descriptor: Float32Array; createdAt: string }[] = [];
    for await (const photo of photos) {
      const face = largest(await this.detect(photo));
      if (!face) throw new InvalidRequest(`No face was found in "${photo.name}"; use a photo where the face is clear and at least about 60 pixels wide.`, [{ field: 'photo', message: 'No face found.', reason: 'no_face' }]);
      faces.push({ id: randomUUID(), personId: id, descriptor: face.descriptor, createdAt: new Date().toISOString() });
    }
    if (faces.length === 0) throw new InvalidRequest('Attach at least one photo.', [{ field: 'photo', message: 'Add one or more parts named "photo".', reason: 'missing' }]);
    await repository.insertFaces(this.db, faces);
    this.audit.record({ action: 'admin.notable_person_photos', outcome: 'success', actor: caller.user, target: `notable-person:${id}`, details: { faces: faces.length }, ...origin });
    return faces.length;
  }

  /**
   * Adds a person from several photos, or more photos to the person of that name: the
   * import's step. Photos without a face are skipped and named; a person none of whose
   * photos shows a face is not created.
   */
  async importPerson(person: NewNotablePerson, photos: ReferencePhoto[]): Promise<{ person: NotablePerson | undefined; faces: number; skipped: string[] }> {
    const found: Float32Array[] = [];
    const skipped: string[] = [];
    for (const photo of photos) {
      const face = await this.detect(photo).then(largest, () => undefined);
      if (face) found.push(face.descriptor);
      else skipped.push(photo.name);
    }
    if (found.length === 0) return { person: undefined, faces: 0, skipped };
    const existing = await repository.findPersonByName(this.db, person.name.trim());
    const target = existing ?? (await this.insertPerson(person));
    const createdAt = new Date().toISOString();
    await repository.insertFaces(this.db, found.map((descriptor) => ({ id: randomUUID(), personId: target.id, descriptor, createdAt })));
    return { person: target, faces: found.length, skipped };
  }

  private async detect(photo: ReferencePhoto): Promise<DetectedFace[]> {
    await assertImageBytes(photo.bytes, photo.name);
    try {
      return await this.engine.detect(photo.bytes);
    } catch (error) {
      throw photoError(error);
    }
  }
}

function largest(faces: DetectedFace[]): DetectedFace | undefined {
  return faces.reduce<DetectedFace | undefined>((best, face) => (!best || face.box.width * face.box.height > best.box.width * best.box.height ? face : best), undefined);
}
