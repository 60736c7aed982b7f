import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { InvalidRequest, Unauthenticated } from '../../errors.js';
import { callerOf, GROUP, OPEN, scopesOf } from '../../plugins/access.js';
import { originOf } from '../request-origin.js';
import { errorResponses } from '../shared.schemas.js';
import { TOKEN_PREFIX, type TokensService } from '../tokens/tokens.service.js';
import type { MailFeedbackService } from './feedback.service.js';
import type { MailService } from './mail.service.js';

export interface MailRoutesOptions {
  mail: MailService;
  feedback: MailFeedbackService;
  tokens: TokensService;
}

/** SNS posts a few KiB; the limit leaves room for SES's largest notifications. */
const WEBHOOK_BODY_LIMIT = 256 * 1024;
const WEBHOOK_TYPES = new Set(['text/plain', 'application/json']);

interface WebhookBody {
  raw: string;
  json: unknown;
}

const Page = { limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), cursor: Type.Optional(Type.String({ maxLength: 500 })) };
const OutboxItem = Type.Object({
  id: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('sent'), Type.Literal('failed'), Type.Literal('suppressed')]),
  attempts: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  template: Type.String(),
  transport: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
});
const SuppressionItem = Type.Object({
  email: Type.String(),
  reason: Type.Union([Type.Literal('bounce'), Type.Literal('complaint')]),
  since: Type.String({ format: 'date-time' }),
  events: Type.Array(Type.Object({ type: Type.String(), bounceType: Type.Union([Type.String(), Type.Null()]), source: Type.String(), at: Type.String({ format: 'date-time' }) })),
});

/** The SES webhook (SNS subscription or relay) and the administrators' view of mail. */
export const mailRoutes: FastifyPluginAsyncTypebox<MailRoutesOptions> = async (app, options) => {
  // Only what it needs: passing `options` whole would hand it the prefix a second time.
  await app.register(sesWebhook, { mail: options.mail, feedback: options.feedback, tokens: options.tokens });
  const admin = { access: GROUP('admin', 'admin') };
  const { mail, feedback } = options;

  app.get(
    '/admin/mail/outbox',
    { config: admin, schema: { tags: ['administration'], summary: 'Every mail and its status, newest first', querystring: Type.Object(Page, { additionalProperties: false }), response: { 200: Type.Object({ items: Type.Array(OutboxItem), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401, 403) } } },
    async (request) => mail.outbox(request.query.limit, request.query.cursor),
  );

  app.get(
    '/admin/mail/suppressions',
    {
      config: admin,
      schema: {
        tags: ['administration'],
        summary: 'Addresses mail is no longer sent to, with their bounce and complaint history',
        querystring: Type.Object({ ...Page, q: Type.Optional(Type.String({ maxLength: 320 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(SuppressionItem), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => feedback.listSuppressions(request.query),
  );

  app.delete(
    '/admin/mail/suppressions/:email',
    { config: admin, schema: { tags: ['administration'], summary: 'Lift a suppression: mail goes to the address again', params: Type.Object({ email: Type.String({ minLength: 3, maxLength: 320 }) }, { additionalProperties: false }), response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      await feedback.lift(callerOf(request), request.params.email, originOf(request));
      return reply.status(204).send(null);
    },
  );
};

/**
 * POST /webhooks/ses in its own context: SNS sends JSON as `text/plain`, so this route (and
 * only this one) reads text/plain and application/json bodies itself, up to 256 KiB. Its
 * access is OPEN because SNS cannot hold a credential — an SNS message is authenticated by
 * its signature; a relay's post by a personal access token with the `webhooks:ses` scope.
 */
const sesWebhook: FastifyPluginAsyncTypebox<MailRoutesOptions> = async (app, { feedback, tokens }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const declared = Number(request.headers['content-length'] ?? 0);
    if (!WEBHOOK_TYPES.has(type)) return done(new InvalidRequest('Send the message as JSON with Content-Type text/plain (as SNS does) or application/json.'), undefined);
    if (declared > WEBHOOK_BODY_LIMIT) return done(tooLarge(), undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    payload.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > WEBHOOK_BODY_LIMIT) {
        refused = true;
        done(tooLarge(), undefined);
        return;
      }
      chunks.push(chunk);
    });
    payload.on('error', (error) => {
      if (!refused) done(error, undefined);
    });
    payload.on('end', () => {
      if (refused) return;
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        done(null, { raw, json: JSON.parse(raw) as unknown } satisfies WebhookBody);
      } catch {
        done(new InvalidRequest('The body is not valid JSON.'), undefined);
      }
    });
  });

  app.post(
    '/webhooks/ses',
    {
      config: { access: OPEN },
      schema: {
        tags: ['mail'],
        summary: 'SES bounces, complaints and deliveries: an SNS subscription (signed), or a relay with a webhooks:ses token',
        response: { 200: Type.Object({ status: Type.String() }), ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const body = request.body as WebhookBody | undefined;
      if (!body) throw new InvalidRequest('Send the SNS message or SES notification as a JSON body.');
      const where = originOf(request);
      if (request.headers.authorization !== undefined) {
        await relayCaller(request, tokens);
        return { status: await feedback.receiveRelay(unwrapSnsEnvelope(body.json), body.raw, where) };
      }
      if (!isSnsShaped(body.json)) throw new Unauthenticated();
      return { status: await feedback.receiveSns(body.json, where) };
    },
  );
};

/** The relay's credential: a personal access token carrying `webhooks:ses` (JWTs are not taken here). */
async function relayCaller(request: FastifyRequest, tokens: TokensService): Promise<void> {
  const secret = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!secret?.startsWith(TOKEN_PREFIX)) throw new Unauthenticated();
  const found = await tokens.authenticate(secret, originOf(request), false);
  if (!found) throw new Unauthenticated();
  // As the issue asks: a token without the scope is no credential for this route at all.
  // Feedback suppresses any address, so only an administrator's token may carry it in.
  if (!scopesOf(found.user, found.token.scopes).has('webhooks:ses') || !found.user.isAdmin) throw new Unauthenticated();
}

function isSnsShaped(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'Type' in json;
}

/** A relay may forward SNS's record as it is (`{Type: "Notification", Message: "…"}`). */
function unwrapSnsEnvelope(json: unknown): unknown {
  if (!isSnsShaped(json)) return json;
  const { Type: type, Message: message } = json as { Type?: unknown; Message?: unknown };
  if (type !== 'Notification' || typeof message !== 'string') return json;
  try {
    return JSON.parse(message) as unknown;
  } catch {
    throw new InvalidRequest('"Message" is not JSON.');
  }
}

function tooLarge(): InvalidRequest {
  return new InvalidRequest(`The body is larger than ${WEBHOOK_BODY_LIMIT / 1024} KiB.`);
}
