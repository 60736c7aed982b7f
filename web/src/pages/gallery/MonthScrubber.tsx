import type { TimelineBucket } from '../../api/api';
import { useI18n } from '../../i18n/i18n';
import { formatMonth } from '../../lib/format';

interface MonthScrubberProps {
  buckets: TimelineBucket[];
  /** The month jumped to, or '' for the start of the timeline. */
  month: string;
  onJump(month: string): void;
}

/**
 * The months that have files, newest first, grouped under their years: picking one lists the
 * timeline from that month on (the list asks the server for files taken before its end).
 */
export function MonthScrubber({ buckets, month, onJump }: MonthScrubberProps) {
  const { t, locale } = useI18n();
  if (buckets.length < 2) return null;
  const years = new Map<string, TimelineBucket[]>();
  for (const bucket of buckets) {
    const year = bucket.month.slice(0, 4);
    years.set(year, [...(years.get(year) ?? []), bucket]);
  }
  return (
    <nav className="scrubber" aria-label={t('timeline.scrubber')} data-testid="month-scrubber">
      <button type="button" className="scrubber-all" aria-pressed={month === ''} onClick={() => onJump('')}>
        {t('timeline.latest')}
      </button>
      {[...years].map(([year, months]) => (
        <div key={year} className="scrubber-year">
          <span className="scrubber-year-label" data-testid="scrubber-year" title={`${year} · ${months.reduce((sum, bucket) => sum + bucket.count, 0)}`}>
            {year}
          </span>
          {months.map((bucket) => (
            <button
              key={bucket.month}
              type="button"
              className="scrubber-month"
              data-testid="scrubber-month"
              data-month={bucket.month}
              aria-pressed={month === bucket.month}
              title={`${formatMonth(bucket.month, locale)} · ${bucket.count}`}
              onClick={() => onJump(bucket.month)}
            >
              {formatMonth(bucket.month, locale, 'short')}
            </button>
          ))}
        </div>
      ))}
    </nav>
  );
}
