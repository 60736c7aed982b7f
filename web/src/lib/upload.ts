import { API_BASE, ApiError, NETWORK_ERROR, SCRIPT_REQUEST_HEADER, getCsrfToken, notifyUnauthenticated, toApiError, type VaultFile } from '../api/api';

export interface UploadHandle {
  promise: Promise<VaultFile>;
  abort(): void;
}

export const UPLOAD_ABORTED = 'upload_aborted';

/**
 * Uploads one file in its own multipart request. XMLHttpRequest rather than fetch because
 * only XHR reports upload progress.
 */
export function uploadFile(file: File, onProgress: (sent: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<VaultFile>((resolve, reject) => {
    xhr.open('POST', `${API_BASE}/files`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader(...SCRIPT_REQUEST_HEADER);
    const token = getCsrfToken();
    if (token) xhr.setRequestHeader('X-CSRF-Token', token);

    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status === 201 || xhr.status === 200) {
        const item = (body as { items?: VaultFile[] } | undefined)?.items?.[0];
        if (item) resolve(item);
        else reject(new ApiError(xhr.status, 'unexpected_response', 'The server did not return the stored file.'));
        return;
      }
      if (xhr.status === 401) notifyUnauthenticated();
      reject(toApiError(xhr.status, body, { get: (name) => xhr.getResponseHeader(name) }));
    };
    xhr.onerror = () => reject(new ApiError(0, NETWORK_ERROR, 'The server could not be reached.'));
    xhr.onabort = () => reject(new ApiError(0, UPLOAD_ABORTED, 'The upload was cancelled.'));

    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
