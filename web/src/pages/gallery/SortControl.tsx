import type { FileSort } from '../../api/api';
import type { MessageKey } from '../../i18n/en';
import { useI18n } from '../../i18n/i18n';
import { SORTS } from './useLibraryFilters';

const LABELS: Record<FileSort, MessageKey> = {
  takenAt: 'sort.takenAt',
  createdAt: 'sort.createdAt',
  name: 'sort.name',
  size: 'sort.size',
};

interface SortControlProps {
  sort: FileSort;
  order: 'asc' | 'desc';
  onSort(sort: FileSort): void;
  onOrder(order: 'asc' | 'desc'): void;
}

/** What orders the library, and which way. */
export function SortControl({ sort, order, onSort, onOrder }: SortControlProps) {
  const { t } = useI18n();
  // Dates read newest/oldest; names and sizes A→Z / smallest first.
  const orderLabels: Record<'asc' | 'desc', MessageKey> =
    sort === 'name' ? { asc: 'sort.nameAsc', desc: 'sort.nameDesc' } : sort === 'size' ? { asc: 'sort.sizeAsc', desc: 'sort.sizeDesc' } : { asc: 'sort.oldest', desc: 'sort.newest' };
  return (
    <div className="sort-control">
      <label className="visually-hidden" htmlFor="library-sort">
        {t('sort.label')}
      </label>
      <select id="library-sort" className="select" data-testid="library-sort" value={sort} onChange={(event) => onSort(event.target.value as FileSort)}>
        {SORTS.map((value) => (
          <option key={value} value={value}>
            {t(LABELS[value])}
          </option>
        ))}
      </select>
      <label className="visually-hidden" htmlFor="library-order">
        {t('sort.order')}
      </label>
      <select id="library-order" className="select" data-testid="library-order" value={order} onChange={(event) => onOrder(event.target.value as 'asc' | 'desc')}>
        <option value="desc">{t(orderLabels.desc)}</option>
        <option value="asc">{t(orderLabels.asc)}</option>
      </select>
    </div>
  );
}
