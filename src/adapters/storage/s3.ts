import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  S3Client,
  S3ServiceException,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { InsufficientStorage } from '../../errors.js';
import { assertBlobKey, type BlobStore, type ByteRange, type LocalFile, type StoredObject } from './blob-store.js';
import { spoolToTemporaryFile } from './spool.js';

/** Where a bucket is, as given by `s3://BUCKET?endpoint=…&region=…&forcePathStyle=true`. */
export interface S3Location {
  bucket: string;
  /** Absent for AWS S3 itself, where the SDK derives the endpoint from the region. */
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
}

/** How long Coffer waits for the S3 server before answering 503 (STORAGE_* settings). */
export interface S3Timeouts {
  /** Whole calls without a body (HEAD, DELETE, LIST) and the wait for a download's first byte. */
  requestMs: number;
  /** Transfers: how long an upload or download may go without a byte moving. */
  idleMs: number;
}

export const DEFAULT_S3_TIMEOUTS: S3Timeouts = { requestMs: 5_000, idleMs: 15_000 };

/**
 * After a failed upload, when its object and parts are deleted again. A stalled gateway may
 * still hold the request and complete it once it resumes (seen 0.4 s after), so one delete
 * is not enough: the later ones catch an object that landed after the first.
 */
const CLEANUP_DELAYS_MS = [0, 1_000, 3_000, 10_000, 30_000, 120_000];

export interface PresignedDownloadOptions {
  contentType?: string;
  contentDisposition?: string;
  expiresInSeconds?: number;
}

const URL_PARAMETERS = ['endpoint', 'region', 'forcePathStyle'];
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const EXAMPLE_URL = 's3://coffer-media?endpoint=http://127.0.0.1:7480&region=us-east-1&forcePathStyle=true';
/** Long enough to start a large download, short enough to be useless if leaked. */
const PRESIGNED_URL_SECONDS = 15 * 60;
const MiB = 1024 * 1024;
/** Memory per upload stays near (QUEUE_SIZE + 1) × PART_SIZE, whatever the file size. */
const PART_SIZE = 8 * MiB;
const QUEUE_SIZE = 2;

function invalidUrl(problem: string): Error {
  return new Error(`STORAGE_URL ${problem}; for example STORAGE_URL=${EXAMPLE_URL}`);
}

export function parseS3Url(raw: string): S3Location {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not echoed: a mistyped URL may hold a secret.
    throw invalidUrl('is not a URL');
  }
  if (url.protocol !== 's3:') throw invalidUrl(`must start with s3://, not "${url.protocol}"`);
  if (url.username || url.password) {
    throw new Error(
      'STORAGE_URL must not contain credentials: give them as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment, a profile, or an instance role instead',
    );
  }
  if (!BUCKET_NAME.test(url.hostname)) throw invalidUrl(`names the bucket "${url.hostname}", which is not a valid bucket name`);
  if (url.pathname !== '' && url.pathname !== '/') throw invalidUrl(`has a path ("${url.pathname}"); key prefixes are not supported`);
  const unknown = [...url.searchParams.keys()].filter((name) => !URL_PARAMETERS.includes(name));
  if (unknown.length > 0) throw invalidUrl(`has unknown parameters (${unknown.join(', ')}); known: ${URL_PARAMETERS.join(', ')}`);

  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(endpoint)) throw invalidUrl(`has endpoint "${endpoint}", which is not an http(s)://host:port address`);
  const forcePathStyle = url.searchParams.get('forcePathStyle') ?? 'false';
  if (forcePathStyle !== 'true' && forcePathStyle !== 'false') throw invalidUrl(`has forcePathStyle "${forcePathStyle}"; use true or false`);
  return { bucket: url.hostname, endpoint, region: url.searchParams.get('region') || 'us-east-1', forcePathStyle: forcePathStyle === 'true' };
}

/** An SDK client for `location`; credentials come only from the SDK's default chain. */
export function createS3Client(location: S3Location, timeouts: S3Timeouts = DEFAULT_S3_TIMEOUTS): S3Client {
  return new S3Client({
    region: location.region,
    forcePathStyle: location.forcePathStyle,
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    // The SDK's default (WHEN_SUPPORTED) adds a CRC to every upload, sent as an aws-chunked
    // trailer on streamed bodies, which Ceph RGW refuses (411 MissingContentLength). AWS S3
    // works either way, and Coffer keeps its own SHA-256 of every file.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A gateway that is down or stalled must fail requests, never hang them. socketTimeout
    // is an idle timeout (no byte sent or received for that long), which bounds transfers of
    // any size; calls without a body get a total deadline per call (S3BlobStore.send). A
    // reader pausing longer than the idle timeout (a paused video) loses the stream too, and
    // a player then asks again with a Range.
    requestHandler: new NodeHttpHandler({ connectionTimeout: Math.min(2_000, timeouts.requestMs), socketTimeout: timeouts.idleMs }),
    maxAttempts: 2,
  });
}

