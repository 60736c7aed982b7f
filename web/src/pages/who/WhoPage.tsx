import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type ChangeEvent } from 'react';
import { LangSwitch } from '../../components/LangSwitch';
import { Logo } from '../../components/Logo';
import { Spinner } from '../../components/Spinner';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { client, parseRetryAfter, SCRIPT_REQUEST_HEADER } from '../../api/client';
import { keys } from '../../api/queries';
import '../../styles/public.css';
import '../../styles/who.css';

/** One face of POST /api/v1/who's answer; the box is in fractions of the photo's size. */
interface WhoFace {
  box: { x: number; y: number; width: number; height: number };
  match: { name: string; description?: string; url?: string; similarity: number } | null;
  searchUrl?: string;
}

type State = { status: 'idle' } | { status: 'asking' } | { status: 'answered'; faces: WhoFace[] } | { status: 'failed'; message: MessageKey; retryAfter?: number };

const FAILURES: Record<number, MessageKey> = { 400: 'who.error.damaged', 404: 'who.error.off', 413: 'who.error.tooLarge', 415: 'who.error.notImage', 429: 'who.error.limited' };

/**
 * POST /api/v1/who with the photo as the multipart part `photo`, with fetch itself: the
 * answer is read status by status (and Retry-After), which the generated client does not
 * make simpler. No credentials: the answer is the same for everyone.
 */
async function askWho(photo: File): Promise<State> {
  const body = new FormData();
  body.append('photo', photo);
  let response: Response;
  try {
    response = await fetch('/api/v1/who', { method: 'POST', body, credentials: 'omit', headers: { Accept: 'application/json', [SCRIPT_REQUEST_HEADER[0]]: SCRIPT_REQUEST_HEADER[1] } });
  } catch {
    return { status: 'failed', message: 'who.error.other' };
  }
  if (response.ok) {
    const answer = (await response.json().catch(() => null)) as { faces?: WhoFace[] } | null;
    return Array.isArray(answer?.faces) ? { status: 'answered', faces: answer.faces } : { status: 'failed', message: 'who.error.other' };
  }
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  return { status: 'failed', message: FAILURES[response.status] ?? 'who.error.other', ...(retryAfter ? { retryAfter } : {}) };
}

/**
 * GET /api/v1/who: whether the finder is on (false only when the server says so). Asking also
 * lets the server load its face model while the guest picks a photo.
 */
async function finderEnabled(): Promise<boolean> {
  const { data } = await client.GET('/api/v1/who', { credentials: 'omit' }).catch(() => ({ data: undefined }));
  return data?.enabled !== false;
}

/**
 * "Who is this?" for anyone, signed in or not: pick a photo, see each face with the notable
 * person it matches. The photo goes to the server once and is kept nowhere; this page sends
 * no credentials, so the answer is the same for everyone.
 */
export function WhoPage() {
  const { t, tn } = useI18n();
  useDocumentTitle(t('who.title'));
  const [photo, setPhoto] = useState<{ file: File; url: string } | null>(null);
  const [asked, setAsked] = useState<State>({ status: 'idle' });
  useEffect(() => () => (photo ? URL.revokeObjectURL(photo.url) : undefined), [photo]);
  // Asked afresh at each visit: the answer also wakes the server's face model.
  const finder = useQuery({ queryKey: keys.who, queryFn: finderEnabled, staleTime: 0, gcTime: 0 });

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    setPhoto({ file, url: URL.createObjectURL(file) });
    setAsked({ status: 'asking' });
    setAsked(await askWho(file));
  };

  // Before any photo, a finder that is off says so at once.
  const state: State = asked.status === 'idle' && finder.data === false ? { status: 'failed', message: 'who.error.off' } : asked;
  const faces = state.status === 'answered' ? state.faces : [];
  return (
    <div className="public-page who-page">
      <header className="public-header">
        <Logo size={30} />
        <LangSwitch />
      </header>
      <main className="public-main">
        <article className="public-card who-card">
          <h1>{t('who.title')}</h1>
          <p className="who-intro">{t('who.intro')}</p>
          <label className="btn btn--primary btn--large who-pick">
            {t('who.pick')}
            <input type="file" accept="image/jpeg,image/png,image/webp,image/gif,image/avif" onChange={choose} data-testid="who-input" hidden />
          </label>
          {photo && (
            <div className="who-stage">
              <img src={photo.url} alt={t('who.photoAlt')} />
              {faces.map((face, index) => (
                <span
                  key={index}
                  className={`who-box${face.match ? ' who-box--known' : ''}`}
                  style={{ left: `${face.box.x * 100}%`, top: `${face.box.y * 100}%`, width: `${face.box.width * 100}%`, height: `${face.box.height * 100}%` }}
                >
                  <span className="who-box-label">{index + 1}</span>
                </span>
              ))}
            </div>
          )}
          {state.status === 'asking' && <Spinner label={t('who.asking')} size={24} />}
          {state.status === 'failed' && (
            <p role="alert" className="who-error">
              {t(state.message, { seconds: state.retryAfter ?? 60 })}
            </p>
          )}
          {state.status === 'answered' && (
            <div data-testid="who-answer">
              <p>{faces.length === 0 ? t('who.noFace') : tn('who.found', faces.length)}</p>
              <ol className="who-list">
                {faces.map((face, index) => (
                  <li key={index}>
                    {face.match ? (
                      <>
                        <strong>{face.match.url ? <a href={face.match.url} rel="noopener noreferrer" target="_blank">{face.match.name}</a> : face.match.name}</strong>
                        {face.match.description && <span> — {face.match.description}</span>}
                        <span className="who-similarity"> {t('who.similarity', { percent: Math.round(face.match.similarity * 100) })}</span>
                        {face.searchUrl && (
                          <a className="who-search" href={face.searchUrl} rel="noopener noreferrer" target="_blank">
                            {t('who.search')}
                          </a>
                        )}
                      </>
                    ) : (
                      <span>{t('who.unknown')}</span>
                    )}
                  </li>
                ))}
              </ol>
            </div>
          )}
          <p className="who-privacy">{t('who.privacy')}</p>
        </article>
      </main>
    </div>
  );
}
