import type { Ref } from 'react';
import { Icon } from '../../components/Icon';
import { useI18n } from '../../i18n/i18n';
import type { VaultFile } from '../../api/api';
import { RenameForm } from './RenameForm';

interface ViewerBarProps {
  file: VaultFile | null;
  shared: boolean;
  renaming: boolean;
  backRef: Ref<HTMLButtonElement>;
  shareButtonRef: Ref<HTMLButtonElement>;
  onBack(): void;
  onRenamed(file: VaultFile): void;
  onRenameToggle(on: boolean): void;
  onShare(): void;
  onDelete(): void;
}

/** The viewer's top bar: back, the name (or the rename form), and what the caller may do. */
export function ViewerBar({ file, shared, renaming, backRef, shareButtonRef, onBack, onRenamed, onRenameToggle, onShare, onDelete }: ViewerBarProps) {
  const { t } = useI18n();
  // The server says what this caller may do with the file: no guessing from the page.
  const may = file?.permissions ?? { write: false, share: false };
  const readOnly = file !== null && !may.write;
  return (
    <header className="viewer-bar">
      <button ref={backRef} type="button" className="icon-btn icon-btn--dark" aria-label={shared ? t('viewer.backShared') : t('viewer.back')} data-testid="viewer-back" onClick={onBack}>
        <Icon name="arrowLeft" size={22} />
      </button>
      <div className="viewer-title">
        {file && renaming ? <RenameForm file={file} onRenamed={onRenamed} onCancel={() => onRenameToggle(false)} /> : <h1 title={file?.name}>{file?.name ?? ''}</h1>}
      </div>
      {file && (
        <div className="viewer-actions">
          {readOnly && (
            <span className="viewer-readonly" data-testid="viewer-read-only">
              <Icon name="eye" size={16} />
              <span className="hide-narrow">{t('viewer.readOnly')}</span>
            </span>
          )}
          {may.share && (
            <button ref={shareButtonRef} type="button" className="btn btn--ghost-dark" data-testid="share-button" aria-label={t('viewer.share')} aria-haspopup="dialog" onClick={onShare}>
              <Icon name="share" size={18} />
              <span className="hide-narrow" aria-hidden="true">
                {t('viewer.share')}
              </span>
            </button>
          )}
          {/* A plain link: the browser's own download manager can pause and resume it (Range, strong ETag). */}
          <a className="btn btn--ghost-dark" href={file.urls.download} download={file.name} data-testid="viewer-download" aria-label={t('viewer.download')}>
            <Icon name="download" size={18} />
            <span className="hide-narrow" aria-hidden="true">
              {t('viewer.download')}
            </span>
          </a>
          {may.write && (
            <>
              <button type="button" className="btn btn--ghost-dark" data-testid="viewer-rename" aria-label={t('viewer.rename')} aria-pressed={renaming} onClick={() => onRenameToggle(!renaming)}>
                <Icon name="pencil" size={18} />
                <span className="hide-narrow" aria-hidden="true">
                  {t('viewer.rename')}
                </span>
              </button>
              <button type="button" className="btn btn--ghost-dark btn--danger-text" data-testid="viewer-delete" aria-label={t('viewer.delete')} onClick={onDelete}>
                <Icon name="trash" size={18} />
                <span className="hide-narrow" aria-hidden="true">
                  {t('viewer.delete')}
                </span>
              </button>
            </>
          )}
        </div>
      )}
    </header>
  );
}
