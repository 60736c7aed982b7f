import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './en';
import { ptBR } from './pt-BR';

export type Locale = 'en' | 'pt-BR';

export const LOCALES: ReadonlyArray<{ code: Locale; label: string }> = [
  { code: 'en', label: 'English' },
  { code: 'pt-BR', label: 'Português (Brasil)' },
];

const DICTIONARIES: Record<Locale, Record<MessageKey, string>> = { en, 'pt-BR': ptBR };
const STORAGE_KEY = 'coffer.locale';

type Vars = Record<string, string | number>;
/** Keys that have plural forms, without their ".one"/".other" suffix. */
export type PluralKey = MessageKey extends infer K ? (K extends `${infer Base}.other` ? Base : never) : never;

export interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey, vars?: Vars): string;
  /** Plural-aware lookup: picks `${key}.one` or `${key}.other` for `count` with Intl.PluralRules. */
  tn(key: PluralKey, count: number, vars?: Vars): string;
}

function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'pt-BR';
}

function initialLocale(): Locale {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // Storage can be unavailable (privacy modes); fall back to the browser's language.
  }
  return navigator.language.toLowerCase().startsWith('pt') ? 'pt-BR' : 'en';
}

function interpolate(template: string, vars: Vars | undefined, locale: Locale): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => {
    const value = vars[name];
    if (value === undefined) return match;
    return typeof value === 'number' ? new Intl.NumberFormat(locale).format(value) : value;
  });
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not fatal: the choice just won't survive a reload.
    }
  }, []);

  const value = useMemo<I18n>(() => {
    const dictionary = DICTIONARIES[locale];
    const plurals = new Intl.PluralRules(locale);
    const t = (key: MessageKey, vars?: Vars) => interpolate(dictionary[key], vars, locale);
    const tn = (key: PluralKey, count: number, vars?: Vars) => {
      const form = plurals.select(count) === 'one' ? 'one' : 'other';
      return t(`${key}.${form}` as MessageKey, { count, ...vars });
    };
    return { locale, setLocale, t, tn };
  }, [locale, setLocale]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n must be used inside <I18nProvider>');
  return value;
}

/** Sets document.title to "<title> · Coffer"; null leaves it to another component. */
export function useDocumentTitle(title: string | null): void {
  useEffect(() => {
    if (title !== null) document.title = title ? `${title} · Coffer` : 'Coffer';
  }, [title]);
}
