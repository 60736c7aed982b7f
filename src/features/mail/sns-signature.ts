import { createVerify, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * Amazon SNS message verification, as the SNS documentation describes it
 * ("Verifying the signatures of Amazon SNS messages"): the signature covers a canonical
 * string of some of the message's fields, SignatureVersion 1 is SHA1withRSA and 2 is
 * SHA256withRSA, and the public key comes from the certificate at SigningCertURL — which is
 * itself not signed, so it is fetched only when it matches a pattern of SNS's own hosts.
 */

export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface SnsMessage {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: '1' | '2';
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  /** Subscription and unsubscription confirmations only. */
  SubscribeURL?: string;
  Token?: string;
}

/** The signed fields in the order the canonical string lists them, per message type. */
const SIGNED_FIELDS: Record<SnsMessageType, readonly (keyof SnsMessage)[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

const ALGORITHMS = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' } as const;

/** A message that is not a well-formed SNS message (a 400). */
export class MalformedSnsMessage extends Error {}
/** A message whose signature, certificate URL or certificate is wrong (a 403). */
export class SnsSignatureInvalid extends Error {}
/** The certificate host did not answer in time (a 503: SNS retries later). */
export class SnsCertificateUnavailable extends Error {}

/** Checks the shape of a parsed body and returns it typed; throws MalformedSnsMessage. */
export function parseSnsMessage(body: unknown): SnsMessage {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new MalformedSnsMessage('The body is not a JSON object.');
  const fields = body as Record<string, unknown>;
  const type = fields.Type;
  if (type !== 'Notification' && type !== 'SubscriptionConfirmation' && type !== 'UnsubscribeConfirmation') {
    throw new MalformedSnsMessage('"Type" must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation.');
  }
  const required = ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL', ...(type === 'Notification' ? [] : ['SubscribeURL', 'Token'])];
  const missing = required.filter((name) => typeof fields[name] !== 'string' || fields[name] === '');
  if (missing.length > 0) throw new MalformedSnsMessage(`Missing or non-text fields: ${missing.join(', ')}.`);
  if (fields.Subject !== undefined && typeof fields.Subject !== 'string') throw new MalformedSnsMessage('"Subject" must be text.');
  if (fields.SignatureVersion !== '1' && fields.SignatureVersion !== '2') throw new SnsSignatureInvalid(`Unknown SignatureVersion "${String(fields.SignatureVersion)}".`);
  if (Number.isNaN(Date.parse(fields.Timestamp as string))) throw new MalformedSnsMessage('"Timestamp" is not a date.');
  return fields as unknown as SnsMessage;
}

/** The string SNS signed: "Name\nvalue\n" for each signed field present, in order. */
export function canonicalString(message: SnsMessage): string {
  let text = '';
  for (const name of SIGNED_FIELDS[message.Type]) {
    const value = message[name];
    if (value === undefined) continue;
    text += `${name}\n${value}\n`;
  }
  return text;
}

export function signatureAlgorithm(version: SnsMessage['SignatureVersion']): string {
  return ALGORITHMS[version];
}

/**
 * The default SNS_CERT_URL_PATTERN: https, a host `sns.<region>.amazonaws.com` (or the
 * China partition's `.amazonaws.com.cn`), a path ending in `.pem`, no query.
 */
export const DEFAULT_CERT_URL_PATTERN = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/[A-Za-z0-9._/-]*\.pem$/;

export interface CertificateFetchOptions {
  timeoutMs: number;
  maxBytes: number;
}

// SNS waits about 15 s for an answer; a certificate host that has not answered in 2 s gets a 503 so SNS retries.
const DEFAULT_FETCH: CertificateFetchOptions = { timeoutMs: 2000, maxBytes: 16 * 1024 };
const CACHE_ENTRIES = 50;
const CACHE_TTL_MS = 24 * 3600_000;

/** Verifies SNS messages; certificates are fetched once per URL and kept for a day. */
export class SnsVerifier {
  private readonly cache = new Map<string, { key: KeyObject; until: number }>();

  constructor(
    private readonly certUrlPattern: RegExp = DEFAULT_CERT_URL_PATTERN,
    private readonly fetchOptions: CertificateFetchOptions = DEFAULT_FETCH,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when the message is authentic; throws SnsSignatureInvalid or SnsCertificateUnavailable. */
  async verify(message: SnsMessage): Promise<void> {
    const key = await this.publicKey(message.SigningCertURL);
    const verifier = createVerify(signatureAlgorithm(message.SignatureVersion));
    verifier.update(canonicalString(message), 'utf8');
    let valid = false;
    try {
      valid = verifier.verify(key, Buffer.from(message.Signature, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) throw new SnsSignatureInvalid('The signature does not match the message.');
  }

  private async publicKey(url: string): Promise<KeyObject> {
    if (!this.certUrlPattern.test(url) || !isHttpUrl(url)) throw new SnsSignatureInvalid('SigningCertURL is not an address of Amazon SNS.');
    const cached = this.cache.get(url);
    if (cached && cached.until > this.now()) return cached.key;
    const pem = await fetchBounded(url, this.fetchOptions, SnsSignatureInvalid);
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      throw new SnsSignatureInvalid('SigningCertURL does not hold a certificate.');
    }
    const now = this.now();
    if (Date.parse(certificate.validFrom) > now || Date.parse(certificate.validTo) < now) throw new SnsSignatureInvalid('The signing certificate is not valid now.');
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(url, { key: certificate.publicKey, until: now + CACHE_TTL_MS });
    return certificate.publicKey;
  }
}

function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/**
 * GET with a deadline and a size cap, never following a redirect. A host that does not
 * answer (or answers 5xx) is SnsCertificateUnavailable; any other non-200 answer, or one
 * too large, is the `refused` error.
 */
export async function fetchBounded(url: string, { timeoutMs, maxBytes }: CertificateFetchOptions, Refused: new (message: string) => Error): Promise<string> {
  let response: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    response = await fetch(url, { redirect: 'manual', signal, headers: { accept: '*/*' } });
  } catch (error) {
    throw new SnsCertificateUnavailable(`${new URL(url).host} did not answer (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (response.status >= 500) {
    await response.body?.cancel();
    throw new SnsCertificateUnavailable(`${new URL(url).host} answered ${response.status}.`);
  }
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel();
    throw new Refused(`${new URL(url).host} answered ${response.status}.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        await response.body.cancel().catch(() => {});
        throw new Refused(`The answer of ${new URL(url).host} is larger than ${maxBytes} bytes.`);
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (error) {
    if (error instanceof Refused) throw error;
    throw new SnsCertificateUnavailable(`${new URL(url).host} stopped answering (${error instanceof Error ? error.message : String(error)}).`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
