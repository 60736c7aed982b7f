import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent, type InputHTMLAttributes } from 'react';
import { Field } from '../../components/Field';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { Link } from '../../lib/router';
import { AuthLayout, FormAlert } from '../auth/AuthLayout';

interface MailFormProps {
  heading: string;
  subheading: string;
  /** The one input: its id, label, hint and input attributes (type, autoComplete, …). */
  field: { id: string; label: string; hint?: string } & Pick<InputHTMLAttributes<HTMLInputElement>, 'type' | 'autoComplete' | 'minLength'>;
  submitLabel: string;
  submitTestId: string;
  /** Shown instead of the form once `send` succeeded. */
  doneText: string;
  send(value: string): Promise<unknown>;
  /** A refusal worth its own words (an invalid link); others get the usual error text. */
  describeFailure?(error: unknown): string | null;
}

/**
 * A signed-out page with one field that sends something by mail or from a mail's link
 * (forgot password, reset password): the field, its failure, then what happened.
 */
export function MailForm({ heading, subheading, field, submitLabel, submitTestId, doneText, send, describeFailure }: MailFormProps) {
  const i18n = useI18n();
  const { t } = i18n;
  useDocumentTitle(heading);
  const [value, setValue] = useState('');
  const mutation = useMutation({ mutationFn: send });

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    mutation.mutate(value);
  }

  const failure = mutation.isError ? (describeFailure?.(mutation.error) ?? errorMessage(mutation.error, i18n)) : null;
  return (
    <AuthLayout heading={heading} subheading={subheading} aside={<Link to="/login">{t('mail.backToSignIn')}</Link>}>
      {mutation.isSuccess ? (
        <FormAlert tone="info">{doneText}</FormAlert>
      ) : (
        <form onSubmit={submit} noValidate>
          {failure ? <FormAlert>{failure}</FormAlert> : null}
          <Field id={field.id} label={field.label} hint={field.hint} type={field.type} autoComplete={field.autoComplete} minLength={field.minLength} required value={value} onChange={(event) => setValue(event.target.value)} />
          <SubmitButton testId={submitTestId} busy={mutation.isPending} label={submitLabel} busyLabel={t('mail.sending')} block />
        </form>
      )}
    </AuthLayout>
  );
}
