import { useFaceClusters, usePeople } from '../../api/queries';
import type { User } from '../../api/api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Footer } from '../../components/Footer';
import { Spinner } from '../../components/Spinner';
import { TopBar } from '../../components/TopBar';
import { useDocumentTitle, useI18n } from '../../i18n/i18n';
import { useSearchParam } from '../../lib/router';
import { EmptyState } from '../gallery/EmptyState';
import { ClusterCard, PersonCard } from './PeopleCards';
import '../../styles/gallery.css';
import '../../styles/shell.css';
import '../../styles/people.css';

/**
 * The people one has named, by name, with a cover face and how many photos each is in;
 * hidden people only when asked (?hidden=1). Below them, groups of unnamed faces that look
 * alike, each waiting for a name.
 */
export function PeoplePage({ user }: { user: User }) {
  const { t } = useI18n();
  useDocumentTitle(t('title.people'));
  const [hiddenParam, setHiddenParam] = useSearchParam('hidden');
  const showHidden = hiddenParam === '1';
  const people = usePeople(showHidden);
  const clusters = useFaceClusters();
  const clusterItems = clusters.data ?? [];

  let body;
  if (people.isPending) body = <Spinner label={t('app.loading')} size={24} />;
  else if (people.isError) body = <ErrorNotice lead={t('people.loadError')} error={people.error} onRetry={() => void people.refetch()} />;
  else if (people.data.length === 0) body = <EmptyState icon="users" title={t('people.empty.title')} body={t('people.empty.body')} />;
  else
    body = (
      <ul className={`people-grid${people.isPlaceholderData ? ' results--stale' : ''}`} data-testid="people-grid">
        {people.data.map((person) => (
          <PersonCard key={person.id} person={person} />
        ))}
      </ul>
    );

  return (
    <div className="library">
      <TopBar user={user} />
      <main className="library-main">
        <div className="library-toolbar">
          <div>
            <h1 className="page-title">{t('people.heading')}</h1>
            <p className="page-subheading">{t('people.subheading')}</p>
          </div>
          <label className="people-hidden-toggle">
            <input type="checkbox" checked={showHidden} data-testid="people-show-hidden" onChange={(event) => setHiddenParam(event.target.checked ? '1' : '')} />
            {t('people.showHidden')}
          </label>
        </div>
        {body}
        {clusters.isError ? (
          <ErrorNotice lead={t('people.clustersError')} error={clusters.error} onRetry={() => void clusters.refetch()} />
        ) : (
          clusterItems.length > 0 && (
            <section className="people-clusters" aria-labelledby="people-clusters-heading">
              <h2 id="people-clusters-heading" className="day-heading">
                {t('people.clusters')}
              </h2>
              <p className="muted">{t('people.clustersHint')}</p>
              <ul className="people-grid" data-testid="cluster-grid">
                {clusterItems.map((cluster) => (
                  <ClusterCard key={cluster.id} cluster={cluster} />
                ))}
              </ul>
            </section>
          )
        )}
      </main>
      <Footer />
    </div>
  );
}
