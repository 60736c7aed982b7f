import { LOCALES, useI18n, type Locale } from '../i18n/i18n';
import { Icon } from './Icon';

export function LangSwitch({ compact = false }: { compact?: boolean }) {
  const { locale, setLocale, t } = useI18n();
  return (
    <label className={`lang-switch${compact ? ' lang-switch--compact' : ''}`}>
      <Icon name="globe" size={16} />
      <span className="visually-hidden">{t('lang.label')}</span>
      <select
        data-testid="lang-switch"
        value={locale}
        onChange={(event) => setLocale(event.target.value as Locale)}
      >
        {LOCALES.map(({ code, label }) => (
          <option key={code} value={code} lang={code}>
            {compact ? code.split('-')[0].toUpperCase() : label}
          </option>
        ))}
      </select>
      <Icon name="chevronDown" size={14} className="lang-switch-caret" />
    </label>
  );
}
