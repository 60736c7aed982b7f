import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { keys, useAdminUsers } from '../../api/queries';
import { Avatar } from '../../components/Avatar';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Icon } from '../../components/Icon';
import { Menu, type MenuItem } from '../../components/Menu';
import { Spinner } from '../../components/Spinner';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { ApiError, api, type AdminUser, type User } from '../../api/api';
import { formatDate, formatDateTimeShort, formatSize } from '../../lib/format';
import { useSearchParam } from '../../lib/router';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { PagedTable } from './PagedTable';

type Action = 'disable' | 'enable' | 'grant' | 'demote' | 'signOut';

const ACTION_TEXT: Record<Action, { title: MessageKey; body: MessageKey; confirm: MessageKey; done: MessageKey; tone: 'danger' | 'primary' }> = {
  disable: { title: 'admin.disable.title', body: 'admin.disable.body', confirm: 'admin.disable', done: 'admin.done.disable', tone: 'danger' },
  enable: { title: 'admin.enable.title', body: 'admin.enable.body', confirm: 'admin.enable', done: 'admin.done.enable', tone: 'primary' },
  grant: { title: 'admin.grant.title', body: 'admin.grant.body', confirm: 'admin.grant', done: 'admin.done.grant', tone: 'primary' },
  demote: { title: 'admin.demote.title', body: 'admin.demote.body', confirm: 'admin.demote', done: 'admin.done.demote', tone: 'danger' },
  signOut: { title: 'admin.signOut.title', body: 'admin.signOut.body', confirm: 'admin.signOut', done: 'admin.done.signOut', tone: 'danger' },
};

interface Pending {
  action: Action;
  user: AdminUser;
}

