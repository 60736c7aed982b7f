import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { FaceImageError, type DetectedFace, type FaceBox, type FaceEngine } from '../../adapters/faces/face-engine.js';
import { extractFrame, probeAv } from '../../adapters/media/ffmpeg.js';
import type { BlobStore } from '../../adapters/storage/blob-store.js';
import type { Db } from '../../db/connect.js';
import type { StoredFile } from '../files/stored-file.js';
import type { FaceIndex } from './face-index.js';
import * as faces from './faces.repository.js';
import { ATTACH_DISTANCE, CLUSTER_DISTANCE, matchPeople, nearest, type IndexedFace } from './matching.js';

/** Larger image files are not read whole into memory for faces: they get none. */
const MAX_FACE_FILE_BYTES = 64 * 1024 * 1024;
/** Detections below this score are mostly not faces (the engine reports down to 0.5). */
const MIN_FACE_SCORE = 0.6;

/**
 * The `faces` step, for images and video posters: the face engine finds the faces (it
 * decodes, orients and shrinks the photo first), each new face is matched against the
 * owner's named people (attached, or suggested below the confidence) or else grouped with
 * the owner's unnamed faces, and the file's faces are replaced in one transaction. Bytes
 * the engine cannot read (corrupt, truncated, empty, too many pixels) give no faces; an
 * engine that cannot answer (its worker died twice, a time limit) throws, so the job is
 * retried. Nothing is written for a user who turned recognition off, or after `signal`.
 */
export function detectFacesJob(db: Db, blobs: BlobStore, engine: FaceEngine, index: FaceIndex, log: FastifyBaseLogger) {
  return async (fileId: string, signal: AbortSignal): Promise<void> => {
    const file = await faces.findFile(db, fileId);
    if (!file || !(await faces.faceRecognitionOn(db, file.ownerId))) return;
    const detected = await detectIn(file, blobs, engine, log, signal);
    if (signal.aborted) return;
    await storeFaces(db, index, file, detected.filter((face) => face.score >= MIN_FACE_SCORE));
  };
}

async function detectIn(file: StoredFile, blobs: BlobStore, engine: FaceEngine, log: FastifyBaseLogger, signal: AbortSignal): Promise<DetectedFace[]> {
  if (file.kind === 'image' && file.size > MAX_FACE_FILE_BYTES) {
    log.info({ fileId: file.id, size: file.size }, 'image too large to look for faces in');
    return [];
  }
  const local = await blobs.localFile(file.blobKey, file.size);
  try {
    const image = file.kind === 'image' ? await readFile(local.path) : await posterFrame(file, local.path, signal);
    if (!image) return [];
    return await engine.detect(image);
  } catch (error) {
    if (!(error instanceof FaceImageError)) throw error;
    log.info({ fileId: file.id, problem: error.problem }, 'no faces: the image cannot be read');
    return [];
  } finally {
    await local.release();
  }
}

/** The frame the video's thumbnail shows (see media-facts.ts), or nothing without a picture. */
async function posterFrame(file: StoredFile, path: string, signal: AbortSignal): Promise<Buffer | undefined> {
  const av = await probeAv(path, file.contentType, signal);
  if (!av.hasVideo) return undefined;
  return extractFrame(path, file.contentType, Math.min(1, (av.durationSeconds ?? 0) / 3), signal);
}

async function storeFaces(db: Db, index: FaceIndex, file: StoredFile, detected: DetectedFace[]): Promise<void> {
  const known = await index.forUser(file.ownerId);
  // Faces of this file from an earlier attempt are replaced, not matched against.
  const others = [...known.values()].filter((face) => face.fileId !== file.id);
  const named = others.filter((face) => face.personId && face.assignedBy === 'user');
  const matches = matchPeople(detected.map((face) => face.descriptor), named);
  const now = new Date().toISOString();
  const found: faces.NewFace[] = [];
  const clusterUpdates = new Map<string, string[]>();
  const clustersHere = new Set<string>();
  detected.forEach((face, i) => {
    const match = matches[i];
    const attach = match && match.distinct && match.distance <= ATTACH_DISTANCE;
    found.push({
      id: randomUUID(),
      fileId: file.id,
      ownerId: file.ownerId,
      ...clampBox(face.box),
      score: face.score,
      descriptor: face.descriptor,
      personId: attach ? match.personId : null,
      assignedBy: attach ? 'match' : null,
      suggestedPersonId: match && !attach ? match.personId : null,
      distance: match ? match.distance : null,
      clusterId: attach ? null : clusterFor(others, face.descriptor, clustersHere, clusterUpdates),
      createdAt: now,
    });
  });
  const stamp = await db.transaction().execute(async (trx) => {
    // Turned off, or the file deleted, while the engine worked: nothing is kept.
    if (!(await faces.faceRecognitionOn(trx, file.ownerId)) || !(await faces.findFile(trx, file.id))) return undefined;
    await faces.replaceFacesOfFile(trx, file.id, found);
    for (const [clusterId, ids] of clusterUpdates) await faces.setCluster(trx, file.ownerId, ids, clusterId);
    return faces.bumpFacesVersion(trx, file.ownerId);
  });
  if (!stamp) return;
  index.committed(file.ownerId, stamp, (cached) => {
    for (const [id, face] of cached) if (face.fileId === file.id) cached.delete(id);
    for (const [clusterId, ids] of clusterUpdates) for (const id of ids) cached.get(id)!.clusterId = clusterId;
    for (const face of found) cached.set(face.id, indexed(face));
  });
}

/**
 * The cluster of the nearest unnamed face from another photo, or a new one shared with it;
 * two faces of one photo never share a cluster (they are two people). No close face: none.
 */
function clusterFor(others: readonly IndexedFace[], descriptor: Float32Array, clustersHere: Set<string>, updates: Map<string, string[]>): string | null {
  for (const { face } of nearest(others, descriptor, CLUSTER_DISTANCE, (face) => face.personId === null)) {
    const pending = [...updates].find(([, ids]) => ids.includes(face.id))?.[0];
    const clusterId = face.clusterId ?? pending ?? randomUUID();
    if (clustersHere.has(clusterId)) continue;
    if (!face.clusterId && !pending) updates.set(clusterId, [face.id]);
    clustersHere.add(clusterId);
    return clusterId;
  }
  return null;
}

/** The detector may reach a little past the edge; the API promises fractions 0–1. */
function clampBox(box: FaceBox): FaceBox {
  const x = Math.min(1, Math.max(0, box.x));
  const y = Math.min(1, Math.max(0, box.y));
  return { x, y, width: Math.min(1 - x, Math.max(0, box.x + box.width - x)), height: Math.min(1 - y, Math.max(0, box.y + box.height - y)) };
}

function indexed(face: faces.NewFace): IndexedFace {
  return { id: face.id, fileId: face.fileId, personId: face.personId, assignedBy: face.assignedBy, clusterId: face.clusterId, descriptor: face.descriptor };
}
