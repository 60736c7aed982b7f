import { useState, type FormEvent } from 'react';
import { Field } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useI18n, type I18n } from '../../i18n/i18n';
import { ApiError, api, type NewNotablePerson, type NotablePerson } from '../../api/api';
import { FormAlert } from '../auth/AuthLayout';

type FieldName = 'name' | 'description' | 'url';
type FieldErrors = Partial<Record<FieldName, string>>;

/** The server's limits (people.routes.ts), checked here first so that each field says what is wrong. */
const MAX = { name: 200, description: 1000, url: 2000 } as const;

function isWebAddress(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

function validate(person: Required<NewNotablePerson>, { t }: Pick<I18n, 't'>): FieldErrors {
  const errors: FieldErrors = {};
  if (!person.name.trim()) errors.name = t('validation.required');
  else if (person.name.length > MAX.name) errors.name = t('notable.tooLong', { max: MAX.name });
  if (person.description.length > MAX.description) errors.description = t('notable.tooLong', { max: MAX.description });
  if (person.url && (person.url.length > MAX.url || !isWebAddress(person.url))) errors.url = t('notable.badUrl');
  return errors;
}

/** A 400's details, by field, in our words where we know the case and the server's otherwise. */
function serverFieldErrors(error: unknown, { t }: Pick<I18n, 't'>): FieldErrors {
  const errors: FieldErrors = {};
  if (!(error instanceof ApiError) || error.status !== 400) return errors;
  for (const detail of error.details) {
    if (detail.field === 'url') errors.url = t('notable.badUrl');
    else if (detail.field === 'name' || detail.field === 'description') errors[detail.field] = detail.reason === 'maxLength' ? t('notable.tooLong', { max: MAX[detail.field] }) : detail.message;
  }
  return errors;
}

/** Name, description and web page of a new notable person (POST /admin/notable-people). */
export function NotablePersonForm({ onCreated }: { onCreated(person: NotablePerson): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [person, setPerson] = useState<Required<NewNotablePerson>>({ name: '', description: '', url: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  function change(field: FieldName, value: string): void {
    setPerson((previous) => ({ ...previous, [field]: value }));
    setErrors((previous) => ({ ...previous, [field]: undefined }));
  }

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setFailure(null);
    const trimmed = { name: person.name.trim(), description: person.description.trim(), url: person.url.trim() };
    const found = validate(trimmed, i18n);
    setErrors(found);
    const first = (['name', 'description', 'url'] as const).find((field) => found[field]);
    if (first) {
      document.getElementById(`person-${first}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const { data } = await api.createNotablePerson({ name: trimmed.name, ...(trimmed.description ? { description: trimmed.description } : {}), ...(trimmed.url ? { url: trimmed.url } : {}) });
      setPerson({ name: '', description: '', url: '' });
      onCreated(data);
    } catch (error) {
      const byField = serverFieldErrors(error, i18n);
      if (Object.keys(byField).length > 0) setErrors(byField);
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card-form" onSubmit={submit} noValidate data-testid="person-form">
      {failure !== null && <FormAlert>{errorMessage(failure, i18n)}</FormAlert>}
      <div className="person-form-row">
        <Field
          id="person-name"
          data-testid="person-name"
          label={t('notable.name')}
          autoComplete="off"
          value={person.name}
          onChange={(event) => change('name', event.target.value)}
          error={errors.name}
        />
        <Field
          id="person-url"
          data-testid="person-url"
          type="url"
          inputMode="url"
          label={t('notable.url')}
          placeholder="https://"
          autoComplete="off"
          value={person.url}
          onChange={(event) => change('url', event.target.value)}
          error={errors.url}
          hint={t('notable.urlHint')}
        />
      </div>
      <Field
        id="person-description"
        data-testid="person-description"
        label={t('notable.description')}
        autoComplete="off"
        value={person.description}
        onChange={(event) => change('description', event.target.value)}
        error={errors.description}
        hint={t('notable.descriptionHint')}
      />
      <div className="card-actions">
        <SubmitButton busy={busy} testId="person-create" icon={<Icon name="userPlus" size={18} />} label={t('notable.create')} busyLabel={t('notable.creating')} />
      </div>
    </form>
  );
}
