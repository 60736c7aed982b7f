/** A moment as the camera recorded it: its wall-clock time and, when known, its UTC offset. */
export interface TakenAt {
  /** `YYYY-MM-DDTHH:MM:SS`, the clock where it was taken. */
  local: string;
  /** `+HH:MM`, when the file says. */
  offset?: string;
  /** The instant, ISO-8601 UTC; the local time read as UTC when the offset is unknown. */
  utc: string;
}

/**
 * `YYYY:MM:DD HH:MM:SS` (EXIF) or an ISO-8601 string (XMP, possibly with its own offset).
 * Dates out of any camera's range (before 1826, after 2200) and impossible ones are none.
 */
export function parseExifDate(value: unknown, offset?: string): TakenAt | undefined {
  const match = typeof value === 'string' ? /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '00', zone] = match;
  const local = `${y}-${mo}-${d}T${h}:${mi}:${s}`;
  const own = zone === undefined ? undefined : zone === 'Z' ? '+00:00' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const known = own ?? offset;
  const instant = new Date(`${local}${known ?? 'Z'}`);
  const year = Number(y);
  if (Number.isNaN(instant.getTime()) || year < 1826 || year > 2200) return undefined;
  // Date() rolls 2021-02-30 over into March; a real date reads back the same.
  if (new Date(`${local}Z`).toISOString().slice(0, 19) !== local) return undefined;
  return { local, ...(known ? { offset: known } : {}), utc: instant.toISOString() };
}

