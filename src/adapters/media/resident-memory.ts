import { readFileSync } from 'node:fs';

/** Resident memory of a process (VmRSS), or 0 where /proc cannot tell. */
export function residentBytes(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
