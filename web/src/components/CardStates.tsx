import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';
import { Icon, type IconName } from './Icon';
import { Spinner } from './Spinner';

/** A card's body while its content loads. */
export function CardLoading({ className = 'card-loading' }: { className?: string }) {
  const { t } = useI18n();
  return (
    <div className={className}>
      <Spinner label={t('app.loading')} size={24} />
    </div>
  );
}

interface CardEmptyProps {
  icon: IconName;
  iconSize?: number;
  title?: string;
  children: ReactNode;
  className?: string;
  testId?: string;
}

/** A card's body when there is nothing to list. */
export function CardEmpty({ icon, iconSize = 22, title, children, className = 'card-empty', testId }: CardEmptyProps) {
  return (
    <div className={className} data-testid={testId}>
      <span className="card-empty-icon" aria-hidden="true">
        <Icon name={icon} size={iconSize} />
      </span>
      {title !== undefined && <strong>{title}</strong>}
      <p>{children}</p>
    </div>
  );
}
