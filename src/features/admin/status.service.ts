import type { BlobStore } from '../../adapters/storage/blob-store.js';

export interface StorageStatus {
  freeBytes: number | null;
  totalBytes: number | null;
  low: boolean;
}

/**
 * How full the blob store is, for /readyz and the administrators' page. Only a local folder
 * can tell; S3 has no such limit to report (a quota shows as 507 on upload).
 */
export async function storageStatus(blobs: BlobStore, lowBytes: number): Promise<StorageStatus> {
  if (!blobs.capacity) return { freeBytes: null, totalBytes: null, low: false };
  const { freeBytes, totalBytes } = await blobs.capacity();
  return { freeBytes, totalBytes, low: freeBytes < lowBytes };
}
