import { Icon } from '../../components/Icon';
import { useI18n, type I18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import type { AuditEvent } from '../../api/api';
import { formatDateTimeShort } from '../../lib/format';

export const ACTIONS = [
  'account.register',
  'auth.login',
  'auth.logout',
  'auth.logout_everywhere',
  'auth.password_change',
  'token.create',
  'token.first_use',
  'token.revoke',
  'file.upload',
  'file.download',
  'file.delete',
  'share.create',
  'share.revoke',
  'link.create',
  'link.revoke',
  'link.download',
  'admin.user_update',
  'admin.sign_out',
  'cli.user_create',
  'cli.user_import',
  'cli.jobs_retry',
  'account.email_verified',
  'account.update',
  'auth.password_reset',
  'admin.jobs_view',
  'admin.jobs_retry',
  'admin.links_revoke',
  'admin.settings_update',
  'mail.ses_event',
  'mail.sns_subscribed',
  'mail.sns_unsubscribed',
  'mail.suppress',
  'mail.suppression_lift',
] as const;

type Translate = Pick<I18n, 't'>;

/** "file.upload" → "File uploaded"; an action this UI does not know yet keeps its code. */
export function actionLabel(action: string, { t }: Translate): string {
  return (ACTIONS as readonly string[]).includes(action) ? t(`audit.act.${action}` as MessageKey) : action;
}

const TARGET_KINDS = ['user', 'file', 'token', 'link', 'email'] as const;
const DETAIL_KEYS = ['name', 'size', 'with', 'scopes', 'username', 'reason', 'link', 'expiresAt', 'password', 'file', 'created', 'skipped', 'isAdmin', 'disabled', 'email', 'previousEmail', 'language', 'notices', 'retried', 'ids', 'all', 'revoked', 'type', 'bounceType', 'messageId', 'whoEnabled'] as const;

function detailKey(key: string, { t }: Translate): string {
  return (DETAIL_KEYS as readonly string[]).includes(key) ? t(`audit.key.${key}` as MessageKey) : key;
}

function detailValue(value: unknown, { t }: Translate): string {
  if (value === true) return t('audit.yes');
  if (value === false) return t('audit.no');
  if (Array.isArray(value)) return value.join(', ');
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** `{with: "bob", scopes: ["files:read"]}` → "Shared with: bob · Permissions: files:read". */
function compactDetails(details: unknown, i18n: Translate): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object' || Array.isArray(details)) return detailValue(details, i18n);
  return Object.entries(details as Record<string, unknown>)
    .map(([key, value]) => `${detailKey(key, i18n)}: ${detailValue(value, i18n)}`)
    .join(' · ');
}

/**
 * "file:5f0c…" → kind "File" and, where the event says it, the thing's name rather than its
 * id (a file's name, a user's username); ids are shortened, the whole target is in the title.
 */
function readableTarget(event: AuditEvent, { t }: Translate): { kind: string | null; value: string } | null {
  if (!event.target) return null;
  const colon = event.target.indexOf(':');
  if (colon <= 0) return { kind: null, value: event.target };
  const kind = event.target.slice(0, colon);
  const id = event.target.slice(colon + 1);
  const details = (event.details ?? {}) as Record<string, unknown>;
  const named = kind === 'file' ? details.name : kind === 'user' ? details.username : kind === 'token' ? details.name : undefined;
  const label = (TARGET_KINDS as readonly string[]).includes(kind) ? t(`audit.target.${kind}` as MessageKey) : kind;
  return { kind: label, value: typeof named === 'string' && named ? named : id.length > 12 ? `${id.slice(0, 8)}…` : id };
}

interface AuditRowProps {
  event: AuditEvent;
  locale: string;
  onPickUser(user: string): void;
  onPickAction(action: string): void;
}

export function AuditRow({ event, locale, onPickUser, onPickAction }: AuditRowProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const details = compactDetails(event.details, i18n);
  const target = readableTarget(event, i18n);
  const action = actionLabel(event.action, i18n);
  return (
    <tr data-testid="audit-row" data-action={event.action} data-outcome={event.outcome}>
      <td data-label={t('audit.col.time')} className="cell-nowrap">
        <time dateTime={event.at} title={event.at}>
          {formatDateTimeShort(event.at, locale)}
        </time>
      </td>
      <td data-label={t('audit.col.actor')}>
        <span className="two-line">
          {event.actor ? (
            <button type="button" className="actor-button" onClick={() => onPickUser(event.actor ?? '')} title={t('audit.filterBy', { value: event.actor })}>
              {event.actor}
            </button>
          ) : (
            <span className="muted">{t('audit.anonymous')}</span>
          )}
          {event.ip && (
            <span className="mono muted" title={event.userAgent ?? undefined}>
              <span className="visually-hidden">{t('audit.col.ip')} </span>
              {event.ip}
            </span>
          )}
        </span>
      </td>
      <td data-label={t('audit.col.action')}>
        <button type="button" className="action-chip" data-family={event.action.split('.')[0]} data-testid="audit-action-label" onClick={() => onPickAction(event.action)} title={`${t('audit.filterBy', { value: action })} (${event.action})`}>
          {action}
        </button>
      </td>
      <td data-label={t('audit.col.target')}>
        {target ? (
          <span className="target" title={event.target ?? undefined} data-testid="audit-target">
            {target.kind && <span className="target-kind">{target.kind}</span>}
            <span>{target.value}</span>
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td data-label={t('audit.col.outcome')}>
        <span className={`outcome outcome--${event.outcome}`}>
          <Icon name={event.outcome === 'success' ? 'check' : 'alert'} size={13} />
          {event.outcome === 'success' ? t('audit.outcome.success') : t('audit.outcome.failure')}
        </span>
      </td>
      <td data-label={t('audit.col.details')} className="cell-details">
        {details ? (
          <span className="details" title={JSON.stringify(event.details, null, 2)}>
            {details}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
