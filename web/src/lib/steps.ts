import type { I18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/en';

/** The server's background steps (src/features/files/pipeline.ts) this UI has names for. */
const KNOWN_STEPS = ['describe'];

/** A pipeline step as people call it; a step this UI does not know yet keeps its name. */
export function stepLabel(step: string, { t }: Pick<I18n, 't'>): string {
  return KNOWN_STEPS.includes(step) ? t(`jobs.step.${step}` as MessageKey) : step;
}
