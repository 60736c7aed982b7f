import { Type } from 'typebox';

/** API.md's error shape, declared on every route so the OpenAPI document shows it. */
export const ErrorSchema = Type.Object(
  {
    error: Type.String(),
    code: Type.String(),
    details: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String(), reason: Type.Optional(Type.String()) })),
    ),
  },
  { $id: 'Error' },
);

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref('Error')]));

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
