import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf, GROUP } from '../../plugins/access.js';
import { originOf } from '../request-origin.js';
import { errorResponses } from '../shared.schemas.js';
import type { SettingsService } from './settings.service.js';

const Settings = Type.Object({
  whoEnabled: Type.Boolean({ description: 'The public "who is this?" finder (POST /who) answers; false while whoLockedByEnvironment.' }),
  whoLockedByEnvironment: Type.Boolean({ description: 'WHO_ENABLED=0 on the server: the finder is off and cannot be turned on here.' }),
});
/**
 * true or false and nothing else. The app's validator coerces to a schema's `type` (query
 * strings need it), which would take "false", 0 or null for false: an enum has no type to
 * coerce to.
 */
const StrictBoolean = () => Type.Unsafe<boolean>({ enum: [true, false] });
const SettingsChanges = Type.Object({ whoEnabled: Type.Optional(StrictBoolean()) }, { additionalProperties: false, minProperties: 1 });

export const settingsRoutes: FastifyPluginAsyncTypebox<{ settings: SettingsService }> = async (app, { settings }) => {
  const admin = { access: GROUP('admin', 'admin') };

  app.get(
    '/admin/settings',
    { config: admin, schema: { tags: ['administration'], summary: 'The instance-wide settings, as every instance applies them', response: { 200: Settings, ...errorResponses(401, 403) } } },
    async () => settings.view(),
  );

  app.patch(
    '/admin/settings',
    {
      config: admin,
      schema: {
        tags: ['administration'],
        summary: 'Change instance-wide settings; every instance follows from its next request. 409 when the environment locks a setting.',
        body: SettingsChanges,
        response: { 200: Settings, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request) => settings.update(callerOf(request), request.body, originOf(request)),
  );
};
