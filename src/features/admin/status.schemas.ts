import { Type } from 'typebox';

export const StorageStatusSchema = Type.Object({
  freeBytes: Type.Union([Type.Integer(), Type.Null()], { description: 'Bytes still free where the blobs are; null when the store cannot tell (S3).' }),
  totalBytes: Type.Union([Type.Integer(), Type.Null()], { description: 'Size of the filesystem holding the blobs; null for S3.' }),
  low: Type.Boolean({ description: 'Free space is below STORAGE_LOW_BYTES: uploads will soon answer 507.' }),
});

export const AdminStatus = Type.Object({ storage: StorageStatusSchema });
