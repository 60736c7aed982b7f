import type { Executor } from '../../db/connect.js';

/** A file's blobs: its bytes, and its thumbnail when one was made. */
export interface BlobReference {
  fileId: string;
  blobKey: string;
  thumbnailKey: string | null;
}

export async function listBlobReferences(db: Executor): Promise<BlobReference[]> {
  const rows = await db.selectFrom('files').select(['id', 'blob_key', 'thumbnail_key']).execute();
  return rows.map((row) => ({ fileId: row.id, blobKey: row.blob_key, thumbnailKey: row.thumbnail_key }));
}