export function UsersTab({ me }: { me: User }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  // The search is in the address (?q=…), so a reload keeps it.
  const [urlQuery, setUrlQuery] = useSearchParam('q');
  const [search, setSearch] = useState(urlQuery);
  const q = useDebouncedValue(search.trim(), 300);
  useEffect(() => {
    if (q !== urlQuery) setUrlQuery(q);
  }, [q]);
  const list = useAdminUsers(q);
  const queries = useQueryClient();

  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  function ask(action: Action, user: AdminUser): void {
    setActionError(null);
    setPending({ action, user });
  }

  async function confirm(): Promise<void> {
    if (!pending) return;
    const { action, user } = pending;
    setBusy(true);
    setActionError(null);
    try {
      if (action === 'signOut') {
        await api.adminSignOutUser(user.id);
      } else {
        const changes = action === 'disable' || action === 'enable' ? { disabled: action === 'disable' } : { isAdmin: action === 'grant' };
        await api.adminUpdateUser(user.id, changes);
      }
      await queries.invalidateQueries({ queryKey: keys.adminUsers(q).slice(0, 2) });
      setNotice(t(ACTION_TEXT[action].done, { username: user.username }));
      setPending(null);
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  }

  function actionsFor(user: AdminUser): MenuItem[] {
    return [
      user.disabled
        ? { key: 'enable', label: t('admin.enable'), icon: 'check', onSelect: () => ask('enable', user), testId: 'admin-enable' }
        : { key: 'disable', label: t('admin.disable'), icon: 'ban', onSelect: () => ask('disable', user), testId: 'admin-disable' },
      user.isAdmin
        ? { key: 'demote', label: t('admin.demote'), icon: 'user', onSelect: () => ask('demote', user), testId: 'admin-demote' }
        : { key: 'grant', label: t('admin.grant'), icon: 'shield', onSelect: () => ask('grant', user), testId: 'admin-grant' },
      { key: 'sign-out', label: t('admin.signOut'), icon: 'signOut', onSelect: () => ask('signOut', user), testId: 'admin-sign-out', tone: 'danger', separated: true },
    ];
  }

  const text = pending ? ACTION_TEXT[pending.action] : null;
  // The server explains refusals (an administrator cannot disable or demote themselves).
  const actionErrorText = actionError instanceof ApiError && actionError.status === 400 ? actionError.message : actionError !== null ? errorMessage(actionError, i18n) : null;

  return (
    <section className="admin-section" aria-label={t('admin.tab.users')}>
      <div className="admin-toolbar">
        <div className="input-icon admin-search">
          <Icon name="search" size={18} />
          <label htmlFor="admin-user-search" className="visually-hidden">
            {t('admin.users.search')}
          </label>
          <input
            id="admin-user-search"
            type="search"
            data-testid="admin-user-search"
            placeholder={t('admin.users.searchPlaceholder')}
            autoComplete="off"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        {list.status === 'loading' && list.items.length > 0 && <Spinner size={20} />}
      </div>

      {notice && (
        <div className="form-alert form-alert--success admin-notice" role="status">
          <Icon name="check" size={16} />
          <span>{notice}</span>
          <button type="button" className="icon-btn icon-btn--small" aria-label={t('common.close')} onClick={() => setNotice(null)}>
            <Icon name="close" size={14} />
          </button>
        </div>
      )}

      <PagedTable list={list} loadError={t('admin.users.loadError')} emptyIcon="search" emptyText={t('admin.users.empty', { q })} moreTestId="admin-users-more">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t('admin.users.col.user')}</th>
              <th scope="col">{t('admin.users.col.status')}</th>
              <th scope="col" className="col-number">
                {t('admin.users.col.storage')}
              </th>
              <th scope="col">{t('admin.users.col.joined')}</th>
              <th scope="col" className="col-actions">
                <span className="visually-hidden">{t('admin.users.col.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((user) => {
              const displayName = user.name || user.username;
              return (
                <tr key={user.id} data-testid="admin-user-row" data-username={user.username} className={user.disabled ? 'is-muted' : undefined}>
                  <td className="cell-title" data-label={t('admin.users.col.user')}>
                    <span className="user-cell">
                      <Avatar name={displayName} seed={user.username} size={36} />
                      <span className="user-cell-text">
                        <strong>{displayName}</strong>
                        <span>
                          @{user.username} · {user.email}
                        </span>
                      </span>
                    </span>
                  </td>
                  <td data-label={t('admin.users.col.status')}>
                    <span className="badges">
                      {user.disabled ? (
                        <span className="badge badge--danger" data-testid="badge-disabled">
                          <Icon name="ban" size={12} />
                          {t('admin.badge.disabled')}
                        </span>
                      ) : (
                        <span className="badge badge--success">
                          <span className="dot dot--ok" aria-hidden="true" />
                          {t('admin.badge.active')}
                        </span>
                      )}
                      {user.isAdmin && (
                        <span className="badge badge--accent" data-testid="badge-admin">
                          <Icon name="shield" size={12} />
                          {t('admin.badge.admin')}
                        </span>
                      )}
                      {user.id === me.id && <span className="badge">{t('admin.badge.you')}</span>}
                    </span>
                  </td>
                  <td className="col-number" data-label={t('admin.users.col.storage')}>
                    {formatSize(user.storageBytes, locale)}
                  </td>
                  <td data-label={t('admin.users.col.joined')}>
                    <time dateTime={user.createdAt} title={formatDateTimeShort(user.createdAt, locale)}>
                      {formatDate(user.createdAt, locale)}
                    </time>
                  </td>
                  <td className="col-actions">
                    <Menu
                      label={t('admin.actions', { username: user.username })}
                      triggerClassName="icon-btn"
                      triggerTestId="admin-user-actions"
                      trigger={<Icon name="more" size={20} />}
                      items={actionsFor(user)}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </PagedTable>

      <ConfirmDialog
        open={pending !== null}
        title={pending && text ? t(text.title, { username: pending.user.username }) : ''}
        confirmLabel={text ? t(text.confirm) : ''}
        busyLabel={t('admin.working')}
        tone={text?.tone}
        busy={busy}
        error={actionErrorText || null}
        errorTestId="admin-action-error"
        confirmTestId="admin-confirm"
        onConfirm={confirm}
        onClose={() => setPending(null)}
      >
        {pending && text && <p>{t(text.body, { name: pending.user.name || pending.user.username })}</p>}
      </ConfirmDialog>
    </section>
  );
}
