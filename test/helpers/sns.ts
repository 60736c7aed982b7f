import { execFileSync } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { canonicalString, signatureAlgorithm, type SnsMessage } from '../../src/features/mail/sns-signature.js';

export interface SigningKey {
  keyPem: string;
  certPem: string;
}

/** A throw-away RSA key and self-signed certificate, as SNS's signing certificate stands in. */
export function makeSigningKey(): SigningKey {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coffer-sns-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=sns.test.invalid'], { stdio: 'ignore' });
    return { keyPem: readFileSync(key, 'utf8'), certPem: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A small HTTP server on 127.0.0.1 that answers given paths and counts the requests. */
export class TestHttpServer {
  readonly hits = new Map<string, number>();
  private readonly routes = new Map<string, (res: http.ServerResponse) => void>();
  private server: http.Server | undefined;
  port = 0;

  route(pathname: string, answer: (res: http.ServerResponse) => void): string {
    this.routes.set(pathname, answer);
    return `${this.origin}${pathname}`;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  count(pathname: string): number {
    return this.hits.get(pathname) ?? 0;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const pathname = new URL(req.url ?? '/', 'http://x').pathname;
      this.hits.set(pathname, this.count(pathname) + 1);
      const answer = this.routes.get(pathname);
      if (answer) answer(res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export const TEST_TOPIC = 'arn:aws:sns:us-east-1:123456789012:coffer-ses';

/** Signs an SNS message the way SNS does: the canonical string, SHA1 or SHA256 with RSA. */
export function signSns(key: SigningKey, fields: Omit<SnsMessage, 'Signature' | 'SignatureVersion'> & { SignatureVersion?: '1' | '2' }): SnsMessage {
  const message = { SignatureVersion: '2', ...fields, Signature: '' } as SnsMessage;
  const signer = createSign(signatureAlgorithm(message.SignatureVersion));
  signer.update(canonicalString(message), 'utf8');
  message.Signature = signer.sign(key.keyPem, 'base64');
  return message;
}

/** An SNS Notification around an SES notification, signed. */
export function snsNotification(key: SigningKey, certUrl: string, ses: object, options: { version?: '1' | '2'; topic?: string; timestamp?: string; messageId?: string } = {}): SnsMessage {
  return signSns(key, {
    Type: 'Notification',
    MessageId: options.messageId ?? randomUUID(),
    TopicArn: options.topic ?? TEST_TOPIC,
    Message: JSON.stringify(ses),
    Timestamp: options.timestamp ?? new Date().toISOString(),
    SignatureVersion: options.version ?? '2',
    SigningCertURL: certUrl,
  });
}

/** Real-shaped SES notifications (the "notifications" shape unless `eventPublishing`). */
export function sesBounce(address: string, bounceType: 'Permanent' | 'Transient' | 'Undetermined' = 'Permanent', eventPublishing = false): object {
  const typeField = eventPublishing ? { eventType: 'Bounce' } : { notificationType: 'Bounce' };
  return {
    ...typeField,
    bounce: {
      bounceType,
      bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: [{ emailAddress: address, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      timestamp: new Date().toISOString(),
      feedbackId: `0100-${randomUUID()}`,
      reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
    },
    mail: sesMail(address),
  };
}

export function sesComplaint(address: string, eventPublishing = false): object {
  const typeField = eventPublishing ? { eventType: 'Complaint' } : { notificationType: 'Complaint' };
  return {
    ...typeField,
    complaint: { complainedRecipients: [{ emailAddress: address }], timestamp: new Date().toISOString(), feedbackId: `0100-${randomUUID()}`, complaintFeedbackType: 'abuse', userAgent: 'Mozilla/5.0' },
    mail: sesMail(address),
  };
}

export function sesDelivery(address: string): object {
  return {
    notificationType: 'Delivery',
    delivery: { timestamp: new Date().toISOString(), processingTimeMillis: 546, recipients: [address], smtpResponse: '250 ok', reportingMTA: 'a8-70.smtp-out.amazonses.com' },
    mail: sesMail(address),
  };
}

function sesMail(address: string): object {
  return {
    timestamp: new Date().toISOString(),
    source: 'coffer@example.com',
    sourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com',
    messageId: `0100-${randomUUID()}`,
    destination: [address],
    headersTruncated: false,
  };
}
