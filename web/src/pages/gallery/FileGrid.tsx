import { useMemo } from 'react';
import { useI18n } from '../../i18n/i18n';
import type { VaultFile } from '../../api/api';
import { dayKey, formatDayHeading } from '../../lib/format';
import { Tile } from './Tile';

interface DayGroup<F extends VaultFile> {
  key: string;
  date: string;
  files: F[];
}

/** The list is newest first, so files of one day are always next to each other. */
function groupByDay<F extends VaultFile>(files: F[], dateOf: (file: F) => string): DayGroup<F>[] {
  const groups: DayGroup<F>[] = [];
  for (const file of files) {
    const key = dayKey(dateOf(file));
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.files.push(file);
    else groups.push({ key, date: dateOf(file), files: [file] });
  }
  return groups;
}

export interface FileGridProps<F extends VaultFile> {
  files: F[];
  /** The date that orders the list (upload by default; sharing for "Shared with me"). */
  dateOf?(file: F): string;
  /** The tile's address; the library's viewer by default. */
  hrefOf?(file: F): string;
  ownerOf?(file: F): string;
  /** 'day' (the default): a heading per day of dateOf; 'none': one grid (sorted by name or size). */
  grouping?: 'day' | 'none';
}

const byUpload = (file: VaultFile) => file.createdAt;

/** The library grid, in sections per upload day, like a photo timeline. */
export function FileGrid<F extends VaultFile>({ files, dateOf = byUpload, hrefOf, ownerOf, grouping = 'day' }: FileGridProps<F>) {
  const { locale } = useI18n();
  const groups = useMemo(() => groupByDay(files, dateOf), [files, dateOf]);
  if (grouping === 'none') {
    return (
      <ul className="grid">
        {files.map((file) => (
          <li key={file.id}>
            <Tile file={file} to={hrefOf?.(file)} owner={ownerOf?.(file)} />
          </li>
        ))}
      </ul>
    );
  }
  return (
    <>
      {groups.map((group) => (
        <section key={group.key} className="day" aria-labelledby={`day-${group.key}`}>
          <h2 id={`day-${group.key}`} className="day-heading">
            {formatDayHeading(group.date, locale)}
          </h2>
          <ul className="grid">
            {group.files.map((file) => (
              <li key={file.id}>
                <Tile file={file} to={hrefOf?.(file)} owner={ownerOf?.(file)} />
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}
