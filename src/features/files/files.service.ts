import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { JobQueue } from '../../adapters/jobs/job-queue.js';
import type { BlobStore, ByteRange } from '../../adapters/storage/blob-store.js';
import type { Db } from '../../db/connect.js';
import type { Caller } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import { Forbidden, InvalidRequest, NotFound, NotReady, TooLarge, UnsupportedType } from '../../errors.js';
import type { AccessService } from '../access/access.service.js';
import type { AuditLog } from '../audit/audit.log.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { findDuplicates, lockOwnerUploads, refuseDuplicates, type DuplicatePolicy } from './duplicates.js';
import { sanitizeFileName } from './file-names.js';
import * as files from './files.repository.js';
import { OverLimit, RejectedType, UploadInspector } from './inspector.js';
import { ListingCache } from './listing-cache.js';
import { patchStream } from './location.js';
import type { MediaKind } from './media-types.js';
import type { ListedFile, StoredFile } from './stored-file.js';

export type { StoredFile };

export interface UploadPart {
  filename: string | undefined;
  /** Emits 'limit' when the multipart parser cut the file at the size limit. */
  stream: Readable;
}

/** Where the bytes of a content response come from. */
export interface ContentSource {
  open: (range?: ByteRange) => Promise<Readable>;
  /** A presigned URL to send the client to instead of streaming, when configured. */
  redirect?: (contentDisposition: string) => Promise<string | undefined>;
  /** The blob under nginx's internal location, when nginx sends local blobs (X-Accel-Redirect). */
  accelRedirect?: string;
}

export interface FilePage {
  items: ListedFile[];
  nextCursor: string | null;
}

export interface ListOptions {
  limit: number;
  cursor?: string;
  kind?: MediaKind;
  q?: string;
  sort?: files.SortKey;
  order?: files.SortOrder;
  /** RFC 3339 date-time or full-date (midnight UTC); inclusive. */
  takenFrom?: string;
  /** RFC 3339 date-time or full-date (midnight UTC); exclusive. */
  takenTo?: string;
  person?: string;
}

/** A file an upload stored; `duplicateOf` names the file of the owner's with the same bytes. */
export type UploadedFile = StoredFile & { duplicateOf?: string };


const PRESIGNED_DOWNLOAD_SECONDS = 5 * 60;

export class FilesService {
  private readonly pages = new ListingCache<FilePage>();

  constructor(
    private readonly db: Db,
    private readonly access: AccessService,
    private readonly audit: AuditLog,
    private readonly blobs: BlobStore,
    private readonly jobs: JobQueue,
    private readonly maxUploadBytes: number,
    private readonly log: FastifyBaseLogger,
    private readonly presignedDownloads = false,
    private readonly accelRedirectPrefix?: string,
    /** Finds a photo's location edits now, when the describe step has not yet (media-facts.ts). */
    private readonly locateNow?: (file: StoredFile) => Promise<NonNullable<StoredFile['locationPatches']>>,
    private readonly duplicates: DuplicatePolicy = 'keep',
  ) {}

