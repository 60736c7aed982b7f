import { Type } from 'typebox';
import { MetadataSchema } from './media-metadata.js';

export const FileSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    kind: Type.Union([Type.Literal('image'), Type.Literal('audio'), Type.Literal('video')]),
    contentType: Type.String(),
    size: Type.Integer(),
    sha256: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    takenAt: Type.Optional(Type.String({ format: 'date-time', description: 'When it was taken (UTC); metadata.takenAtSource says where that comes from — the upload time when the file says nothing' })),
    width: Type.Optional(Type.Integer()),
    height: Type.Optional(Type.Integer()),
    durationSeconds: Type.Optional(Type.Number()),
    metadata: Type.Optional(MetadataSchema),
    urls: Type.Object({ content: Type.String(), download: Type.String(), thumbnail: Type.Optional(Type.String()) }),
    duplicateOf: Type.Optional(Type.String({ format: 'uuid', description: 'On an upload response only: your file that already has these bytes (DUPLICATES=keep)' })),
    processing: Type.Optional(
      Type.Object(
        {
          status: Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('failed')], { description: 'pending while background steps (thumbnail, facts) are queued or running; failed when one failed for good' }),
          failedSteps: Type.Array(Type.String(), { description: 'The steps that failed for good, for example ["describe"]' }),
        },
        { description: 'What the background processing of the file has come to' },
      ),
    ),
    /** What the caller may do with it, so that clients need not probe for a 403. */
    permissions: Type.Object({ write: Type.Boolean(), share: Type.Boolean() }),
  },
  { $id: 'File' },
);

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    kind: Type.Optional(Type.Union([Type.Literal('image'), Type.Literal('audio'), Type.Literal('video')])),
    person: Type.Optional(Type.String({ format: 'uuid', description: 'only files in which this person (one of yours) was found' })),
    q: Type.Optional(Type.String({ maxLength: 200 })),
    sort: Type.Optional(Type.Union([Type.Literal('createdAt'), Type.Literal('takenAt'), Type.Literal('name'), Type.Literal('size')], { description: 'createdAt (upload time, the default), takenAt, name or size' })),
    order: Type.Optional(Type.Union([Type.Literal('desc'), Type.Literal('asc')], { description: 'desc (the default) or asc' })),
    takenFrom: Type.Optional(DateOrDateTime('Taken at or after this (a date is midnight UTC)')),
    takenTo: Type.Optional(DateOrDateTime('Taken before this (a date is midnight UTC)')),
  },
  { additionalProperties: false },
);

function DateOrDateTime(description: string) {
  return Type.String({ maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$', description });
}

export const TimelineQuery = Type.Object({ kind: Type.Optional(Type.Union([Type.Literal('image'), Type.Literal('audio'), Type.Literal('video')])) }, { additionalProperties: false });

export const Timeline = Type.Object({
  buckets: Type.Array(Type.Object({ month: Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'YYYY-MM (UTC) of takenAt' }), count: Type.Integer({ minimum: 1 }) }), { description: 'Months with files, newest first' }),
});

export const ContentQuery = Type.Object({ download: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false });

export const RenameBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });

export const FilePage = Type.Object({ items: Type.Array(Type.Ref('File')), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export const FileList = Type.Object({ items: Type.Array(Type.Ref('File')) });

export const BulkDeleteBody = Type.Object({ ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 200 }) }, { additionalProperties: false });

export const DuplicatesQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }), cursor: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const DuplicateGroupPage = Type.Object({
  items: Type.Array(
    Type.Object({
      sha256: Type.String(),
      size: Type.Integer(),
      count: Type.Integer({ description: 'Files with these bytes; `files` lists the oldest 50' }),
      files: Type.Array(Type.Ref('File'), { description: 'Oldest first: the first is the original' }),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
