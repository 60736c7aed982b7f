import { useI18n } from '../i18n/i18n';
import type { User } from '../api/api';
import { Link } from '../lib/router';
import { Icon } from './Icon';
import { LangSwitch } from './LangSwitch';
import { Logo } from './Logo';
import { UserMenu } from './UserMenu';
import '../styles/shell.css';

interface TopBarProps {
  user: User;
  /** The library's search box; other pages leave it out. */
  search?: { value: string; onChange(value: string): void };
  onUploadClick?(): void;
}

export function TopBar({ user, search, onUploadClick }: TopBarProps) {
  const { t } = useI18n();
  return (
    <header className="topbar">
      <Link to="/" className="topbar-brand" aria-label={t('title.gallery')}>
        <Logo size={30} />
      </Link>

      {search ? (
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
            value={search.value}
            onChange={(event) => search.onChange(event.target.value)}
          />
          {search.value && (
            <button type="button" className="search-clear" aria-label={t('gallery.clearSearch')} onClick={() => search.onChange('')}>
              <Icon name="close" size={16} />
            </button>
          )}
        </form>
      ) : (
        <div className="topbar-spacer" />
      )}

      <div className="topbar-actions">
        {/* On narrow screens the labels collapse to icons, so the names live in aria-label. */}
        {onUploadClick && (
          <button type="button" className="btn btn--primary" onClick={onUploadClick} aria-label={t('gallery.upload')}>
            <Icon name="upload" size={18} />
            <span className="hide-narrow" aria-hidden="true">
              {t('gallery.upload')}
            </span>
          </button>
        )}
        <LangSwitch compact />
        <UserMenu user={user} />
      </div>
    </header>
  );
}
