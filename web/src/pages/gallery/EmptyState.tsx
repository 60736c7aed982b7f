import type { ReactNode } from 'react';
import { Icon, type IconName } from '../../components/Icon';

interface EmptyStateProps {
  icon: IconName;
  title: string;
  body: string;
  action?: ReactNode;
}

export function EmptyState({ icon, title, body, action }: EmptyStateProps) {
  return (
    <div className="empty-state">
      <div className="empty-state-art" aria-hidden="true">
        <span className="empty-state-card empty-state-card--back">
          <Icon name="audio" size={22} />
        </span>
        <span className="empty-state-card empty-state-card--mid">
          <Icon name="video" size={22} />
        </span>
        <span className="empty-state-card empty-state-card--front">
          <Icon name={icon} size={30} />
        </span>
      </div>
      <h2>{title}</h2>
      <p>{body}</p>
      {action}
    </div>
  );
}
