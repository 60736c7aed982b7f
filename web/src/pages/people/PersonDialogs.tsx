import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, api, type Person } from '../../api/api';
import { peopleChanged, usePeople } from '../../api/queries';
import { Field } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';

/** A field's own message from a 400, else null (the error is shown for the whole form). */
const fieldError = (error: unknown, field: string) => (error instanceof ApiError ? (error.details.find((detail) => detail.field === field)?.message ?? null) : null);

/** Rename a person and set (or clear) their link. */
export function EditPersonDialog({ person, onClose }: { person: Person; onClose(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queries = useQueryClient();
  const [name, setName] = useState(person.name);
  const [link, setLink] = useState(person.link ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (!name.trim()) {
      setError(new ApiError(400, 'validation', t('validation.required'), [{ field: 'name', message: t('validation.required') }]));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.updatePerson(person.id, { name: name.trim(), link: link.trim() ? link.trim() : null });
      peopleChanged(queries);
      onClose();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  const nameError = fieldError(error, 'name');
  const linkError = fieldError(error, 'link');
  return (
    <Modal title={t('people.editTitle', { name: person.name })} onClose={onClose} testId="person-edit">
      <form className="person-form" onSubmit={handleSubmit} noValidate>
        <Field id="person-name" label={t('people.name')} value={name} maxLength={200} data-autofocus data-testid="person-name" error={nameError ?? undefined} onChange={(event) => setName(event.target.value)} />
        <Field id="person-link" label={t('people.link')} type="url" value={link} placeholder="https://" hint={t('people.linkHint')} data-testid="person-link" error={linkError ?? undefined} onChange={(event) => setLink(event.target.value)} />
        {error !== null && !nameError && !linkError && (
          <p className="form-alert form-alert--error" role="alert">
            {errorMessage(error, i18n)}
          </p>
        )}
        <div className="person-form-actions">
          <button type="button" className="btn btn--secondary" onClick={onClose} disabled={busy}>
            {t('common.cancel')}
          </button>
          <SubmitButton label={t('viewer.save')} busyLabel={t('viewer.saving')} busy={busy} testId="person-save" />
        </div>
      </form>
    </Modal>
  );
}

/** Merge this person into another: the other keeps its name, gets every face, this one goes. */
export function MergePersonDialog({ person, onClose, onMerged }: { person: Person; onClose(): void; onMerged?(into: Person): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queries = useQueryClient();
  const others = (usePeople(true).data ?? []).filter((candidate) => candidate.id !== person.id);
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (!target) return;
    setBusy(true);
    setError(null);
    try {
      const { data } = await api.mergePeople(target, [person.id]);
      peopleChanged(queries);
      onMerged?.(data.person);
      onClose();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <Modal title={t('people.mergeTitle', { name: person.name })} onClose={onClose} testId="person-merge">
      <form className="person-form" onSubmit={handleSubmit} noValidate>
        <p className="muted">{t('people.mergeBody', { name: person.name })}</p>
        {others.length === 0 ? (
          <p>{t('people.mergeNone')}</p>
        ) : (
          <div className="field">
            <label htmlFor="merge-target">{t('people.mergeInto')}</label>
            <select id="merge-target" className="select" value={target} data-autofocus data-testid="merge-target" onChange={(event) => setTarget(event.target.value)}>
              <option value="">{t('people.mergePick')}</option>
              {others.map((other) => (
                <option key={other.id} value={other.id}>
                  {other.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {error !== null && (
          <p className="form-alert form-alert--error" role="alert">
            {errorMessage(error, i18n)}
          </p>
        )}
        <div className="person-form-actions">
          <button type="button" className="btn btn--secondary" onClick={onClose} disabled={busy}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn--primary" disabled={busy || !target} data-testid="merge-confirm">
            {busy ? t('people.merging') : t('people.merge')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
