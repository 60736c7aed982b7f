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

/**
 * An instant in RFC 3339 form, as every request field that takes one accepts it. The
 * `date-time` format allows a leap second (`23:59:60Z`), which no JavaScript Date (and no
 * database column) can hold; the pattern keeps seconds at 00–59 so such a value is a 400,
 * not a 500 further in.
 */
export const DateTime = () => Type.String({ format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:[0-5]\\d(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$' });
