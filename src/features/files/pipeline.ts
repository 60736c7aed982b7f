import type { FastifyBaseLogger } from 'fastify';
import type { ImageLimits } from '../../adapters/media/images.js';
import type { BlobStore } from '../../adapters/storage/blob-store.js';
import type { Db } from '../../db/connect.js';
import type { PipelineStep } from '../jobs/jobs.service.js';
import { describeMediaJob } from './media-facts.js';

/**
 * What every new file goes through in the background, one durable job per step (see
 * features/jobs/). A new step (metadata, faces) is one more entry.
 */
export function mediaPipeline(db: Db, blobs: BlobStore, log: FastifyBaseLogger, limits: ImageLimits): PipelineStep[] {
  return [{ name: 'describe', appliesTo: () => true, run: describeMediaJob(db, blobs, log, limits) }];
}
