import { useMemo } from 'react';
import { useI18n } from '../../i18n/i18n';
import type { VaultFile } from '../../lib/api';
import { dayKey, formatDayHeading } from '../../lib/format';
import { Tile } from './Tile';

interface DayGroup {
  key: string;
  files: VaultFile[];
}

/** The list is newest first, so files of one day are always next to each other. */
function groupByDay(files: VaultFile[]): DayGroup[] {
  const groups: DayGroup[] = [];
  for (const file of files) {
    const key = dayKey(file.createdAt);
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.files.push(file);
    else groups.push({ key, files: [file] });
  }
  return groups;
}

/** The library grid, in sections per upload day, like a photo timeline. */
export function FileGrid({ files }: { files: VaultFile[] }) {
  const { locale } = useI18n();
  const groups = useMemo(() => groupByDay(files), [files]);
  return (
    <>
      {groups.map((group) => (
        <section key={group.key} className="day" aria-labelledby={`day-${group.key}`}>
          <h2 id={`day-${group.key}`} className="day-heading">
            {formatDayHeading(group.files[0].createdAt, locale)}
          </h2>
          <ul className="grid">
            {group.files.map((file) => (
              <li key={file.id}>
                <Tile file={file} />
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}
