import { useCallback, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { usePublicLink } from '../../api/queries';
import { Field } from '../../components/Field';
import { Icon, KindIcon, type IconName } from '../../components/Icon';
import { LangSwitch } from '../../components/LangSwitch';
import { Logo, LogoMark } from '../../components/Logo';
import { Spinner } from '../../components/Spinner';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { ApiError, api, type PublicFile } from '../../api/api';
import { formatDuration, formatSize } from '../../lib/format';
import { FormAlert } from '../auth/AuthLayout';
import '../../styles/auth.css';
import '../../styles/public.css';

type PageState =
  | { status: 'loading' }
  | { status: 'ready'; file: PublicFile }
  | { status: 'locked' }
  | { status: 'gone' }
  | { status: 'limited'; error: ApiError }
  | { status: 'error'; error: unknown };

function stateFor(error: unknown): PageState {
  if (error instanceof ApiError && error.status === 401) return { status: 'locked' };
  if (error instanceof ApiError && error.status === 404) return { status: 'gone' };
  if (error instanceof ApiError && error.status === 429) return { status: 'limited', error };
  return { status: 'error', error };
}

/**
 * What someone without an account sees at /s/<token>: the file, or its password form, or
 * a plain explanation when the link is gone. No top bar: this page is not the app.
 */
export function PublicLinkPage({ token }: { token: string }) {
  const { t } = useI18n();
  const link = usePublicLink(token);
  const [gone, setGone] = useState(false);
  const state: PageState = gone ? { status: 'gone' } : link.isPending ? { status: 'loading' } : link.isError ? stateFor(link.error) : { status: 'ready', file: link.data };
  useDocumentTitle(state.status === 'ready' ? state.file.name : t('title.publicLink'));
  const { refetch } = link;
  const reload = useCallback(() => void refetch(), [refetch]);

  let content;
  switch (state.status) {
    case 'loading':
      content = (
        <div className="public-loading">
          <Spinner label={t('app.loading')} size={32} />
        </div>
      );
      break;
    case 'ready':
      content = <PublicFileView file={state.file} />;
      break;
    case 'locked':
      content = <PasswordForm token={token} onUnlocked={reload} onGone={() => setGone(true)} />;
      break;
    case 'gone':
      content = <Message icon="link" title={t('public.gone.title')} body={t('public.gone.body')} testId="public-gone" />;
      break;
    case 'limited':
      content = <LimitedMessage error={state.error} onRetry={reload} />;
      break;
    case 'error':
      content = <ErrorMessage error={state.error} onRetry={reload} />;
      break;
  }

  return (
    <div className={`public-page public-page--${state.status}`}>
      <header className="public-header">
        <Logo size={30} />
        <LangSwitch />
      </header>
      <main className="public-main">{content}</main>
      <footer className="public-footer">
        <LogoMark size={16} />
        <span>{t('public.sharedWith')}</span>
      </footer>
    </div>
  );
}

function PublicFileView({ file }: { file: PublicFile }) {
  const { t, locale } = useI18n();
  const [failed, setFailed] = useState(false);
  const facts = [
    formatSize(file.size, locale),
    file.width !== undefined && file.height !== undefined ? t('viewer.dimensionsValue', { width: file.width, height: file.height }) : null,
    file.durationSeconds !== undefined ? formatDuration(file.durationSeconds) : null,
  ].filter((fact): fact is string => fact !== null);

  return (
    <article className="public-card" aria-labelledby="public-file-name">
      <div className={`public-stage public-stage--${file.kind}`}>
        {file.kind === 'image' ? (
          <img className="public-image" data-testid="public-media" src={file.urls.content} alt={file.name} onError={() => setFailed(true)} />
        ) : file.kind === 'video' ? (
          <video className="public-video" data-testid="public-media" src={file.urls.content} controls playsInline preload="metadata" onError={() => setFailed(true)} />
        ) : (
          <div className="public-audio">
            <span className="public-audio-art" aria-hidden="true">
              <KindIcon kind="audio" size={48} />
            </span>
            <audio data-testid="public-media" src={file.urls.content} controls preload="metadata" onError={() => setFailed(true)} />
          </div>
        )}
        {failed && (
          <p className="public-media-error" role="alert">
            {t('viewer.mediaError')}
          </p>
        )}
      </div>
      <div className="public-info">
        <div className="public-info-text">
          <h1 id="public-file-name" title={file.name}>
            {file.name}
          </h1>
          <p className="public-facts">
            <span className={`kind-tag kind-tag--${file.kind}`}>
              <KindIcon kind={file.kind} size={14} />
              {t(`kind.${file.kind}`)}
            </span>
            {facts.map((fact) => (
              <span key={fact}>{fact}</span>
            ))}
          </p>
        </div>
        <a className="btn btn--primary btn--large" href={file.urls.download} download={file.name} data-testid="public-download">
          <Icon name="download" size={18} />
          {t('public.download')}
        </a>
      </div>
    </article>
  );
}

function PasswordForm({ token, onUnlocked, onGone }: { token: string; onUnlocked(): void; onGone(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setFailure(null);
    if (!password) {
      setFieldError(t('validation.required'));
      inputRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      // The server answers with a cookie for this link's addresses, so the player can
      // fetch (and seek in) the content without sending the password again.
      await api.unlockLink(token, password);
      onUnlocked();
    } catch (error) {
      setBusy(false);
      if (error instanceof ApiError && error.status === 401) {
        setFieldError(t('public.wrongPassword'));
        setPassword('');
        inputRef.current?.focus();
      } else if (error instanceof ApiError && error.status === 404) {
        onGone();
      } else {
        setFailure(error);
      }
    }
  }

  return (
    <section className="public-lock auth-card" aria-labelledby="public-lock-title">
      <span className="public-lock-icon" aria-hidden="true">
        <Icon name="lock" size={26} />
      </span>
      <h1 id="public-lock-title">{t('public.passwordTitle')}</h1>
      <p className="auth-subheading">{t('public.passwordBody')}</p>
      {failure !== null && <FormAlert>{errorMessage(failure, i18n)}</FormAlert>}
      <form className="auth-form" onSubmit={handleSubmit} noValidate>
        <Field
          ref={inputRef}
          id="public-password"
          data-testid="public-password"
          label={t('public.password')}
          type="password"
          autoComplete="off"
          autoFocus
          value={password}
          onChange={(event) => {
            setPassword(event.target.value);
            setFieldError(undefined);
          }}
          error={fieldError}
        />
        <SubmitButton block busy={busy} testId="public-unlock" icon={<Icon name="lock" size={16} />} label={t('public.unlock')} busyLabel={t('public.unlocking')} />
      </form>
    </section>
  );
}

function Message({ icon, title, body, action, testId, tone = 'neutral' }: { icon: IconName; title: string; body: string; action?: ReactNode; testId?: string; tone?: 'neutral' | 'warning' }) {
  return (
    <section className={`public-message public-message--${tone} auth-card`} data-testid={testId} aria-labelledby="public-message-title">
      <span className="public-message-icon" aria-hidden="true">
        <Icon name={icon} size={26} />
        {icon === 'link' && <span className="public-message-slash" />}
      </span>
      <h1 id="public-message-title">{title}</h1>
      <p>{body}</p>
      {action}
    </section>
  );
}

function LimitedMessage({ error, onRetry }: { error: ApiError; onRetry(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <Message
      icon="clock"
      tone="warning"
      testId="public-limited"
      title={t('public.rateLimited.title')}
      body={errorMessage(error, i18n)}
      action={
        <button type="button" className="btn btn--secondary" onClick={onRetry}>
          {t('error.retry')}
        </button>
      }
    />
  );
}

function ErrorMessage({ error, onRetry }: { error: unknown; onRetry(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <Message
      icon="alert"
      tone="warning"
      title={t('public.error.title')}
      body={errorMessage(error, i18n)}
      action={
        <button type="button" className="btn btn--secondary" onClick={onRetry}>
          {t('error.retry')}
        </button>
      }
    />
  );
}
