import { ApiError, NETWORK_ERROR, UNEXPECTED_RESPONSE } from '../api/api';
import { UPLOAD_ABORTED } from '../lib/upload';
import type { I18n } from './i18n';

/** A sentence for a person, in the current language where the UI knows the case. */
export function errorMessage(error: unknown, { t, tn }: Pick<I18n, 't' | 'tn'>): string {
  if (!(error instanceof ApiError)) return t('error.generic');
  if (error.code === NETWORK_ERROR) return t('error.network');
  if (error.status === 429) {
    const seconds = error.retryAfterSeconds;
    if (!seconds) return t('error.rateLimitedNoWait');
    return seconds < 90 ? tn('error.rateLimited', seconds) : tn('error.rateLimitedMinutes', Math.ceil(seconds / 60));
  }
  // 5xx sentences are deliberately vague on the server side; ours is translated.
  if (error.status >= 500 || error.code === UNEXPECTED_RESPONSE) return t('error.generic');
  return error.message;
}

export function uploadErrorMessage(error: unknown, i18n: Pick<I18n, 't' | 'tn'>): string {
  if (error instanceof ApiError) {
    if (error.status === 413) return i18n.t('upload.tooLarge');
    if (error.status === 415) return i18n.t('upload.unsupported');
    if (error.code === NETWORK_ERROR) return i18n.t('upload.network');
    if (error.code === UPLOAD_ABORTED) return i18n.t('upload.cancelled');
  }
  return errorMessage(error, i18n);
}
