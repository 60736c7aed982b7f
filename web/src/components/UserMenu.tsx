import { useState } from 'react';
import { useI18n } from '../i18n/i18n';
import type { User } from '../api/api';
import { useSession } from '../session/session';
import { Avatar } from './Avatar';
import { Icon } from './Icon';
import { Menu, type MenuItem } from './Menu';
import { SignOutEverywhereDialog } from './SignOutEverywhereDialog';

/** The avatar and name in the top bar, opening the account menu. */
export function UserMenu({ user }: { user: User }) {
  const { t } = useI18n();
  const { signOut } = useSession();
  const [confirmingEverywhere, setConfirmingEverywhere] = useState(false);
  const displayName = user.name || user.username;

  const items: MenuItem[] = [
    { key: 'library', label: t('menu.library'), icon: 'image', to: '/', testId: 'menu-library' },
    { key: 'people', label: t('menu.people'), icon: 'users', to: '/people', testId: 'menu-people' },
    { key: 'shared', label: t('menu.shared'), icon: 'inbox', to: '/shared', testId: 'menu-shared' },
    { key: 'duplicates', label: t('menu.duplicates'), icon: 'copy', to: '/duplicates', testId: 'menu-duplicates' },
    { key: 'settings', label: t('menu.settings'), icon: 'settings', to: '/settings', testId: 'menu-settings', separated: true },
    { key: 'tokens', label: t('menu.tokens'), icon: 'key', to: '/tokens', testId: 'menu-tokens' },
    ...(user.isAdmin ? [{ key: 'admin', label: t('menu.admin'), icon: 'shield', to: '/admin/users', testId: 'menu-admin' } satisfies MenuItem] : []),
    { key: 'sign-out', label: t('menu.signOut'), icon: 'signOut', onSelect: () => void signOut(), testId: 'sign-out', separated: true },
    {
      key: 'sign-out-everywhere',
      label: t('menu.signOutEverywhere'),
      icon: 'monitor',
      onSelect: () => setConfirmingEverywhere(true),
      testId: 'sign-out-everywhere',
    },
  ];

  return (
    <>
      <Menu
        label={t('menu.label', { name: displayName })}
        triggerClassName="account"
        triggerTestId="user-menu"
        className="user-menu"
        trigger={
          <>
            <Avatar name={displayName} seed={user.username} />
            <span className="account-name hide-narrow">{displayName}</span>
            <Icon name="chevronDown" size={14} className="account-caret hide-narrow" />
          </>
        }
        header={
          <div className="user-menu-who">
            <Avatar name={displayName} seed={user.username} size={40} />
            <div>
              <strong>{displayName}</strong>
              <span>
                @{user.username}
                {user.isAdmin && <span className="badge badge--accent">{t('menu.adminBadge')}</span>}
              </span>
            </div>
          </div>
        }
        items={items}
      />
      <SignOutEverywhereDialog open={confirmingEverywhere} onClose={() => setConfirmingEverywhere(false)} />
    </>
  );
}
