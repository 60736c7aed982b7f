import { useMemo } from 'react';
import type { TimelineBucket, VaultFile } from '../../api/api';
import { useI18n } from '../../i18n/i18n';
import { formatMonth, formatTakenDay } from '../../lib/format';
import { Tile } from './Tile';

interface Day<F> {
  key: string;
  files: F[];
}
interface Month<F> {
  key: string;
  days: Day<F>[];
}

/**
 * Month → day groups of a list sorted by date taken. Keys are UTC, like the timeline's
 * buckets (a takenAt without a time zone is the camera's wall clock read as UTC).
 */
function groupByTaken<F extends VaultFile>(files: F[]): Month<F>[] {
  const months: Month<F>[] = [];
  for (const file of files) {
    const taken = file.takenAt ?? file.createdAt;
    const monthKey = taken.slice(0, 7);
    const dayKey = taken.slice(0, 10);
    let month = months.at(-1);
    if (!month || month.key !== monthKey) months.push((month = { key: monthKey, days: [] }));
    const day = month.days.at(-1);
    if (day && day.key === dayKey) day.files.push(file);
    else month.days.push({ key: dayKey, files: [file] });
  }
  return months;
}

interface TakenTimelineProps<F extends VaultFile> {
  files: F[];
  /** The server's count per month, which covers pages not loaded yet. */
  buckets: TimelineBucket[];
}

/** The library by date taken: a heading per month with its count, a sub-heading per day. */
export function TakenTimeline<F extends VaultFile>({ files, buckets }: TakenTimelineProps<F>) {
  const { locale } = useI18n();
  const months = useMemo(() => groupByTaken(files), [files]);
  const counts = useMemo(() => new Map(buckets.map((bucket) => [bucket.month, bucket.count])), [buckets]);
  return (
    <>
      {months.map((month) => {
        const loaded = month.days.reduce((sum, day) => sum + day.files.length, 0);
        const count = counts.get(month.key) ?? loaded;
        return (
          <section key={month.key} className="month" aria-labelledby={`month-${month.key}`} data-testid="timeline-month" data-month={month.key}>
            <h2 id={`month-${month.key}`} className="month-heading" data-testid="month-heading">
              {formatMonth(month.key, locale)} · {count}
            </h2>
            {month.days.map((day) => (
              <section key={day.key} className="day" aria-labelledby={`day-${day.key}`}>
                <h3 id={`day-${day.key}`} className="day-heading" data-testid="day-heading">
                  {formatTakenDay(`${day.key}T00:00:00Z`, locale)}
                </h3>
                <ul className="grid">
                  {day.files.map((file) => (
                    <li key={file.id}>
                      <Tile file={file} />
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          </section>
        );
      })}
    </>
  );
}
