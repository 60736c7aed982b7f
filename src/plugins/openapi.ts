import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { declareOpenRoutes, OPEN } from './access.js';

/**
 * The OpenAPI document is generated from the route schemas, so it cannot drift from what
 * the server validates. Registered before the routes so it sees each of them.
 */
async function openapiPlugin(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Coffer API', version: '1', description: 'A self-hosted multimedia vault. Errors are `{error, code, details?}`.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'coffer_session' },
          basic: { type: 'http', scheme: 'basic' },
        },
      },
      security: [{ session: [] }, { basic: [] }],
    },
    // Name shared schemas (File, User, Error) by their $id instead of def-0, def-1…
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  app.get('/api/v1/openapi.json', { config: { access: OPEN }, schema: { hide: true } }, async () => app.swagger());

  await app.register(async (docs) => {
    declareOpenRoutes(docs);
    await docs.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true, transformStaticCSP: allowInlineStyles });
  });
}

/**
 * Swagger UI (React) sets `style` attributes as it renders, which the plugin's own policy
 * blocks (a console error on every page view). Styles only: scripts stay 'self'.
 */
function allowInlineStyles(policy: string): string {
  return policy.replace(/style-src ([^;]*);/, (_match, sources: string) => `style-src ${sources.trim()} 'unsafe-inline';`);
}

export default fp(openapiPlugin, { name: 'openapi' });
