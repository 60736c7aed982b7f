import os from 'node:os';

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
