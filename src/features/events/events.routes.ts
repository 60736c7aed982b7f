import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AUTH, callerOf } from '../../plugins/access.js';
import { errorResponses } from '../shared.schemas.js';
import type { LiveEvents } from './live-events.js';

export interface EventsRoutesOptions {
  events: LiveEvents;
}

export const eventsRoutes: FastifyPluginAsyncTypebox<EventsRoutesOptions> = async (app, { events }) => {
  // Before the server stops accepting: open streams would otherwise hold its close.
  app.addHook('preClose', async () => {
    await events.close();
  });

  app.get(
    '/events',
    {
      // The caller's own files; owner-only for now (people a file is shared with get nothing yet).
      config: { access: AUTH('files:read') },
      schema: {
        tags: ['events'],
        summary: 'Server-sent events (text/event-stream): your files\' background steps as they end',
        description:
          'Events: `file.step` `{fileId, step, status: "done"|"failed", file}` when a thumbnail, poster or facts step ends; `ready` once the stream is live; `reset` when what was missed cannot be replayed (reload). Reconnect with `Last-Event-ID` to replay what ended since.',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: errorResponses(400, 401, 403, 429, 503),
      },
    },
    async (request, reply) => {
      const lastEventId = request.headers['last-event-id'];
      const body = events.open(callerOf(request).user.id, typeof lastEventId === 'string' ? lastEventId : undefined);
      // Once the end is handed to the kernel, the socket is closed rather than waiting for a
      // client that may never close its side (a shutdown must not wait for it).
      reply.raw.once('finish', () => request.raw.socket?.destroy());
      // A client gone (closed tab, lost network) frees its place at once, not at the next write.
      reply.raw.once('close', () => body.destroy());
      return reply
        .headers({
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-store',
          // nginx (and proxies that honour it) pass each event on at once instead of buffering.
          'X-Accel-Buffering': 'no',
          // A stream ends at shutdown or after its age: its socket goes with it, instead of
          // idling as keep-alive past the moment the server stopped closing idle sockets.
          Connection: 'close',
        })
        .send(body);
    },
  );
};
