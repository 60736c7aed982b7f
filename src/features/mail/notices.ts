import type { AccountsService } from '../accounts/accounts.service.js';
import type { AuditEntry, BatchedAuditLog } from '../audit/audit.log.js';
import type { FilesService } from '../files/files.service.js';
import type { AccountMailService } from './account-mail.service.js';
import type { BackgroundWork } from './background.js';
import type { MailService } from './mail.service.js';

/**
 * The mail that follows security events: a verification link after registration, and the
 * notices — "a file was shared with you", "your password was changed", "a new access token
 * was created" — for users who keep notices on. They follow the audit log, which already
 * records each of these events once, in the same words, wherever they happen.
 */
/** Where notices find the people and files an audit entry names. */
export interface NoticeLookups {
  accounts: Pick<AccountsService, 'findUser' | 'findUserByUsername'>;
  files: Pick<FilesService, 'findById'>;
}

export function sendNoticesFor(audit: Pick<BatchedAuditLog, 'onRecord'>, lookups: NoticeLookups, mail: MailService, accountMail: AccountMailService, background: BackgroundWork): void {
  audit.onRecord((entry) => {
    if (entry.outcome !== 'success') return;
    const work = noticeWork(entry, lookups, mail, accountMail);
    if (work) background.run(entry.action, work);
  });
}

function noticeWork(entry: AuditEntry, { accounts, files }: NoticeLookups, mail: MailService, accountMail: AccountMailService): (() => Promise<void>) | undefined {
  const actorId = entry.actor?.id;
  switch (entry.action) {
    case 'account.register':
      return actorId
        ? async () => {
            const user = await accounts.findUser(actorId);
            if (user && !user.emailVerified) await accountMail.sendVerification(user);
          }
        : undefined;
    case 'auth.password_change':
    case 'auth.password_reset':
      return actorId
        ? async () => {
            const user = await accounts.findUser(actorId);
            if (user?.noticesEnabled) await mail.queue(user.email, user.language, { template: 'password_changed', name: user.name });
          }
        : undefined;
    case 'token.create':
      return actorId
        ? async () => {
            const user = await accounts.findUser(actorId);
            const tokenName = String(entry.details?.name ?? '');
            if (user?.noticesEnabled) await mail.queue(user.email, user.language, { template: 'token_created', name: user.name, tokenName });
          }
        : undefined;
    case 'share.create': {
      const fileId = entry.target?.startsWith('file:') ? entry.target.slice('file:'.length) : undefined;
      const recipientName = typeof entry.details?.with === 'string' ? entry.details.with : undefined;
      if (!fileId || !recipientName || !actorId) return undefined;
      return async () => {
        const [recipient, owner, file] = await Promise.all([accounts.findUserByUsername(recipientName), accounts.findUser(actorId), files.findById(fileId)]);
        if (!recipient?.noticesEnabled || recipient.disabled || !owner || !file) return;
        await mail.queue(recipient.email, recipient.language, { template: 'file_shared', name: recipient.name, owner: owner.name, fileName: file.name, link: mail.link(`/shared/${encodeURIComponent(file.id)}`) });
      };
    }
    default:
      return undefined;
  }
}
