import { Type } from 'typebox';

const JobStatus = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]);

export const JobSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  fileId: Type.String({ format: 'uuid' }),
  ownerId: Type.String(),
  step: Type.String({ description: 'The pipeline step, for example "describe" (thumbnail, size, duration)' }),
  status: JobStatus,
  attempts: Type.Integer({ description: 'Runs so far (a retry after `POST /admin/jobs/retry` starts again from 0)' }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  runAfter: Type.String({ format: 'date-time', description: 'Not run before this instant (backoff)' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const JobsQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('running'), Type.Literal('failed'), Type.Literal('queued')], { description: 'Only these jobs (default: running and failed)' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);

export const JobsOverview = Type.Object({
  waiting: Type.Integer({ description: 'Queued jobs (the queue depth), due now or after a backoff' }),
  running: Type.Integer(),
  failed: Type.Integer({ description: 'Jobs that failed for good' }),
  items: Type.Array(JobSchema, { description: 'Running and failed jobs (or those of `status`), most recently changed first' }),
});

export const RetryBody = Type.Object(
  { ids: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 500, description: 'Failed jobs to retry; without it, every failed job' })) },
  { additionalProperties: false },
);

export const RetryResult = Type.Object({ retried: Type.Integer({ description: 'How many failed jobs were queued again' }) });
