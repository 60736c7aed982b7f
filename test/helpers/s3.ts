import { randomUUID } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  ListMultipartUploadsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client, parseS3Url, S3BlobStore } from '../../src/adapters/storage/s3.js';

export const S3_MISSING = 'S3 is not configured: start Ceph with scripts/services/ceph-s3-start.sh /tmp/coffer-ceph and source /tmp/coffer-ceph/s3.env';

/** An S3 server to test against, from the variables `ceph-s3-start.sh` writes to s3.env. */
export const hasS3 = Boolean(process.env.S3_ENDPOINT && process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY);

export interface TestBucket {
  /** The bucket as a STORAGE_URL (`s3://…`). */
  url: string;
  /** Deletes the bucket with every object and unfinished upload in it. */
  cleanup(): Promise<void>;
}

/** A fresh, empty bucket on the configured S3 server, or undefined when there is none. */
export async function createTestBucket(): Promise<TestBucket | undefined> {
  if (!hasS3) return undefined;
  const parameters = new URLSearchParams({
    endpoint: process.env.S3_ENDPOINT!,
    region: process.env.S3_REGION ?? 'us-east-1',
    forcePathStyle: process.env.S3_FORCE_PATH_STYLE ?? 'true',
  });
  const url = `s3://coffer-test-${randomUUID()}?${parameters}`;
  await S3BlobStore.createBucket(url);
  return { url, cleanup: () => deleteBucket(url) };
}

async function deleteBucket(url: string): Promise<void> {
  const location = parseS3Url(url);
  const { bucket } = location;
  const client = createS3Client(location);
  const store = await S3BlobStore.open(url);
  try {
    for (const upload of await unfinishedUploads(client, bucket)) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.uploadId }));
    }
    for await (const { key } of store.list()) await store.delete(key);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    await store.close();
    client.destroy();
  }
}

/** Multipart uploads begun and neither completed nor aborted. */
export async function unfinishedUploads(client: S3Client, bucket: string): Promise<Array<{ key: string; uploadId: string }>> {
  const { Uploads = [] } = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return Uploads.map((upload) => ({ key: upload.Key ?? '', uploadId: upload.UploadId ?? '' }));
}
