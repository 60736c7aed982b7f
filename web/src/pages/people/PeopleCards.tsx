import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, type FaceCluster, type Person } from '../../api/api';
import { peopleChanged } from '../../api/queries';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../lib/router';
import { FaceCrop } from './FaceCrop';
import { PersonActions } from './PersonActions';

const CROP_PX = 120;

/** One person: their cover face, name and how many photos, with the actions menu. */
export function PersonCard({ person }: { person: Person }) {
  const { t, tn } = useI18n();
  return (
    <li className={`person-card${person.hidden ? ' person-card--hidden' : ''}`} data-testid="person-card" data-name={person.name} data-hidden={person.hidden}>
      <Link to={`/people/${encodeURIComponent(person.id)}`} className="person-card-link">
        <FaceCrop face={person.coverFace} name={person.name} size={CROP_PX} />
        <span className="person-card-name">{person.name}</span>
        <span className="person-card-count muted" data-testid="person-photo-count">
          {tn('people.photos', person.fileCount)}
          {person.hidden && <span className="badge">{t('people.hiddenBadge')}</span>}
        </span>
      </Link>
      <div className="person-card-menu">
        <PersonActions person={person} />
      </div>
    </li>
  );
}

/** A group of unnamed faces that look alike: its best face, its size, and a name to give it. */
export function ClusterCard({ cluster }: { cluster: FaceCluster }) {
  const i18n = useI18n();
  const { t, tn } = i18n;
  const queries = useQueryClient();
  const inputId = useId();
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await api.createPerson({ name: name.trim(), faceIds: cluster.faceIds });
      peopleChanged(queries);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <li className="person-card person-card--cluster" data-testid="cluster-card" data-faces={cluster.faceCount}>
      <FaceCrop face={cluster.coverFace} name="?" size={CROP_PX} />
      <span className="person-card-count muted">{tn('people.faces', cluster.faceCount)}</span>
      {naming ? (
        <form className="cluster-form" onSubmit={handleSubmit} noValidate>
          <label htmlFor={inputId} className="visually-hidden">
            {t('people.name')}
          </label>
          <input id={inputId} value={name} maxLength={200} autoFocus disabled={busy} placeholder={t('faces.namePlaceholder')} data-testid="cluster-name-input" onChange={(event) => setName(event.target.value)} />
          <div className="cluster-form-actions">
            <button type="button" className="btn btn--secondary btn--small" disabled={busy} onClick={() => setNaming(false)}>
              {t('common.cancel')}
            </button>
            <button type="submit" className="btn btn--primary btn--small" disabled={busy || !name.trim()} data-testid="cluster-name-save">
              {busy ? t('viewer.saving') : t('viewer.save')}
            </button>
          </div>
          {error !== null && (
            <p className="form-alert form-alert--error" role="alert">
              {errorMessage(error, i18n)}
            </p>
          )}
        </form>
      ) : (
        <button type="button" className="btn btn--secondary btn--small" data-testid="cluster-name" onClick={() => setNaming(true)}>
          {t('people.nameGroup')}
        </button>
      )}
    </li>
  );
}
