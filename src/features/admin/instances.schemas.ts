import { Type } from 'typebox';

export const InstanceSchema = Type.Object({
  id: Type.String(),
  host: Type.String(),
  pid: Type.Integer(),
  port: Type.Integer(),
  version: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  lastHeartbeatAt: Type.String({ format: 'date-time' }),
  healthy: Type.Boolean({ description: 'A heartbeat arrived within the last 30 seconds.' }),
});

export const InstanceList = Type.Object({ items: Type.Array(InstanceSchema) });
