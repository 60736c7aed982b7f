import { Icon } from '../../components/Icon';
import { useI18n } from '../../i18n/i18n';
import type { DuplicateGroup, VaultFile } from '../../api/api';
import { formatSize } from '../../lib/format';
import { Tile } from '../gallery/Tile';

interface DuplicateGroupSectionProps {
  group: DuplicateGroup;
  /** A removal is being confirmed or sent: the buttons wait. */
  busy: boolean;
  onDelete(file: VaultFile): void;
  onKeepOnly(file: VaultFile): void;
}

/** One content stored several times: each copy with "Delete" and "Keep only this". */
export function DuplicateGroupSection({ group, busy, onDelete, onKeepOnly }: DuplicateGroupSectionProps) {
  const { t, tn, locale } = useI18n();
  return (
    <section className="day duplicate-group" data-testid="duplicate-group" data-count={group.count}>
      <h2 className="day-heading">
        {tn('duplicates.copies', group.count)} · {formatSize(group.size, locale)}
      </h2>
      <ul className="grid">
        {group.files.map((file, index) => (
          <li key={file.id} data-testid="duplicate-file" data-name={file.name} data-original={index === 0 ? 'true' : undefined}>
            <Tile file={file} />
            <div className="duplicate-actions">
              <button
                type="button"
                className="btn btn--secondary btn--small"
                data-testid="duplicate-keep"
                aria-label={t('duplicates.keepOnlyLabel', { name: file.name })}
                title={t('duplicates.keepOnlyLabel', { name: file.name })}
                disabled={busy}
                onClick={() => onKeepOnly(file)}
              >
                <Icon name="check" size={15} />
                <span aria-hidden="true">{t('duplicates.keepOnly')}</span>
              </button>
              <button
                type="button"
                className="btn btn--ghost-danger btn--small"
                data-testid="duplicate-delete"
                aria-label={t('duplicates.deleteCopyLabel', { name: file.name })}
                title={t('duplicates.deleteCopy')}
                disabled={busy}
                onClick={() => onDelete(file)}
              >
                {/* An icon only: two labelled buttons do not fit under a tile. */}
                <Icon name="trash" size={16} />
              </button>
            </div>
            {/* Under the buttons, so that every copy's buttons line up. */}
            {index === 0 && <span className="duplicate-original muted">{t('duplicates.original')}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
