import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import type { FileKind } from '../../api/api';
import { Icon } from '../../components/Icon';

const OPTIONS: ReadonlyArray<{ kind: FileKind | null; label: MessageKey }> = [
  { kind: null, label: 'filter.all' },
  { kind: 'image', label: 'filter.image' },
  { kind: 'audio', label: 'filter.audio' },
  { kind: 'video', label: 'filter.video' },
];

export function KindFilter({ value, onChange }: { value: FileKind | null; onChange(kind: FileKind | null): void }) {
  const { t } = useI18n();
  return (
    <div className="chips" role="group" aria-label={t('gallery.filter')}>
      {OPTIONS.map(({ kind, label }) => (
        <button
          key={label}
          type="button"
          className="chip"
          aria-pressed={value === kind}
          onClick={() => onChange(kind)}
        >
          {kind && <Icon name={kind} size={16} />}
          {t(label)}
        </button>
      ))}
    </div>
  );
}
