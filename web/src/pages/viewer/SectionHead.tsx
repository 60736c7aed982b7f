import { Icon } from '../../components/Icon';

export function SectionHead({ id, icon, title, hint }: { id: string; icon: 'users' | 'link'; title: string; hint: string }) {
  return (
    <div className="share-section-head">
      <span className="share-section-icon" aria-hidden="true">
        <Icon name={icon} size={18} />
      </span>
      <div>
        <h3 id={id}>{title}</h3>
        <p>{hint}</p>
      </div>
    </div>
  );
}

