import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { ApiError, api, type VaultFile } from '../../api/api';

interface RenameFormProps {
  file: VaultFile;
  onRenamed(file: VaultFile): void;
  onCancel(): void;
}

export function RenameForm({ file, onRenamed, onCancel }: RenameFormProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [name, setName] = useState(file.name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // Select the name without its extension, as file managers do.
    const input = inputRef.current;
    if (!input) return;
    input.focus();
    const dot = file.name.lastIndexOf('.');
    input.setSelectionRange(0, dot > 0 ? dot : file.name.length);
  }, [file.name]);

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setError(t('validation.required'));
      return;
    }
    if (trimmed === file.name) {
      onCancel();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { data } = await api.renameFile(file.id, trimmed);
      onRenamed(data);
    } catch (failure) {
      const detail = failure instanceof ApiError ? failure.details.find((d) => d.field === 'name') : undefined;
      setError(detail ? detail.message : errorMessage(failure, i18n));
      setBusy(false);
    }
  }

  return (
    <form className="rename-form" onSubmit={handleSubmit} noValidate>
      <label htmlFor="rename-input" className="visually-hidden">
        {t('viewer.renameLabel')}
      </label>
      <input
        ref={inputRef}
        id="rename-input"
        value={name}
        disabled={busy}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'rename-error' : undefined}
        onChange={(event) => setName(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            onCancel();
          }
        }}
      />
      <button type="submit" className="btn btn--primary btn--small" disabled={busy}>
        {busy ? t('viewer.saving') : t('viewer.save')}
      </button>
      <button type="button" className="btn btn--ghost-dark btn--small" onClick={onCancel} disabled={busy}>
        {t('viewer.cancel')}
      </button>
      {error && (
        <p id="rename-error" className="rename-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
