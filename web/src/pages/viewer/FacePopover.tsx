import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, type Face, type Person } from '../../api/api';
import { peopleChanged, usePeople } from '../../api/queries';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../lib/router';

/** How many existing people are offered under the name being typed. */
const OPTIONS_SHOWN = 6;

/** Below the box, or above it when the box is in the lower part of the picture. */
function placement(face: Face) {
  const below = face.box.y + face.box.height < 0.6;
  const left = `${Math.min(face.box.x, 0.98) * 100}%`;
  return below ? { left, top: `${(face.box.y + face.box.height) * 100}%` } : { left, bottom: `${(1 - face.box.y) * 100}%` };
}

/** What a face box opens: confirm or reject a suggestion, and name (or rename) the face. */
export function FacePopover({ face, onDone }: { face: Face; onDone(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queries = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function run(action: () => Promise<unknown>, close: boolean): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await action();
      peopleChanged(queries);
      if (close) onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="face-popover" role="group" aria-label={t('faces.formLabel')} data-testid="face-popover" style={placement(face)}>
      {face.suggestion ? (
        <div className="face-suggestion">
          <p>{t('faces.isThis', { name: face.suggestion.name })}</p>
          <div className="face-popover-actions">
            <button type="button" className="btn btn--primary btn--small" disabled={busy} data-testid="face-confirm" onClick={() => void run(() => api.nameFace(face.id, { personId: face.suggestion!.id }), true)}>
              {t('faces.confirm')}
            </button>
            <button type="button" className="btn btn--secondary btn--small" disabled={busy} data-testid="face-reject" onClick={() => void run(() => api.rejectSuggestion(face.id), false)}>
              {t('faces.reject')}
            </button>
          </div>
        </div>
      ) : (
        face.person && (
          <p className="face-person-link">
            <Link to={`/people/${encodeURIComponent(face.person.id)}`} data-testid="face-person-link">
              {t('faces.openPerson', { name: face.person.name })}
            </Link>
          </p>
        )
      )}
      <NameForm face={face} busy={busy} onSubmit={(body) => run(() => api.nameFace(face.id, body), true)} onCancel={onDone} />
      {error !== null && (
        <p className="form-alert form-alert--error" role="alert">
          {errorMessage(error, i18n)}
        </p>
      )}
    </div>
  );
}

interface NameFormProps {
  face: Face;
  busy: boolean;
  onSubmit(body: { personId: string } | { name: string }): Promise<void>;
  onCancel(): void;
}

/** Type a name: existing people whose names contain it are offered; a new name makes a new person. */
function NameForm({ face, busy, onSubmit, onCancel }: NameFormProps) {
  const { t } = useI18n();
  const inputId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const people = usePeople(false).data ?? [];
  const typed = name.trim().toLocaleLowerCase();
  const current = face.person?.id;
  const options = people.filter((person) => person.id !== current && (typed === '' || person.name.toLocaleLowerCase().includes(typed))).slice(0, OPTIONS_SHOWN);
  const exact = people.find((person) => person.name.toLocaleLowerCase() === typed);

  useEffect(() => inputRef.current?.focus(), []);

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (!typed) {
      inputRef.current?.focus();
      return;
    }
    void onSubmit(exact ? { personId: exact.id } : { name: name.trim() });
  }

  const pick = (person: Person) => void onSubmit({ personId: person.id });
  return (
    <form className="face-name-form" onSubmit={handleSubmit} noValidate>
      <label htmlFor={inputId}>{face.person ? t('faces.renameLabel') : t('faces.nameLabel')}</label>
      <div className="face-name-row">
        <input
          ref={inputRef}
          id={inputId}
          value={name}
          maxLength={200}
          autoComplete="off"
          disabled={busy}
          placeholder={t('faces.namePlaceholder')}
          data-testid="face-name-input"
          onChange={(event) => setName(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              onCancel();
            }
          }}
        />
        <button type="submit" className="btn btn--primary btn--small" disabled={busy || !typed} data-testid="face-name-save">
          {busy ? t('viewer.saving') : t('viewer.save')}
        </button>
      </div>
      {options.length > 0 && (
        <ul className="face-options" aria-label={t('faces.existing')}>
          {options.map((person) => (
            <li key={person.id}>
              <button type="button" className="face-option" disabled={busy} data-testid="face-person-option" onClick={() => pick(person)}>
                {person.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
