import { InProcessEngine, type JobEngine } from './job-queue.js';

/** `inprocess:` (the default) or `redis://…` / `rediss://…` for BullMQ, loaded only when chosen. */
export async function openJobEngine(url: string): Promise<JobEngine> {
  if (url.startsWith('inprocess:')) return new InProcessEngine();
  const { BullMqEngine } = await import('./bullmq.js');
  return BullMqEngine.open(url);
}
