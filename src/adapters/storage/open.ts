import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local.js';

export async function openBlobStore(url: string): Promise<BlobStore> {
  if (url.startsWith('file:')) return LocalBlobStore.open(url.slice('file:'.length));
  throw new Error(`STORAGE_URL: unsupported storage "${url.split(':', 1)[0]}:"`);
}
