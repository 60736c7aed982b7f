import type { FastifyRequest } from 'fastify';
import { verdictFor, type FileRight, type ObjectMode, type ObjectRule } from '../../access/rules.js';
import type { Db } from '../../db/connect.js';
import { Forbidden, NotFound } from '../../errors.js';
import type { StoredFile } from '../files/stored-file.js';
import * as access from './access.repository.js';

/** A file a route's object rule loaded, with the caller's right to it. */
export interface LoadedFile {
  file: StoredFile;
  right: FileRight;
}

/**
 * Who may reach which files and links, for the routes' declarations (the object rules the
 * access plugin runs) and for the services (bulk checks) alike. Every check takes a set of
 * ids and costs one query.
 */
export class AccessService {
  constructor(private readonly db: Db) {}

  /** How the user may reach each of `ids`; absent ids are not reachable. */
  fileRights(userId: string, ids: ReadonlySet<string>): Promise<Map<string, FileRight>> {
    return access.findFileRights(this.db, userId, ids);
  }

  /**
   * All or nothing: every id must be reachable in `mode`. Any id not visible is a 404 and
   * any only shared (for a write) a 403, each naming the ids.
   */
  async requireFiles(userId: string, ids: ReadonlySet<string>, mode: ObjectMode): Promise<void> {
    const rights = await this.fileRights(userId, ids);
    const hidden = [...ids].filter((id) => verdictFor(rights.get(id), mode) === 'hidden');
    if (hidden.length > 0) throw new NotFound('file', hidden.map((id) => ({ field: 'ids', message: `No such file: ${id}.`, reason: id })));
    const denied = [...ids].filter((id) => verdictFor(rights.get(id), mode) === 'denied');
    if (denied.length > 0) throw new Forbidden('Only the owner can delete a file.', denied.map((id) => ({ field: 'ids', message: `Shared with you, not yours: ${id}.`, reason: id })));
  }

  /** Who owns the file each of `ids` links to; absent ids are no live link's. */
  linkOwners(ids: ReadonlySet<string>): Promise<Map<string, string>> {
    return access.findLinkOwners(this.db, ids);
  }

  /** The `file` domain: the file, the right and the caller's account in one query. */
  readonly fileRule: ObjectRule = {
    loadsAccount: true,
    check: async (userId, id, mode) => {
      const found = await access.findFileWithAccount(this.db, userId, id);
      const verdict = verdictFor(found.right, mode);
      return {
        verdict,
        ...(found.account ? { account: found.account } : {}),
        ...(verdict !== 'hidden' && found.file && found.right ? { object: { file: found.file, right: found.right } satisfies LoadedFile } : {}),
      };
    },
  };

  /** The `link` domain: only the owner of the linked file manages a link; to anyone else it does not exist. */
  readonly linkRule: ObjectRule = {
    loadsAccount: false,
    check: async (userId, id) => ({ verdict: (await access.findLinkOwners(this.db, new Set([id]))).get(id) === userId ? 'allowed' : 'hidden' }),
  };
}

/** The file the route's `file` object rule loaded for this request (never read twice). */
export function loadedFile(request: FastifyRequest): LoadedFile {
  const loaded = request.accessObject as LoadedFile | null;
  // A route reaching here without its file declared the wrong rule: a bug, not a 404.
  if (!loaded?.file) throw new Error(`${request.method} ${request.routeOptions.url} reads a file but declares no file object rule`);
  return loaded;
}
