import type { InputHTMLAttributes, Ref } from 'react';
import { Icon } from './Icon';

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> & {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  ref?: Ref<HTMLInputElement>;
};

/** A labelled input whose error (or hint) is announced through aria-describedby. */
export function Field({ id, label, error, hint, ...input }: FieldProps) {
  const noteId = `${id}-note`;
  const note = error ?? hint;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={note ? noteId : undefined} {...input} />
      {error ? (
        <p id={noteId} className="field-error">
          <Icon name="alert" size={14} />
          <span>{error}</span>
        </p>
      ) : (
        hint && (
          <p id={noteId} className="field-hint">
            {hint}
          </p>
        )
      )}
    </div>
  );
}
