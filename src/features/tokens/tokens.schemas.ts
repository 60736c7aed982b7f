import { Type } from 'typebox';
import { SCOPES } from '../../domain/access.js';
import { DateTime } from '../shared.schemas.js';

const ScopeSchema = Type.Union(SCOPES.map((scope) => Type.Literal(scope)));

export const TokenSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    scopes: Type.Array(ScopeSchema),
    prefix: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastUsedIp: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Token' },
);

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ maxLength: 200 }),
    scopes: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 }),
    expiresAt: Type.Optional(DateTime()),
  },
  { additionalProperties: false },
);

export const CreatedToken = Type.Object({ token: Type.Ref('Token'), secret: Type.String() });
export const TokenList = Type.Object({ items: Type.Array(Type.Ref('Token')) });
export const AccessToken = Type.Object({ accessToken: Type.String(), tokenType: Type.Literal('Bearer'), expiresIn: Type.Integer(), scope: Type.String() });
