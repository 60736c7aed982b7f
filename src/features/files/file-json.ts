import type { StoredFile } from './stored-file.js';

const BASE = '/api/v1/files';

/** The API's view of a file (API.md `file`). */
export function toFileJson(file: StoredFile) {
  const content = `${BASE}/${file.id}/content`;
  return {
    id: file.id,
    name: file.name,
    kind: file.kind,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    createdAt: file.createdAt,
    ...(file.width !== null ? { width: file.width } : {}),
    ...(file.height !== null ? { height: file.height } : {}),
    ...(file.durationSeconds !== null ? { durationSeconds: file.durationSeconds } : {}),
    urls: { content, download: `${content}?download=1`, ...(file.thumbnailKey ? { thumbnail: `${BASE}/${file.id}/thumbnail` } : {}) },
    processing: { status: file.processing, failedSteps: file.failedSteps },
  };
}
