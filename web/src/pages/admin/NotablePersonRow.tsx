import { useRef, type ChangeEvent } from 'react';
import { Icon } from '../../components/Icon';
import { Spinner } from '../../components/Spinner';
import { useI18n } from '../../i18n/i18n';
import type { NotablePerson } from '../../api/api';

/** The types the photo routes accept (API.md); the server judges by the bytes anyway. */
const PHOTO_TYPES = 'image/jpeg,image/png,image/webp,image/gif,image/avif';

interface NotablePersonRowProps {
  person: NotablePerson;
  /** This person's photos are being read by the server. */
  uploading: boolean;
  /** Another action is running: the buttons wait. */
  disabled: boolean;
  onPhotos(person: NotablePerson, photos: File[]): void;
  onDelete(person: NotablePerson): void;
}

/** One notable person: who they are, how many reference faces they have, and their actions. */
export function NotablePersonRow({ person, uploading, disabled, onPhotos, onDelete }: NotablePersonRowProps) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);

  function chosen(event: ChangeEvent<HTMLInputElement>): void {
    const photos = [...(event.target.files ?? [])];
    // Cleared, so that choosing the same photo again (after fixing it) is a change too.
    event.target.value = '';
    if (photos.length > 0) onPhotos(person, photos);
  }

  return (
    <tr data-testid="person-row" data-name={person.name} data-faces={person.photoCount}>
      <td className="cell-title" data-label={t('notable.col.person')}>
        <span className="user-cell-text">
          <strong>{person.name}</strong>
          {person.description && <span>{person.description}</span>}
          {person.url && (
            <a href={person.url} target="_blank" rel="noopener noreferrer" className="person-url">
              {person.url}
            </a>
          )}
        </span>
      </td>
      <td className="col-number" data-label={t('notable.col.faces')} data-testid="person-faces">
        {person.photoCount > 0 ? person.photoCount : <span className="badge badge--danger">{t('notable.noFaces')}</span>}
      </td>
      <td className="col-actions">
        <span className="person-actions">
          <button
            type="button"
            className="btn btn--secondary btn--small"
            data-testid="person-add-photos"
            aria-label={t('notable.addPhotosLabel', { name: person.name })}
            disabled={disabled}
            onClick={() => input.current?.click()}
          >
            {uploading ? <Spinner size={14} /> : <Icon name="upload" size={15} />}
            <span aria-hidden="true">{uploading ? t('notable.reading') : t('notable.addPhotos')}</span>
          </button>
          <input ref={input} type="file" accept={PHOTO_TYPES} multiple hidden data-testid="person-photos-input" onChange={chosen} />
          <button
            type="button"
            className="btn btn--ghost-danger btn--small"
            data-testid="person-delete"
            aria-label={t('notable.deleteLabel', { name: person.name })}
            disabled={disabled}
            onClick={() => onDelete(person)}
          >
            <Icon name="trash" size={15} />
            <span aria-hidden="true">{t('notable.delete')}</span>
          </button>
        </span>
      </td>
    </tr>
  );
}
