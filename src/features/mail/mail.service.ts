import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/connect.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import * as mail from './mail.repository.js';
import type { MailSender } from './sender.js';
import { isLanguage, renderMail, SECRET_TEMPLATES, type Language, type MailTemplate } from './templates.js';

export type { OutboxItem } from './mail.repository.js';

/** Writes messages to the outbox (the sender does the rest) and builds links from PUBLIC_URL. */
export class MailService {
  constructor(
    private readonly db: Db,
    private readonly sender: MailSender,
    /** PUBLIC_URL, or the address this instance serves on when none is set. */
    private readonly baseUrl: () => string,
  ) {}

  link(path: string, token?: string): string {
    return `${this.baseUrl()}${path}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
  }

  /**
   * Queues one message and nudges the sender. Only a database insert happens here, so the
   * request that caused the mail never waits for (or fails with) the mail server.
   */
  async queue(to: string, language: string, values: MailTemplate): Promise<string> {
    const lang: Language = isLanguage(language) ? language : 'en';
    const rendered = renderMail(lang, values);
    const id = randomUUID();
    const now = new Date().toISOString();
    await mail.insertOutbox(this.db, {
      id,
      to: to.toLowerCase(),
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      language: lang,
      template: values.template,
      secret: SECRET_TEMPLATES.has(values.template),
      createdAt: now,
    });
    this.sender.kick();
    return id;
  }

  async outbox(limit: number, cursor?: string): Promise<{ items: mail.OutboxItem[]; nextCursor: string | null }> {
    const [at, id] = cursor === undefined ? [] : decodeCursor(cursor, 2);
    const rows = await mail.listOutbox(this.db, limit + 1, at && id ? { at, id } : undefined);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page, nextCursor: rows.length > limit && last ? encodeCursor([last.at, last.id]) : null };
  }
}