  /**
   * Stores every part, then records them all in one statement: the request adds all its
   * files or none. Rows appear only after their blobs are stored; on any failure the blobs
   * already written are removed.
   */
  async upload(caller: Caller, parts: AsyncIterable<UploadPart>, origin: Origin): Promise<UploadedFile[]> {
    const { user } = caller;
    const ownerId = user.id;
    const pending: files.NewFile[] = [];
    const reject = this.duplicates === 'reject';
    let duplicateOf = new Map<string, { id: string }>();
    let stored: StoredFile[];
    try {
      for await (const part of parts) {
        pending.push(await this.storeBlob(ownerId, part));
        // Refused as soon as a part is known to repeat: the rest of the body is not stored.
        if (reject) await refuseDuplicates(this.db, ownerId, pending);
      }
      if (pending.length === 0) {
        throw new InvalidRequest('Attach at least one file.', [{ field: 'file', message: 'Add one or more parts named "file".', reason: 'missing' }]);
      }
      if (!reject) duplicateOf = await findDuplicates(this.db, ownerId, pending);
      // The files and the work they still need are recorded together: nothing is lost to a crash.
      const { inserted, deliveries } = await this.db.transaction().execute(async (trx) => {
        // Checked again under the owner's lock: of two uploads of the same bytes at once, one is stored.
        if (reject) {
          await lockOwnerUploads(trx, ownerId);
          await refuseDuplicates(trx, ownerId, pending);
        }
        const inserted = await files.insertFiles(trx, pending);
        return { inserted, deliveries: await this.jobs.record(trx, pending.map((file) => ({ id: file.id, ownerId: file.ownerId, kind: file.kind }))) };
      });
      this.jobs.submit(deliveries);
      stored = inserted;
    } catch (error) {
      await Promise.all(pending.map((file) => this.removeBlob(file.blobKey)));
      throw error;
    }
    const uploaded: UploadedFile[] = stored.map((file) => {
      const original = duplicateOf.get(file.id);
      return { ...file, ...(original ? { duplicateOf: original.id } : {}) };
    });
    for (const file of uploaded) this.audit.record({ action: 'file.upload', outcome: 'success', actor: user, target: `file:${file.id}`, details: { name: file.name, size: file.size, ...(file.duplicateOf ? { duplicateOf: file.duplicateOf } : {}) }, ...origin });
    return uploaded;
  }

  private async storeBlob(ownerId: string, part: UploadPart): Promise<files.NewFile> {
    const name = sanitizeFileName(part.filename);
    const id = randomUUID();
    const blobKey = `${id.slice(0, 2)}/${id}`;
    const inspector = new UploadInspector(this.maxUploadBytes);
    part.stream.once('limit', () => inspector.destroy(new OverLimit()));
    const [piping, storing] = await Promise.allSettled([pipeline(part.stream, inspector), this.blobs.put(blobKey, inspector)]);
    const failure = piping.status === 'rejected' ? piping.reason : storing.status === 'rejected' ? storing.reason : undefined;
    if (failure !== undefined || !inspector.mediaType) {
      await this.removeBlob(blobKey);
      if (failure instanceof OverLimit) throw new TooLarge(this.maxUploadBytes);
      if (failure instanceof RejectedType || failure === undefined) throw new UnsupportedType(name);
      throw failure;
    }
    return {
      id,
      ownerId,
      name,
      kind: inspector.mediaType.kind,
      contentType: inspector.mediaType.contentType,
      size: inspector.size,
      sha256: inspector.digest(),
      blobKey,
      createdAt: new Date().toISOString(),
      // Photos: not yet known whether the bytes say where — public links hold them back until then.
      locationPatches: inspector.mediaType.kind === 'image' ? null : [],
    };
  }

  /** A page of the owner's files; the same page object again while nothing it shows has changed (listing-cache.ts). */
  async list(ownerId: string, options: ListOptions): Promise<FilePage> {
    const version = await files.libraryVersion(this.db, ownerId);
    const key = JSON.stringify([ownerId, options.limit, options.cursor, options.kind, options.q, options.sort, options.order, options.takenFrom, options.takenTo, options.person]);
    const cached = version === undefined ? undefined : this.pages.get(key, version);
    if (cached) return cached;
    const page = await this.readPage(ownerId, options);
    if (version !== undefined) this.pages.offer(key, version, page);
    return page;
  }

