import { useState, type ChangeEvent } from 'react';
import type { MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/i18n';

interface FormFieldsOptions<F extends string, S> {
  initial: Record<F, string>;
  /** The fields in on-screen order: the first invalid one takes focus. */
  fields: readonly F[];
  /** The input's id (also its data-testid). */
  idOf(field: F): string;
  validate(values: Record<F, string>): Partial<Record<F, MessageKey>>;
  /** Turns a stored server error into text; server errors are plain strings by default. */
  describeServerError?(error: S): string;
  /** Called on every edit (after the value and that field's server error are updated). */
  onEdit?(): void;
}

/**
 * The state of a form of text fields: values, client-side validation (shown once the form
 * was submitted), errors the server reported per field, and focus on the first bad field.
 */
export function useFormFields<F extends string, S = string>({ initial, fields, idOf, validate, describeServerError, onEdit }: FormFieldsOptions<F, S>) {
  const { t } = useI18n();
  const [values, setValues] = useState(initial);
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<F, S>>>({});

  const clientErrors: Partial<Record<F, MessageKey>> = attempted ? validate(values) : {};
  function errorOf(field: F): string | undefined {
    const key = clientErrors[field];
    if (key) return t(key);
    const server = serverErrors[field];
    if (server === undefined) return undefined;
    return describeServerError ? describeServerError(server) : String(server);
  }

  function update(field: F, value: string): void {
    setValues((previous) => ({ ...previous, [field]: value }));
    setServerErrors((previous) => ({ ...previous, [field]: undefined }));
    onEdit?.();
  }

  function focus(field: F): void {
    document.getElementById(idOf(field))?.focus();
  }

  /** Marks the form as submitted; focuses the first invalid field and returns false if there is one. */
  function check(): boolean {
    setAttempted(true);
    const errors = validate(values);
    const firstInvalid = fields.find((field) => errors[field]);
    if (firstInvalid) focus(firstInvalid);
    return firstInvalid === undefined;
  }

  /** Shows the server's errors; focuses the first field that has one and returns whether any did. */
  function showServerErrors(byField: Partial<Record<F, S>>): boolean {
    setServerErrors(byField);
    const first = fields.find((field) => byField[field]);
    if (first) focus(first);
    return first !== undefined;
  }

  /** Empties the form after a successful submit. */
  function reset(): void {
    setValues(initial);
    setAttempted(false);
    setServerErrors({});
  }

  /** The props that tie a <Field> to one of the fields. */
  function bind(field: F) {
    const id = idOf(field);
    return {
      id,
      'data-testid': id,
      value: values[field],
      onChange: (event: ChangeEvent<HTMLInputElement>) => update(field, event.target.value),
      error: errorOf(field),
    };
  }

  return { values, bind, check, showServerErrors, setServerErrors, reset };
}
