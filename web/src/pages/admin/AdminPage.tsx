import { useEffect, useRef } from 'react';
import { Icon, type IconName } from '../../components/Icon';
import { PageLayout } from '../../components/PageLayout';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/en';
import type { User } from '../../api/api';
import { Link, type AdminTab } from '../../lib/router';
import { AuditTab } from './AuditTab';
import { InstancesTab } from './InstancesTab';
import { JobsTab } from './JobsTab';
import { NotablePeopleTab } from './NotablePeopleTab';
import { StorageStatus } from './StorageStatus';
import { UsersTab } from './UsersTab';
import { MailAdminTab } from '../mail/MailAdminTab';
import '../../styles/admin.css';

const TABS: ReadonlyArray<{ tab: AdminTab; label: MessageKey; icon: IconName }> = [
  { tab: 'users', label: 'admin.tab.users', icon: 'users' },
  { tab: 'audit', label: 'admin.tab.audit', icon: 'activity' },
  { tab: 'instances', label: 'admin.tab.instances', icon: 'server' },
  { tab: 'jobs', label: 'admin.tab.jobs', icon: 'clock' },
  { tab: 'people', label: 'admin.tab.people', icon: 'eye' },
  { tab: 'mail', label: 'mail.admin.tab', icon: 'inbox' },
];

/** Administration, one address per section so that each can be bookmarked. */
export function AdminPage({ user, tab }: { user: User; tab: AdminTab }) {
  const { t } = useI18n();
  const current = TABS.find((item) => item.tab === tab) ?? TABS[0];
  useDocumentTitle(`${t(current.label)} · ${t('title.admin')}`);
  const navRef = useRef<HTMLElement>(null);

  // On narrow screens the tabs scroll sideways: keep the current one in sight.
  useEffect(() => {
    const nav = navRef.current;
    const active = nav?.querySelector<HTMLElement>('[aria-current="page"]');
    if (nav && active) nav.scrollLeft = Math.max(0, active.offsetLeft + active.offsetWidth / 2 - nav.clientWidth / 2);
  }, [tab]);

  return (
    <PageLayout user={user} title={t('admin.heading')} subheading={t('admin.subheading')} width="wide">
      <nav ref={navRef} className="tabs" aria-label={t('admin.tabs')}>
        {TABS.map((item) => (
          <Link
            key={item.tab}
            to={`/admin/${item.tab}`}
            className="tab"
            aria-current={item.tab === tab ? 'page' : undefined}
            data-testid={`admin-tab-${item.tab}`}
          >
            <Icon name={item.icon} size={17} />
            {t(item.label)}
          </Link>
        ))}
      </nav>
      <StorageStatus />
      {tab === 'users' && <UsersTab me={user} />}
      {tab === 'audit' && <AuditTab />}
      {tab === 'instances' && <InstancesTab />}
      {tab === 'jobs' && <JobsTab />}
      {tab === 'people' && <NotablePeopleTab />}
      {tab === 'mail' && <MailAdminTab />}
    </PageLayout>
  );
}
