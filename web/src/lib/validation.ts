// Client-side checks that mirror the server's account rules, so people get feedback
// before a round trip. The server remains the authority (its `details` are shown too).
import type { MessageKey } from '../i18n/en';

export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;
// Deliberately loose: one @, something on both sides, a dot in the domain, no spaces.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_PASSWORD_LENGTH = 10;

export type LoginField = 'username' | 'password';
export type RegisterField = 'name' | 'username' | 'email' | 'password' | 'confirm';

export function validateLogin(values: Record<LoginField, string>): Partial<Record<LoginField, MessageKey>> {
  const errors: Partial<Record<LoginField, MessageKey>> = {};
  if (!values.username.trim()) errors.username = 'validation.required';
  if (!values.password) errors.password = 'validation.required';
  return errors;
}

export function validateRegister(values: Record<RegisterField, string>): Partial<Record<RegisterField, MessageKey>> {
  const errors: Partial<Record<RegisterField, MessageKey>> = {};
  if (!values.name.trim()) errors.name = 'validation.nameRequired';

  if (!values.username) errors.username = 'validation.required';
  else if (!USERNAME_PATTERN.test(values.username)) errors.username = 'validation.usernameFormat';

  if (!values.email.trim()) errors.email = 'validation.required';
  else if (!EMAIL_PATTERN.test(values.email.trim())) errors.email = 'validation.email';

  if (!values.password) errors.password = 'validation.required';
  else if (values.password.length < MIN_PASSWORD_LENGTH) errors.password = 'validation.passwordLength';
  else if (values.password === values.username) errors.password = 'validation.passwordIsUsername';

  if (!values.confirm) errors.confirm = 'validation.required';
  else if (values.confirm !== values.password) errors.confirm = 'validation.confirmMismatch';
  return errors;
}
