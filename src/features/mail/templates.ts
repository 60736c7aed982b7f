/**
 * The mails Coffer sends, in English and Brazilian Portuguese. Each is plain text and HTML
 * built from the same sentences; every value that came from a person (a name, a file name)
 * is escaped in the HTML, and no HTML from users is ever included.
 */

export const LANGUAGES = ['en', 'pt-BR'] as const;
export type Language = (typeof LANGUAGES)[number];

export type MailTemplate =
  | { template: 'verify_email'; name: string; link: string }
  | { template: 'email_changed'; name: string; newAddress: string }
  | { template: 'password_reset'; name: string; link: string }
  | { template: 'password_changed'; name: string }
  | { template: 'file_shared'; name: string; owner: string; fileName: string; link: string }
  | { template: 'token_created'; name: string; tokenName: string };

export type TemplateName = MailTemplate['template'];

/** Templates whose body holds a single-use secret link. */
export const SECRET_TEMPLATES: ReadonlySet<TemplateName> = new Set(['verify_email', 'password_reset']);

/** Notices a user may turn off; account mail (verification, reset) always goes. */
export const NOTICE_TEMPLATES: ReadonlySet<TemplateName> = new Set(['email_changed', 'password_changed', 'file_shared', 'token_created']);

interface Rendered {
  subject: string;
  /** Paragraphs; a `link` is shown as a button in HTML and on its own line in text. */
  paragraphs: string[];
  link?: { url: string; label: string };
}

type Catalogue = { [T in TemplateName]: (values: Extract<MailTemplate, { template: T }>) => Rendered };

const en: Catalogue = {
  verify_email: ({ name, link }) => ({
    subject: 'Confirm your e-mail address for Coffer',
    paragraphs: [`Hello ${name},`, 'Please confirm that this is your e-mail address. The link works once and for 24 hours.', 'If you did not create a Coffer account, ignore this message.'],
    link: { url: link, label: 'Confirm my address' },
  }),
  email_changed: ({ name, newAddress }) => ({
    subject: 'Your Coffer e-mail address was changed',
    paragraphs: [`Hello ${name},`, `The e-mail address of your Coffer account was changed to ${newAddress}. Mail for the account no longer comes here.`, 'If you did not do this, reset your password and tell your administrator.'],
  }),
  password_reset: ({ name, link }) => ({
    subject: 'Reset your Coffer password',
    paragraphs: [`Hello ${name},`, 'Someone asked to reset the password of your Coffer account. The link works once and for one hour; using it signs you out everywhere.', 'If it was not you, ignore this message: your password stays as it is.'],
    link: { url: link, label: 'Choose a new password' },
  }),
  password_changed: ({ name }) => ({
    subject: 'Your Coffer password was changed',
    paragraphs: [`Hello ${name},`, 'The password of your Coffer account was just changed, and every session was signed out.', 'If you did not do this, reset your password at once and tell your administrator.'],
  }),
  file_shared: ({ name, owner, fileName, link }) => ({
    subject: `${owner} shared "${fileName}" with you`,
    paragraphs: [`Hello ${name},`, `${owner} shared "${fileName}" with you on Coffer.`],
    link: { url: link, label: 'Open it' },
  }),
  token_created: ({ name, tokenName }) => ({
    subject: 'A new access token was created for your Coffer account',
    paragraphs: [`Hello ${name},`, `A personal access token named "${tokenName}" was created for your account. Programs can use it until it expires or is revoked.`, 'If you did not do this, revoke it in Coffer and change your password.'],
  }),
};