  private async readPage(ownerId: string, options: ListOptions): Promise<FilePage> {
    const sort = options.sort ?? 'createdAt';
    const order = options.order ?? 'desc';
    const after = options.cursor === undefined ? undefined : toPosition(decodeCursor(options.cursor, 4), sort, order);
    const takenFrom = options.takenFrom === undefined ? undefined : toInstant(options.takenFrom, 'takenFrom');
    const takenTo = options.takenTo === undefined ? undefined : toInstant(options.takenTo, 'takenTo');
    const q = options.q?.trim();
    const items = await files.listFiles(this.db, {
      ownerId,
      limit: options.limit + 1,
      sort,
      order,
      ...(options.kind ? { kind: options.kind } : {}),
      ...(q ? { nameContains: q } : {}),
      ...(takenFrom ? { takenFrom } : {}),
      ...(takenTo ? { takenTo } : {}),
      ...(options.person ? { personId: options.person } : {}),
      ...(after ? { after } : {}),
    });
    const page = items.slice(0, options.limit);
    const last = page.at(-1);
    return { items: page, nextCursor: items.length > options.limit && last ? encodeCursor([sort, order, String(files.sortValue(last, sort)), last.id]) : null };
  }

  /** The owner's files counted by the month they were taken (UTC), newest first. */
  timeline(ownerId: string, kind?: MediaKind): Promise<files.MonthBucket[]> {
    return files.countByMonth(this.db, ownerId, kind);
  }

  /** Those of `ids` the owner has (any others are left out): for other features' views of files (live events). */
  ownedFiles(ownerId: string, ids: string[]): Promise<StoredFile[]> {
    return files.findOwnedFiles(this.db, ownerId, ids);
  }

  /** Any file by id, whoever owns it: for other features' own checks (links, notices). */
  async findById(id: string): Promise<StoredFile | undefined> {
    return files.findFileById(this.db, id);
  }

  async rename(ownerId: string, id: string, rawName: string): Promise<StoredFile> {
    const name = sanitizeFileName(rawName, '');
    if (name === '') throw new InvalidRequest('The name must not be empty.', [{ field: 'name', message: 'Enter a name.' }]);
    if (!(await files.updateFileName(this.db, ownerId, id, name))) throw new NotFound('file');
    const file = await files.findOwnedFile(this.db, ownerId, id);
    if (!file) throw new NotFound('file');
    return file;
  }

  async delete(caller: Caller, id: string, origin: Origin): Promise<void> {
    await this.deleteMany(caller, [id], origin);
  }

  /**
   * Deletes several files at once, all or none: the caller's access to every id is checked
   * in one query first (AccessService.requireFiles).
   */
  async deleteMany(caller: Caller, ids: string[], origin: Origin): Promise<void> {
    const { user } = caller;
    const ownerId = user.id;
    const unique = new Set(ids);
    await this.access.requireFiles(ownerId, unique, 'write');
    const removed = await this.db.transaction().execute(async (trx) => {
      const rows = await files.findOwnedFiles(trx, ownerId, [...unique]);
      await files.deleteFileRows(trx, rows.map((file) => file.id));
      return rows;
    });
    if (removed.length === 0) throw new NotFound('file');
    // The rows are gone, so the files are gone for users; a blob that fails to delete is an
    // orphan the janitor reports, never a visible half-file.
    for (const file of removed) {
      await this.removeBlob(file.blobKey);
      if (file.thumbnailKey) await this.removeBlob(file.thumbnailKey);
    }
    for (const id of unique) this.audit.record({ action: 'file.delete', outcome: 'success', actor: user, target: `file:${id}`, ...origin });
  }

  /**
   * Audits a download of the file: once per download, so the route calls it for the request
   * that starts one (content.ts `startsDownload`), not for the ranges that follow, nor for
   * inline playback.
   */
  recordDownload(caller: Caller, file: StoredFile, origin: Origin): void {
    this.audit.record({ action: 'file.download', outcome: 'success', actor: caller.user, target: `file:${file.id}`, ...origin });
  }

  async thumbnail(file: StoredFile): Promise<Readable> {
    if (!file.thumbnailKey) throw new NotFound('thumbnail');
    return this.blobs.get(file.thumbnailKey);
  }

