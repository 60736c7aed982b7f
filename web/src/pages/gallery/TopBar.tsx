import { Icon } from '../../components/Icon';
import { LangSwitch } from '../../components/LangSwitch';
import { Logo } from '../../components/Logo';
import { useI18n } from '../../i18n/i18n';
import type { User } from '../../lib/api';
import { Link } from '../../lib/router';

interface TopBarProps {
  user: User;
  search: string;
  onSearchChange(value: string): void;
  onUploadClick(): void;
  onSignOut(): void;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}

export function TopBar({ user, search, onSearchChange, onUploadClick, onSignOut }: TopBarProps) {
  const { t } = useI18n();
  return (
    <header className="topbar">
      <Link to="/" className="topbar-brand" aria-label={t('title.gallery')}>
        <Logo size={30} />
      </Link>

      <form className="search" role="search" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor="library-search" className="visually-hidden">
          {t('gallery.search')}
        </label>
        <Icon name="search" size={18} className="search-icon" />
        <input
          id="library-search"
          type="search"
          placeholder={t('gallery.search')}
          autoComplete="off"
          value={search}
          onChange={(event) => onSearchChange(event.target.value)}
        />
        {search && (
          <button type="button" className="search-clear" aria-label={t('gallery.clearSearch')} onClick={() => onSearchChange('')}>
            <Icon name="close" size={16} />
          </button>
        )}
      </form>

      <div className="topbar-actions">
        {/* On narrow screens the labels collapse to icons, so the names live in aria-label. */}
        <button type="button" className="btn btn--primary" onClick={onUploadClick} aria-label={t('gallery.upload')}>
          <Icon name="upload" size={18} />
          <span className="hide-narrow" aria-hidden="true">
            {t('gallery.upload')}
          </span>
        </button>
        <LangSwitch compact />
        <div className="account" title={t('gallery.account', { name: user.name, username: user.username })}>
          <span className="avatar" aria-hidden="true">
            {initials(user.name || user.username)}
          </span>
          <span className="account-name hide-narrow">{user.name || user.username}</span>
        </div>
        <button type="button" className="btn btn--ghost" data-testid="sign-out" onClick={onSignOut} aria-label={t('gallery.signOut')}>
          <Icon name="signOut" size={18} />
          <span className="hide-narrow" aria-hidden="true">
            {t('gallery.signOut')}
          </span>
        </button>
      </div>
    </header>
  );
}