const ptBR: Catalogue = {
  verify_email: ({ name, link }) => ({
    subject: 'Confirme seu endereço de e-mail no Coffer',
    paragraphs: [`Olá, ${name},`, 'Confirme que este é o seu endereço de e-mail. O link funciona uma vez, por 24 horas.', 'Se você não criou uma conta no Coffer, ignore esta mensagem.'],
    link: { url: link, label: 'Confirmar meu endereço' },
  }),
  email_changed: ({ name, newAddress }) => ({
    subject: 'O e-mail da sua conta Coffer foi alterado',
    paragraphs: [`Olá, ${name},`, `O endereço de e-mail da sua conta Coffer foi alterado para ${newAddress}. As mensagens da conta não chegarão mais aqui.`, 'Se não foi você, redefina sua senha e avise o administrador.'],
  }),
  password_reset: ({ name, link }) => ({
    subject: 'Redefina sua senha do Coffer',
    paragraphs: [`Olá, ${name},`, 'Alguém pediu para redefinir a senha da sua conta Coffer. O link funciona uma vez, por uma hora; usá-lo encerra todas as suas sessões.', 'Se não foi você, ignore esta mensagem: sua senha continua a mesma.'],
    link: { url: link, label: 'Escolher uma nova senha' },
  }),
  password_changed: ({ name }) => ({
    subject: 'Sua senha do Coffer foi alterada',
    paragraphs: [`Olá, ${name},`, 'A senha da sua conta Coffer acabou de ser alterada, e todas as sessões foram encerradas.', 'Se não foi você, redefina sua senha agora e avise o administrador.'],
  }),
  file_shared: ({ name, owner, fileName, link }) => ({
    subject: `${owner} compartilhou "${fileName}" com você`,
    paragraphs: [`Olá, ${name},`, `${owner} compartilhou "${fileName}" com você no Coffer.`],
    link: { url: link, label: 'Abrir' },
  }),
  token_created: ({ name, tokenName }) => ({
    subject: 'Um novo token de acesso foi criado na sua conta Coffer',
    paragraphs: [`Olá, ${name},`, `Um token de acesso pessoal chamado "${tokenName}" foi criado na sua conta. Programas podem usá-lo até que expire ou seja revogado.`, 'Se não foi você, revogue-o no Coffer e troque sua senha.'],
  }),
};

const CATALOGUES: Record<Language, Catalogue> = { en, 'pt-BR': ptBR };

const FOOTER: Record<Language, string> = {
  en: 'This message was sent by Coffer. You can turn notices off in your account settings.',
  'pt-BR': 'Esta mensagem foi enviada pelo Coffer. Você pode desativar os avisos nas configurações da conta.',
};

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export function renderMail(language: Language, values: MailTemplate): RenderedMail {
  const render = CATALOGUES[language][values.template] as (v: MailTemplate) => Rendered;
  const { subject, paragraphs, link } = render(oneLineValues(values));
  // Header injection is impossible anyway (nodemailer encodes), but a subject is one line.
  const oneLine = subject.replace(/[\r\n]+/g, ' ').slice(0, 200);
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : []), '', '--', FOOTER[language]].join('\n\n').replace(/\n\n\n\n/g, '\n\n');
  const html = [
    '<!doctype html>',
    `<html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(oneLine)}</title></head>`,
    '<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1f; max-width: 36rem; margin: 0 auto; padding: 1rem;">',
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link
      ? [
          `<p><a href="${escapeHtml(link.url)}" style="display: inline-block; padding: 0.6rem 1rem; background: #3b5bdb; color: #fff; text-decoration: none; border-radius: 6px;">${escapeHtml(link.label)}</a></p>`,
          `<p style="font-size: 0.85rem; color: #555;">${escapeHtml(link.url)}</p>`,
        ]
      : []),
    `<hr><p style="font-size: 0.8rem; color: #777;">${escapeHtml(FOOTER[language])}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: oneLine, text, html };
}

/** Names and file names are one line of text: control characters and line breaks become spaces. */
function oneLineValues(values: MailTemplate): MailTemplate {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ') : value])) as MailTemplate;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The language of a new account, from the browser's Accept-Language: pt-* → pt-BR, else en. */
export function languageFromAcceptLanguage(header: string | undefined): Language {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q) };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag === 'pt' || tag.startsWith('pt-')) return 'pt-BR';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}
