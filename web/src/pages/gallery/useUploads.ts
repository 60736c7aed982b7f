import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, kindFromMime, type FileKind } from '../../api/api';
import { UPLOAD_ABORTED, uploadFile, type UploadHandle } from '../../lib/upload';

/** At most this many uploads run at once; the rest wait their turn. */
const PARALLEL_UPLOADS = 3;

/** 'cancelled' is the person's own choice, not a failure; 'failed' includes files refused before sending. */
export type UploadStatus = 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  /** From the browser's guess at the type; null when it does not look like media. */
  kind: FileKind | null;
  status: UploadStatus;
  /** Within "uploading": waiting for a slot, sending bytes, or waiting for the server to store them. */
  phase: 'waiting' | 'sending' | 'processing';
  /** 0..1 of the bytes sent. */
  progress: number;
  error?: unknown;
  /** Stored, but the owner already had these bytes: the id of that file. */
  duplicateOf?: string;
}

interface Options {
  /** The server's upload limit, when known: larger files are refused before sending. */
  maxUploadBytes: number | null;
  /** One file was stored: the lists are read again, so it shows at once. */
  onStored(): void;
}

let nextKey = 0;

// Browsers report a MIME type from the extension. When it clearly says "not media" we can
// spare a pointless upload; when it is empty or media we let the server judge the bytes.
function obviouslyUnsupported(file: File): boolean {
  return file.type !== '' && !/^(image|audio|video)\//.test(file.type);
}

/** Why a file is refused before any byte is sent, if it is. */
function refusal(file: File, maxUploadBytes: number | null): ApiError | null {
  if (obviouslyUnsupported(file)) return new ApiError(415, 'unsupported_type', file.type);
  if (maxUploadBytes !== null && file.size > maxUploadBytes) return new ApiError(413, 'too_large', `over ${maxUploadBytes} bytes`);
  return null;
}

export function useUploads(callbacks: Options) {
  const [items, setItems] = useState<UploadItem[]>([]);
  const queue = useRef<Array<{ key: string; file: File }>>([]);
  const running = useRef(new Map<string, UploadHandle>());
  const callbacksRef = useRef(callbacks);
  useEffect(() => {
    callbacksRef.current = callbacks;
  });

  const patch = useCallback((key: string, change: Partial<UploadItem>) => {
    setItems((previous) => previous.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const pump = useCallback(() => {
    while (running.current.size < PARALLEL_UPLOADS && queue.current.length > 0) {
      const { key, file } = queue.current.shift()!;
      patch(key, { phase: 'sending' });
      const handle = uploadFile(file, (sent, total) => {
        patch(key, { progress: total ? sent / total : 0, phase: sent >= total ? 'processing' : 'sending' });
      });
      running.current.set(key, handle);
      handle.promise
        .then((stored) => {
          patch(key, { status: 'done', progress: 1, duplicateOf: stored.duplicateOf });
          callbacksRef.current.onStored();
        })
        .catch((error: unknown) => {
          const cancelled = error instanceof ApiError && error.code === UPLOAD_ABORTED;
          patch(key, cancelled ? { status: 'cancelled' } : { status: 'failed', error });
        })
        .finally(() => {
          running.current.delete(key);
          pump();
        });
    }
  }, [patch]);

  const add = useCallback(
    (files: Iterable<File>) => {
      const added: UploadItem[] = [];
      for (const file of files) {
        const key = `upload-${++nextKey}`;
        const item: UploadItem = {
          key,
          name: file.name,
          size: file.size,
          kind: kindFromMime(file.type),
          status: 'uploading',
          phase: 'waiting',
          progress: 0,
        };
        const refused = refusal(file, callbacksRef.current.maxUploadBytes);
        if (refused) {
          added.push({ ...item, status: 'failed', error: refused });
        } else {
          added.push(item);
          queue.current.push({ key, file });
        }
      }
      if (added.length === 0) return;
      // Refused files go first: a long batch would otherwise hide them below the panel's fold.
      const rejected = added.filter((item) => item.status === 'failed');
      const accepted = added.filter((item) => item.status !== 'failed');
      setItems((previous) => [...rejected, ...previous, ...accepted]);
      pump();
    },
    [pump],
  );

  const cancel = useCallback(
    (key: string) => {
      const waiting = queue.current.findIndex((entry) => entry.key === key);
      if (waiting >= 0) {
        queue.current.splice(waiting, 1);
        setItems((previous) => previous.filter((item) => item.key !== key));
        return;
      }
      running.current.get(key)?.abort();
    },
    [],
  );

  const remove = useCallback((key: string) => {
    setItems((previous) => previous.filter((item) => item.key !== key || item.status === 'uploading'));
  }, []);

  /** Empties the panel, cancelling whatever is still waiting or running. */
  const clear = useCallback(() => {
    queue.current = [];
    for (const handle of running.current.values()) handle.abort();
    setItems([]);
  }, []);

  // Leaving the page (signing out) stops the uploads rather than orphaning them.
  useEffect(() => () => {
    queue.current = [];
    for (const handle of running.current.values()) handle.abort();
  }, []);

  return { items, add, cancel, remove, clear };
}
