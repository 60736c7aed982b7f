import { Type } from 'typebox';

export const UserSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    username: Type.String(),
    name: Type.String(),
    email: Type.String(),
    isAdmin: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' }),
    emailVerified: Type.Boolean(),
    emailSuppressed: Type.Boolean(),
    notices: Type.Boolean(),
    language: Type.String(),
    faceRecognition: Type.Boolean({ description: 'faces in your library are found and matched to your people; off deletes them' }),
  },
  { $id: 'User' },
);

export const RegisterBody = Type.Object(
  {
    name: Type.String({ maxLength: 200 }),
    username: Type.String({ maxLength: 64 }),
    email: Type.String({ maxLength: 320 }),
    password: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const UserEnvelope = Type.Object({ user: Type.Ref('User') });
export const SessionEnvelope = Type.Object({ user: Type.Ref('User'), csrfToken: Type.Union([Type.String(), Type.Null()]) });
/** /auth/me also tells the client the server's limits, so it can refuse a file before sending it. */
export const MeEnvelope = Type.Object({ ...SessionEnvelope.properties, limits: Type.Object({ maxUploadBytes: Type.Integer() }) });

export const LogoutQuery = Type.Object({ everywhere: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('1'), Type.Literal('false'), Type.Literal('0')])) }, { additionalProperties: false });

export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);
