import type { Caller } from '../../domain/access.js';
import type { ListedFile } from './stored-file.js';

const BASE = '/api/v1/files';

/**
 * What the caller may do with a file: only its owner writes or shares it, and only with a
 * credential whose scopes allow it. Share recipients and link visitors (no caller) get neither.
 */
export function permissionsOf(file: Pick<ListedFile, 'ownerId'>, caller: Caller | null) {
  const owner = caller !== null && caller.user.id === file.ownerId;
  return { write: owner && caller.scopes.has('files:write'), share: owner && caller.scopes.has('shares:write') };
}

/** The API's view of a file (API.md `file`), as `caller` sees it (null: a public-link visitor). */
export function toFileJson(file: ListedFile, caller: Caller | null) {
  const content = `${BASE}/${file.id}/content`;
  return {
    id: file.id,
    name: file.name,
    kind: file.kind,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    createdAt: file.createdAt,
    takenAt: file.takenAt,
    ...(file.width !== null ? { width: file.width } : {}),
    ...(file.height !== null ? { height: file.height } : {}),
    ...(file.durationSeconds !== null ? { durationSeconds: file.durationSeconds } : {}),
    metadata: { takenAtSource: file.takenAtSource, ...file.metadata },
    urls: { content, download: `${content}?download=1`, ...(file.thumbnailKey ? { thumbnail: `${BASE}/${file.id}/thumbnail` } : {}) },
    processing: { status: file.processing, failedSteps: file.failedSteps },
    permissions: permissionsOf(file, caller),
  };
}
