import type { FastifyBaseLogger } from 'fastify';
import type { ImageLimits } from '../../adapters/media/images.js';
import type { BlobStore } from '../../adapters/storage/blob-store.js';
import type { Db } from '../../db/connect.js';
import type { FaceEngine } from '../../adapters/faces/face-engine.js';
import { detectFacesJob } from '../faces/face-detection.js';
import type { FaceIndex } from '../faces/face-index.js';
import type { PipelineStep } from '../jobs/jobs.service.js';
import { describeMediaJob } from './media-facts.js';

/** The face step's parts; absent when FACES_ENABLED=0. */
export interface FaceWork {
  engine: FaceEngine;
  index: FaceIndex;
}

/**
 * What every new file goes through in the background, one durable job per step (see
 * features/jobs/). A new step (metadata, faces) is one more entry.
 */
export function mediaPipeline(db: Db, blobs: BlobStore, log: FastifyBaseLogger, limits: ImageLimits, faces?: FaceWork): PipelineStep[] {
  const steps: PipelineStep[] = [{ name: 'describe', appliesTo: () => true, run: describeMediaJob(db, blobs, log, limits) }];
  if (faces) steps.push({ name: 'faces', appliesTo: (file) => file.kind === 'image' || file.kind === 'video', run: detectFacesJob(db, blobs, faces.engine, faces.index, log) });
  return steps;
}
