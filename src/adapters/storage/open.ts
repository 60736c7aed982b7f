import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local.js';
import type { S3Timeouts } from './s3.js';

/**
 * The blob store STORAGE_URL names: `file:PATH` or `s3://BUCKET?…`. `writer` names this
 * process's temporary files in a local folder (see LocalBlobStore.open).
 */
export async function openBlobStore(url: string, writer?: string, s3Timeouts?: S3Timeouts): Promise<BlobStore> {
  if (url.startsWith('file:')) return LocalBlobStore.open(url.slice('file:'.length), writer);
  // The AWS SDK is loaded only when S3 is chosen.
  if (url.startsWith('s3://')) return (await import('./s3.js')).S3BlobStore.open(url, s3Timeouts);
  const scheme = url.split(':', 1)[0];
  throw new Error(`STORAGE_URL uses "${scheme}:", which Coffer does not support (supported: file:, s3://); for example STORAGE_URL=file:./data/blobs`);
}
