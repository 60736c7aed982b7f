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
interface Year<F> {
  key: string;
  months: Month<F>[];
}

/**
 * Year → month → day groups of a list sorted by date taken. Keys are UTC, like the timeline's
 * buckets (a takenAt without a time zone is the camera's wall clock read as UTC).
 */
function groupByTaken<F extends VaultFile>(files: F[]): Year<F>[] {
  const years: Year<F>[] = [];
  for (const file of files) {
    const taken = file.takenAt ?? file.createdAt;
    const yearKey = taken.slice(0, 4);
    const monthKey = taken.slice(0, 7);
    const dayKey = taken.slice(0, 10);
    let year = years.at(-1);
    if (!year || year.key !== yearKey) years.push((year = { key: yearKey, months: [] }));
    let month = year.months.at(-1);
    if (!month || month.key !== monthKey) year.months.push((month = { key: monthKey, days: [] }));
    const day = month.days.at(-1);
    if (day && day.key === dayKey) day.files.push(file);
    else month.days.push({ key: dayKey, files: [file] });
  }
  return years;
}

/** Per month and per year, the server's counts ("YYYY-MM" and "YYYY" keys). */
function countsOf(buckets: TimelineBucket[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const bucket of buckets) {
    counts.set(bucket.month, bucket.count);
    const year = bucket.month.slice(0, 4);
    counts.set(year, (counts.get(year) ?? 0) + bucket.count);
  }
  return counts;
}

function loadedIn(month: Month<unknown>): number {
  return month.days.reduce((sum, day) => sum + day.files.length, 0);
}

interface TakenTimelineProps<F extends VaultFile> {
  files: F[];
  /** The server's count per month, which covers pages not loaded yet. */
  buckets: TimelineBucket[];
}

/**
 * The library by date taken: a heading per year and per month with the server's count (files
 * of pages not loaded yet included), a sub-heading per day.
 */
export function TakenTimeline<F extends VaultFile>({ files, buckets }: TakenTimelineProps<F>) {
  const { locale } = useI18n();
  const years = useMemo(() => groupByTaken(files), [files]);
  const counts = useMemo(() => countsOf(buckets), [buckets]);
  return (
    <>
      {years.map((year) => (
        <section key={year.key} className="year" aria-labelledby={`year-${year.key}`} data-testid="timeline-year" data-year={year.key}>
          <h2 id={`year-${year.key}`} className="year-heading" data-testid="year-heading">
            {year.key} · {counts.get(year.key) ?? year.months.reduce((sum, month) => sum + loadedIn(month), 0)}
          </h2>
          {year.months.map((month) => (
            <section key={month.key} className="month" aria-labelledby={`month-${month.key}`} data-testid="timeline-month" data-month={month.key}>
              <h3 id={`month-${month.key}`} className="month-heading" data-testid="month-heading">
                {formatMonth(month.key, locale)} · {counts.get(month.key) ?? loadedIn(month)}
              </h3>
              {month.days.map((day) => (
                <section key={day.key} className="day" aria-labelledby={`day-${day.key}`}>
                  <h4 id={`day-${day.key}`} className="day-heading" data-testid="day-heading">
                    {formatTakenDay(`${day.key}T00:00:00Z`, locale)}
                  </h4>
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
          ))}
        </section>
      ))}
    </>
  );
}
