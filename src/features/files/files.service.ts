import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { JobQueue } from '../../adapters/jobs/job-queue.js';
import type { BlobStore, ByteRange } from '../../adapters/storage/blob-store.js';
import type { Db } from '../../db/connect.js';
import type { FileRow } from '../../db/schema.js';
import { Forbidden, InvalidRequest, NotFound, TooLarge, UnsupportedType } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { sanitizeFileName } from './file-names.js';
import * as files from './files.repository.js';
import type { StoredFile } from './files.repository.js';
import { OverLimit, RejectedType, UploadInspector } from './inspector.js';
import type { MediaKind } from './media-types.js';

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
  items: StoredFile[];
  nextCursor: string | null;
}

export interface ListOptions {
  limit: number;
  cursor?: string;
  kind?: MediaKind;
  q?: string;
}

/** A stored blob's row, before it is inserted. */
type PendingRow = FileRow & { size: number };

const PRESIGNED_DOWNLOAD_SECONDS = 5 * 60;

export class FilesService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly jobs: JobQueue,
    private readonly maxUploadBytes: number,
    private readonly log: FastifyBaseLogger,
    private readonly presignedDownloads = false,
    private readonly accelRedirectPrefix?: string,
  ) {}

  /**
   * Stores every part, then records them all in one statement: the request adds all its
   * files or none. Rows appear only after their blobs are stored; on any failure the blobs
   * already written are removed.
   */
  async upload(ownerId: string, parts: AsyncIterable<UploadPart>): Promise<StoredFile[]> {
    const rows: PendingRow[] = [];
    try {
      for await (const part of parts) rows.push(await this.storeBlob(ownerId, part));
      if (rows.length === 0) {
        throw new InvalidRequest('Attach at least one file.', [{ field: 'file', message: 'Add one or more parts named "file".', reason: 'missing' }]);
      }
      // The files and the work they still need are recorded together: nothing is lost to a crash.
      const deliveries = await this.db.transaction().execute(async (trx) => {
        await files.insertFiles(trx, rows);
        return this.jobs.record(trx, rows.map((row) => ({ id: row.id, ownerId: row.owner_id, kind: row.kind })));
      });
      this.jobs.submit(deliveries);
    } catch (error) {
      await Promise.all(rows.map((row) => this.removeBlob(row.blob_key)));
      throw error;
    }
    return rows.map(files.toStoredFile);
  }

  private async storeBlob(ownerId: string, part: UploadPart): Promise<PendingRow> {
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
      owner_id: ownerId,
      name,
      kind: inspector.mediaType.kind,
      content_type: inspector.mediaType.contentType,
      size: inspector.size,
      sha256: inspector.digest(),
      blob_key: blobKey,
      thumbnail_key: null,
      width: null,
      height: null,
      duration_seconds: null,
      created_at: new Date().toISOString(),
      processing: 'pending',
      failed_steps: null,
    };
  }

  async list(ownerId: string, options: ListOptions): Promise<FilePage> {
    const after = options.cursor === undefined ? undefined : toPosition(decodeCursor(options.cursor, 2));
    const q = options.q?.trim();
    const items = await files.listFiles(this.db, {
      ownerId,
      limit: options.limit + 1,
      ...(options.kind ? { kind: options.kind } : {}),
      ...(q ? { nameContains: q } : {}),
      ...(after ? { after } : {}),
    });
    const page = items.slice(0, options.limit);
    const last = page.at(-1);
    return { items: page, nextCursor: items.length > options.limit && last ? encodeCursor([last.createdAt, last.id]) : null };
  }

  /**
   * A file the user owns or was shared, or 404 — the same answer whether it is someone
   * else's or absent.
   */
  async get(userId: string, id: string): Promise<StoredFile> {
    const file = await files.findVisibleFile(this.db, userId, id);
    if (!file) throw new NotFound('file');
    return file;
  }

  /** The object check of the `file` domain: owners may write, share recipients only read. */
  /** Any file by id, whoever owns it: for other features' own checks (links, notices). */
  async findById(id: string): Promise<StoredFile | undefined> {
    return files.findFileById(this.db, id);
  }

  async check(userId: string, id: string, mode: 'read' | 'write'): Promise<'allowed' | 'hidden' | 'denied'> {
    const access = (await files.findAccess(this.db, userId, [id])).get(id);
    if (!access) return 'hidden';
    return mode === 'write' && access !== 'owner' ? 'denied' : 'allowed';
  }

  async rename(ownerId: string, id: string, rawName: string): Promise<StoredFile> {
    const name = sanitizeFileName(rawName, '');
    if (name === '') throw new InvalidRequest('The name must not be empty.', [{ field: 'name', message: 'Enter a name.' }]);
    if (!(await files.updateFileName(this.db, ownerId, id, name))) throw new NotFound('file');
    const file = await files.findOwnedFile(this.db, ownerId, id);
    if (!file) throw new NotFound('file');
    return file;
  }

  async delete(ownerId: string, id: string): Promise<void> {
    await this.deleteMany(ownerId, [id]);
  }

  /**
   * Deletes several files at once, all or none: the caller's access to every id is checked
   * in one query first; any id not visible is a 404 and any only shared with them a 403,
   * each naming the ids.
   */
  async deleteMany(ownerId: string, ids: string[]): Promise<void> {
    const unique = [...new Set(ids)];
    const access = await files.findAccess(this.db, ownerId, unique);
    const hidden = unique.filter((id) => !access.has(id));
    if (hidden.length > 0) throw new NotFound('file', hidden.map((id) => ({ field: 'ids', message: `No such file: ${id}.`, reason: id })));
    const shared = unique.filter((id) => access.get(id) !== 'owner');
    if (shared.length > 0) throw new Forbidden('Only the owner can delete a file.', shared.map((id) => ({ field: 'ids', message: `Shared with you, not yours: ${id}.`, reason: id })));
    const removed = await this.db.transaction().execute(async (trx) => {
      const rows = await files.findOwnedFiles(trx, ownerId, unique);
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

  private async removeBlob(key: string): Promise<void> {
    try {
      await this.blobs.delete(key);
    } catch (error) {
      this.log.error({ err: error, blobKey: key }, 'could not delete blob; it is left as an orphan');
    }
  }
}

function toPosition([createdAt, id]: string[]): { createdAt: string; id: string } {
  return { createdAt: createdAt!, id: id! };
}