/** S3's ways of saying "no room": a quota (RGW), a full disk (MinIO, 507), an object over the server's limit. */
const NO_SPACE_ERRORS = new Set(['QuotaExceeded', 'XMinioStorageFull', 'EntityTooLarge', 'InsufficientStorage']);

function isOutOfSpace(error: unknown): boolean {
  return error instanceof S3ServiceException && (NO_SPACE_ERRORS.has(error.name) || httpStatusOf(error) === 507);
}

function httpStatusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/** Whether a HEAD request found its object or bucket: a 404 is `false`, not an error. */
async function found(head: Promise<unknown>): Promise<boolean> {
  try {
    await head;
    return true;
  } catch (error) {
    if (httpStatusOf(error) === 404) return false;
    throw error;
  }
}

function describeEndpoint(location: S3Location): string {
  return location.endpoint ?? `AWS S3 (${location.region})`;
}

/**
 * Blobs as objects in one private S3 bucket (AWS S3, Ceph RGW, MinIO, …). Uploads are
 * streamed in parts; a failed upload is aborted so no parts are left behind.
 */
export class S3BlobStore implements BlobStore {
  /** Timers of the cleanups of failed uploads still to come (cancelled by close()). */
  private readonly cleanups = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly client: S3Client,
    private readonly location: S3Location,
    private readonly timeouts: S3Timeouts,
  ) {}

  /** The store for `url`, once its bucket is known to be reachable. */
  static async open(url: string, timeouts: S3Timeouts = DEFAULT_S3_TIMEOUTS): Promise<S3BlobStore> {
    const location = parseS3Url(url);
    const store = new S3BlobStore(createS3Client(location, timeouts), location, timeouts);
    try {
      await store.check();
    } catch (error) {
      await store.close();
      throw explainUnusableBucket(error, location);
    }
    return store;
  }

  /**
   * Creates the bucket of `url` (for `coffer storage init`); one that exists and is ours is
   * left as it is. (CreateBucket cannot tell: in us-east-1 it answers 200 for an existing one.)
   */
  static async createBucket(url: string): Promise<void> {
    const location = parseS3Url(url);
    const client = createS3Client(location);
    const bucket = { Bucket: location.bucket };
    try {
      if (await found(client.send(new HeadBucketCommand(bucket)))) return;
      await client.send(
        new CreateBucketCommand({
          ...bucket,
          // AWS wants the region named everywhere but in us-east-1, where naming it is an error.
          ...(location.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: location.region as BucketLocationConstraint } }),
        }),
      );
      // What clearing tmp/ at start is for the local store: parts of uploads cut off by a
      // crash, which no abort() reached, are deleted. Only on a new bucket, so an operator's
      // own rules are never replaced.
      await client.send(
        new PutBucketLifecycleConfigurationCommand({
          ...bucket,
          LifecycleConfiguration: {
            Rules: [{ ID: 'coffer-abort-interrupted-uploads', Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
          },
        }),
      );
    } catch (error) {
      throw explainUnusableBucket(error, location);
    } finally {
      client.destroy();
    }
  }

  async put(key: string, body: Readable): Promise<void> {
    assertBlobKey(key);
    const upload = new Upload({
      client: this.client,
      // lib-storage takes the total length from any byteLength, length, size, start/end or
      // file path it finds on the body, and fails the upload when the parts disagree with
      // it (Coffer's upload inspector counts its bytes in `size`, 0 at this point). A bare
      // stream of the same bytes leaves the length unknown: parts are cut as bytes come.
      params: { Bucket: this.location.bucket, Key: key, Body: Readable.from(body, { objectMode: false }) },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
    });
    try {
      // The completion's ETag is not used: RGW returns it empty for multipart uploads.
      await upload.done();
    } catch (error) {
      // lib-storage (3.1169) already aborts the multipart upload before done() rejects;
      // this keeps "a failed put leaves no parts" true should a later version not.
      await upload.abort();
      this.forgetFailedUpload(key);
      throw isOutOfSpace(error) ? new InsufficientStorage() : error;
    }
  }

  /**
   * "A failed put stores nothing", even when the gateway did not answer: the abort sent by
   * lib-storage may have been lost, and a request it still holds may complete later. The
   * object and any multipart upload of the key are deleted now and a few times more in the
   * background (the key is new and has no row, so nothing else can be using it).
   */
  private forgetFailedUpload(key: string): void {
    for (const delay of CLEANUP_DELAYS_MS) {
      const timer = setTimeout(() => {
        this.cleanups.delete(timer);
        void this.removeUpload(key).catch(() => {
          // The gateway is still away; a later round (or `coffer fsck --repair`) removes it.
        });
      }, delay).unref();
      this.cleanups.add(timer);
    }
  }

  private async removeUpload(key: string): Promise<void> {
    const { Uploads = [] } = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.location.bucket, Prefix: key }), this.deadline());
    for (const { Key, UploadId } of Uploads) {
      if (Key === key) await this.client.send(new AbortMultipartUploadCommand({ ...this.object(key), UploadId }), this.deadline());
    }
    await this.client.send(new DeleteObjectCommand(this.object(key)), this.deadline());
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertBlobKey(key);
    // The deadline covers the wait for the answer only; the body then streams for as long
    // as bytes keep coming (the idle timeout).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`S3 did not answer within ${this.timeouts.requestMs} ms`)), this.timeouts.requestMs);
    try {
      const { Body } = await this.client.send(
        new GetObjectCommand({ ...this.object(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
        { abortSignal: deadline.signal },
      );
      // In Node the SDK's body is the HTTP response itself, an http.IncomingMessage: it
      // buffers at most its highWaterMark (16 KiB) beyond the socket, whatever the size.
      return Body as Readable;
    } catch (error) {
      if (error instanceof Error && error.name === 'NoSuchKey') {
        // The same code as the local store's missing file, so callers need not know which.
        throw Object.assign(new Error(`no blob "${key}" in bucket "${this.location.bucket}"`, { cause: error }), { code: 'ENOENT' });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.client.send(new DeleteObjectCommand(this.object(key)), this.deadline());
  }

  /** A presigned URL: ffmpeg reads it over HTTP with Range requests, so it can seek. */
  async localFile(key: string, maxBytes: number): Promise<LocalFile> {
    return spoolToTemporaryFile(await this.get(key), maxBytes);
  }

  /**
   * A short-lived URL that lets a browser download the object straight from the bucket,
   * which stays private. The headers given are part of the signature.
   */
  async presignedDownloadUrl(key: string, options: PresignedDownloadOptions = {}): Promise<string> {
    const overrides = {
      ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
      ...(options.contentDisposition ? { ResponseContentDisposition: options.contentDisposition } : {}),
    };
    return this.presignGet(key, overrides, options.expiresInSeconds ?? PRESIGNED_URL_SECONDS);
  }

  async exists(key: string): Promise<boolean> {
    assertBlobKey(key);
    return found(this.client.send(new HeadObjectCommand(this.object(key)), this.deadline()));
  }

  async *list(): AsyncIterable<StoredObject> {
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, ContinuationToken: continuationToken }), this.deadline());
      for (const { Key, LastModified } of page.Contents ?? []) {
        if (Key !== undefined && LastModified !== undefined) yield { key: Key, lastModified: LastModified };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.location.bucket }), this.deadline());
  }

  async close(): Promise<void> {
    for (const timer of this.cleanups) clearTimeout(timer);
    this.cleanups.clear();
    this.client.destroy();
  }

  /** For a call without a body: the whole call, retries included, within the request timeout. */
  private deadline(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.timeouts.requestMs) };
  }

  private object(key: string): { Bucket: string; Key: string } {
    return { Bucket: this.location.bucket, Key: key };
  }

  private presignGet(key: string, overrides: { ResponseContentType?: string; ResponseContentDisposition?: string }, expiresIn: number): Promise<string> {
    assertBlobKey(key);
    return getSignedUrl(this.client, new GetObjectCommand({ ...this.object(key), ...overrides }), { expiresIn });
  }
}

/** A sentence that says what is wrong with the bucket of STORAGE_URL and what to do. */
function explainUnusableBucket(error: unknown, location: S3Location): Error {
  const where = describeEndpoint(location);
  const status = httpStatusOf(error);
  const reason = error instanceof Error ? error.message || error.name : String(error);
  if (status === 404) return new Error(`STORAGE_URL: bucket "${location.bucket}" does not exist at ${where}; create it with \`coffer storage init\``, { cause: error });
  if (status === 403) {
    return new Error(`STORAGE_URL: access to bucket "${location.bucket}" at ${where} was refused; check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the role`, { cause: error });
  }
  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    return new Error(`STORAGE_URL: no credentials for ${where}; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or a role`, { cause: error });
  }
  if (status === undefined) return new Error(`STORAGE_URL: cannot reach the S3 endpoint ${where} (${reason})`, { cause: error });
  return new Error(`STORAGE_URL: bucket "${location.bucket}" at ${where} is not usable (HTTP ${status}: ${reason})`, { cause: error });
}
