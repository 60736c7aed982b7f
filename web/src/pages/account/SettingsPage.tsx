import { useState, type FormEvent } from 'react';
import { Avatar } from '../../components/Avatar';
import { Field } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { Card, PageLayout } from '../../components/PageLayout';
import { SignOutEverywhereDialog } from '../../components/SignOutEverywhereDialog';
import { SubmitButton } from '../../components/SubmitButton';
import { errorMessage } from '../../i18n/errors';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import { ApiError, type User } from '../../api/api';
import { formatDate } from '../../lib/format';
import { useFormFields } from '../../lib/useFormFields';
import { MIN_PASSWORD_LENGTH } from '../../lib/validation';
import { useSession } from '../../session/session';
import { FormAlert } from '../auth/AuthLayout';
import '../../styles/account.css';

type PasswordField = 'current' | 'next' | 'confirm';
const FIELDS: PasswordField[] = ['current', 'next', 'confirm'];
const EMPTY: Record<PasswordField, string> = { current: '', next: '', confirm: '' };
const FIELD_IDS: Record<PasswordField, string> = { current: 'password-current', next: 'password-new', confirm: 'password-confirm' };
/** The API's field names for ours. */
const SERVER_FIELDS: Record<string, PasswordField> = { currentPassword: 'current', newPassword: 'next' };

function validate(values: Record<PasswordField, string>, username: string): Partial<Record<PasswordField, MessageKey>> {
  const errors: Partial<Record<PasswordField, MessageKey>> = {};
  if (!values.current) errors.current = 'validation.required';
  if (!values.next) errors.next = 'validation.required';
  else if (values.next.length < MIN_PASSWORD_LENGTH) errors.next = 'validation.passwordLength';
  else if (values.next === username) errors.next = 'validation.passwordIsUsername';
  else if (values.next === values.current) errors.next = 'validation.passwordSame';
  if (!values.confirm) errors.confirm = 'validation.required';
  else if (values.confirm !== values.next) errors.confirm = 'validation.confirmMismatch';
  return errors;
}

export function SettingsPage({ user }: { user: User }) {
  const { t, locale } = useI18n();
  useDocumentTitle(t('title.settings'));
  const [confirmingEverywhere, setConfirmingEverywhere] = useState(false);
  const displayName = user.name || user.username;

  return (
    <PageLayout user={user} title={t('settings.heading')} subheading={t('settings.subheading')}>
      <div className="stack">
        <Card title={t('settings.profile')} labelledBy="settings-profile" icon={<Icon name="user" size={18} />}>
          <div className="profile">
            <Avatar name={displayName} seed={user.username} size={56} />
            <div className="profile-text">
              <strong>{displayName}</strong>
              <span>@{user.username}</span>
            </div>
          </div>
          <dl className="facts">
            <div>
              <dt>{t('settings.email')}</dt>
              <dd>{user.email}</dd>
            </div>
            <div>
              <dt>{t('settings.role')}</dt>
              <dd>
                {user.isAdmin ? (
                  <span className="badge badge--accent">
                    <Icon name="shield" size={13} />
                    {t('settings.roleAdmin')}
                  </span>
                ) : (
                  t('settings.roleMember')
                )}
              </dd>
            </div>
            <div>
              <dt>{t('settings.memberSince')}</dt>
              <dd>{formatDate(user.createdAt, locale)}</dd>
            </div>
          </dl>
        </Card>

        <Card title={t('password.heading')} description={t('password.description')} labelledBy="settings-password" icon={<Icon name="lock" size={18} />}>
          <PasswordForm user={user} />
        </Card>

        <Card title={t('sessions.heading')} description={t('sessions.description')} labelledBy="settings-sessions" icon={<Icon name="monitor" size={18} />}>
          <div className="card-actions card-actions--start">
            <button type="button" className="btn btn--danger-outline" data-testid="settings-sign-out-everywhere" onClick={() => setConfirmingEverywhere(true)}>
              <Icon name="signOut" size={18} />
              {t('sessions.action')}
            </button>
          </div>
        </Card>
      </div>
      <SignOutEverywhereDialog open={confirmingEverywhere} onClose={() => setConfirmingEverywhere(false)} />
    </PageLayout>
  );
}

function PasswordForm({ user }: { user: User }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { changePassword } = useSession();
  const [failure, setFailure] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const form = useFormFields({
    initial: EMPTY,
    fields: FIELDS,
    idOf: (field) => FIELD_IDS[field],
    validate: (values) => validate(values, user.username),
    onEdit: () => setDone(false),
  });

  async function handleSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setFailure(null);
    setDone(false);
    if (!form.check()) return;
    setBusy(true);
    try {
      await changePassword(form.values.current, form.values.next);
      form.reset();
      setDone(true);
    } catch (error) {
      const byField: Partial<Record<PasswordField, string>> = {};
      if (error instanceof ApiError && error.status === 400) {
        for (const detail of error.details) {
          const field = SERVER_FIELDS[detail.field];
          // The wrong-password case has our own words; other rules keep the server's.
          const message = field === 'current' ? t('password.wrongCurrent') : detail.message;
          // Several rules can fail at once; show them together.
          if (field) byField[field] = byField[field] ? `${byField[field]} ${message}` : message;
        }
      }
      // Earlier server errors stay on screen when this failure names no field.
      if (FIELDS.some((field) => byField[field])) form.showServerErrors(byField);
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card-form" onSubmit={handleSubmit} noValidate>
      {failure !== null && <FormAlert>{errorMessage(failure, i18n)}</FormAlert>}
      {done && (
        <div className="form-alert form-alert--success" role="status" data-testid="password-changed">
          <Icon name="check" size={16} />
          <span>{t('password.changed')}</span>
        </div>
      )}
      {/* Lets password managers tie the new password to this account. */}
      <input type="text" name="username" autoComplete="username" value={user.username} readOnly hidden />
      <Field {...form.bind('current')} label={t('password.current')} type="password" autoComplete="current-password" />
      <div className="field-row">
        <Field {...form.bind('next')} label={t('password.new')} type="password" autoComplete="new-password" hint={t('password.newHint')} />
        <Field {...form.bind('confirm')} label={t('password.confirm')} type="password" autoComplete="new-password" />
      </div>
      <div className="card-actions">
        <SubmitButton busy={busy} testId="password-submit" label={t('password.submit')} busyLabel={t('password.submitting')} />
      </div>
    </form>
  );
}