  /**
   * Where a file's bytes come from for a content request the caller may make: a stream, or
   * with S3_PRESIGNED_DOWNLOADS (where the store can) a URL valid a few minutes that serves
   * them straight from the private bucket.
   */
  contentSource(file: StoredFile): ContentSource {
    const { presignedDownloadUrl } = this.blobs;
    return {
      open: (range?: ByteRange) => this.blobs.get(file.blobKey, range),
      ...(this.presignedDownloads && presignedDownloadUrl
        ? { redirect: (contentDisposition: string) => presignedDownloadUrl.call(this.blobs, file.blobKey, { contentType: file.contentType, contentDisposition, expiresInSeconds: PRESIGNED_DOWNLOAD_SECONDS }) }
        : {}),
      ...(this.accelRedirectPrefix !== undefined ? { accelRedirect: `${this.accelRedirectPrefix}${file.blobKey}` } : {}),
    };
  }

  /**
   * A photo's bytes for a visitor of a public link, without where it was taken: the GPS
   * edits the describe step recorded are applied as the bytes stream (same length, so Range
   * works; its own ETag). Never redirected or handed to nginx, which would send the stored
   * bytes. A photo the step has not reached yet is looked at now, in the image worker. A
   * location no edit removes is never sent (403). Audio and video are served as stored:
   * their containers' location atoms are not edited (README).
   */
  async contentWithoutLocation(file: StoredFile): Promise<{ source: ContentSource; etag?: string }> {
    if (file.kind !== 'image') return { source: this.contentSource(file) };
    let patches = file.locationPatches;
    if (patches === null) {
      if (!this.locateNow) throw new NotReady('The photo is still being processed; try again shortly.');
      try {
        patches = await this.locateNow(file);
      } catch (error) {
        this.log.warn({ err: error, fileId: file.id }, 'could not look for a location in this photo');
        throw new Forbidden('This photo could not be checked for a location, so it is not shared through public links.');
      }
    }
    if (patches === 'unremovable') throw new Forbidden('This photo has a location that cannot be removed from it; its owner can share it with the location included.');
    if (patches.length === 0) return { source: this.contentSource(file) };
    const edits = patches;
    return {
      source: { open: async (range?: ByteRange) => patchStream(await this.blobs.get(file.blobKey, range), range?.start ?? 0, edits) },
      etag: `"${file.sha256}-nolocation"`,
    };
  }

  private async removeBlob(key: string): Promise<void> {
    try {
      await this.blobs.delete(key);
    } catch (error) {
      this.log.error({ err: error, blobKey: key }, 'could not delete blob; it is left as an orphan');
    }
  }
}

/**
 * A cursor names the sort it was made for: used with another sort or order it would skip or
 * repeat files, so it is refused rather than misread.
 */
function toPosition([sort, order, value, id]: string[], expectedSort: files.SortKey, expectedOrder: files.SortOrder): { value: string | number; id: string } {
  if (sort !== expectedSort || order !== expectedOrder) {
    throw new InvalidRequest('The cursor belongs to another sort order; start again without it.', [{ field: 'cursor', message: `Made for sort=${sort}&order=${order}.`, reason: 'other_sort' }]);
  }
  if (sort === 'size') {
    if (!/^\d{1,16}$/.test(value!)) throw new InvalidRequest('The cursor is not valid; use the nextCursor of a previous page.', [{ field: 'cursor', message: 'Unknown cursor.' }]);
    return { value: Number(value), id: id! };
  }
  return { value: value!, id: id! };
}

/** A date-time (with its offset) or a date (midnight UTC) as the ISO UTC text taken_at compares with. */
function toInstant(value: string, field: string): string {
  const instant = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  if (Number.isNaN(instant.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new InvalidRequest(`${field} is not a date.`, [{ field, message: 'Use an RFC 3339 date-time (2021-06-15T14:30:00Z) or a date (2021-06-15).' }]);
  }
  return instant.toISOString();
}
