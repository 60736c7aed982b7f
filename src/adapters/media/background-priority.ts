import { readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Media tools run at a lower scheduling priority than the server: on a small machine a
 * thumbnail or probe then takes the CPU the requests leave, instead of delaying them.
 */
const MEDIA_TOOL_NICENESS = 10;

export function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    os.setPriority(pid, MEDIA_TOOL_NICENESS);
  } catch {
    // The process already exited, or the platform refuses: it runs at normal priority.
  }
}

/**
 * Lowers the scheduling priority of the calling thread alone (Linux: a thread is a task with
 * its own tid and niceness), e.g. a worker thread running a model beside the server's event
 * loop. Never raises it. Returns the thread's tid, or undefined where threads cannot be told
 * apart (not Linux) or the platform refuses.
 */
export function lowerThreadPriority(niceness: number): number | undefined {
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    const tid = Number(path.basename(readlinkSync('/proc/thread-self')));
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    os.setPriority(tid, Math.max(os.getPriority(tid), niceness));
    return tid;
  } catch {
    return undefined;
  }
}
