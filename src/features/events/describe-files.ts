import { toFileJson } from '../files/file-json.js';
import type { FilesService } from '../files/files.service.js';
import type { StoredFile } from '../files/stored-file.js';

/**
 * What a stream says about a file: the JSON of GET /files/:id, the owner's files only, less
 * `permissions` — one event serves all of the owner's streams, whatever each credential's
 * scopes, so a client that needs them reads the file.
 */
export function describeOwnedFiles(files: Pick<FilesService, 'ownedFiles'>) {
  const describe = (file: StoredFile) => {
    const { permissions: _permissions, ...json } = toFileJson(file, null);
    return json;
  };
  return async (ownerId: string, ids: readonly string[]) => new Map((await files.ownedFiles(ownerId, [...ids])).map((file) => [file.id, describe(file)] as const));
}
