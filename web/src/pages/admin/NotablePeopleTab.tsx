import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { keys, useNotablePeople } from '../../api/queries';
import { CardEmpty, CardLoading } from '../../components/CardStates';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { Card } from '../../components/PageLayout';
import { errorMessage } from '../../i18n/errors';
import { useI18n, type I18n } from '../../i18n/i18n';
import { ApiError, api, type NotablePerson } from '../../api/api';
import { NotablePersonForm } from './NotablePersonForm';
import { NotablePersonRow } from './NotablePersonRow';
import { WhoSwitch } from './WhoSwitch';

/** The most photos the server reads in one request (people.routes.ts). */
const MAX_PHOTOS = 20;

type Notice = { tone: 'success' | 'error'; text: string };

/** Why the server refused a person's photos, for the admin; nothing was kept in each case. */
function photoFailure(error: unknown, name: string, i18n: Pick<I18n, 't' | 'tn'>): string {
  const { t } = i18n;
  if (error instanceof ApiError) {
    if (error.status === 400 && error.details.some((detail) => detail.reason === 'no_face')) return t('notable.noFace', { name });
    if (error.status === 400) return t('notable.photoRefused', { name, reason: error.message });
    if (error.status === 413) return t('notable.photoTooLarge', { name });
    if (error.status === 415) return t('notable.photoNotImage');
    if (error.status === 503) return t('notable.finderUnavailable');
  }
  return errorMessage(error, i18n);
}

/**
 * Administration → Notable people: whether guests may use "Who is this?" (/who), and the
 * people it can name. Add one, then
 * reference photos (each photo's largest face is kept, never the photo); delete one with its faces.
 */
export function NotablePeopleTab() {
  const i18n = useI18n();
  const { t, tn } = i18n;
  const people = useNotablePeople();
  const queries = useQueryClient();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [uploadingId, setUploadingId] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<NotablePerson | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);

  const refresh = () => void queries.invalidateQueries({ queryKey: keys.notablePeople });

  function created(person: NotablePerson): void {
    queries.setQueryData<NotablePerson[]>(keys.notablePeople, (items) => (items ? [...items, person].sort((a, b) => a.name.localeCompare(b.name)) : items));
    refresh();
    setNotice({ tone: 'success', text: t('notable.created', { name: person.name }) });
  }

  async function addPhotos(person: NotablePerson, photos: File[]): Promise<void> {
    if (photos.length > MAX_PHOTOS) {
      setNotice({ tone: 'error', text: t('notable.tooManyPhotos', { max: MAX_PHOTOS }) });
      return;
    }
    setNotice(null);
    setUploadingId(person.id);
    try {
      const { data } = await api.addNotablePhotos(person.id, photos);
      setNotice({ tone: 'success', text: tn('notable.photosAdded', data.faces, { name: person.name }) });
    } catch (error) {
      setNotice({ tone: 'error', text: photoFailure(error, person.name, i18n) });
    } finally {
      setUploadingId(null);
      // Read again either way: a 404 means someone else deleted the person meanwhile.
      refresh();
    }
  }

  async function confirmDelete(): Promise<void> {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      await api.deleteNotablePerson(deleting.id);
      queries.setQueryData<NotablePerson[]>(keys.notablePeople, (items) => items?.filter((person) => person.id !== deleting.id));
      refresh();
      setNotice({ tone: 'success', text: t('notable.deleted', { name: deleting.name }) });
      setDeleting(null);
    } catch (error) {
      setDeleteError(error);
    } finally {
      setDeleteBusy(false);
    }
  }

  let list;
  if (people.isPending) list = <CardLoading />;
  else if (people.isError)
    list = (
      <div className="card-pad">
        <ErrorNotice lead={t('notable.loadError')} error={people.error} onRetry={() => void people.refetch()} />
      </div>
    );
  else if (people.data.length === 0)
    list = (
      <CardEmpty icon="users" iconSize={24}>
        {t('notable.empty')}
      </CardEmpty>
    );
  else
    list = (
      <div className="table-wrap">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t('notable.col.person')}</th>
              <th scope="col" className="col-number">
                {t('notable.col.faces')}
              </th>
              <th scope="col" className="col-actions">
                <span className="visually-hidden">{t('notable.col.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {people.data.map((person) => (
              <NotablePersonRow
                key={person.id}
                person={person}
                uploading={uploadingId === person.id}
                disabled={uploadingId !== null || deleteBusy}
                onPhotos={(target, photos) => void addPhotos(target, photos)}
                onDelete={(target) => {
                  setDeleteError(null);
                  setDeleting(target);
                }}
              />
            ))}
          </tbody>
        </table>
      </div>
    );

  return (
    <section className="admin-section" aria-label={t('admin.tab.people')} data-testid="people-admin">
      <p className="muted people-intro">{t('notable.intro')}</p>
      {notice && (
        <div className={`form-alert form-alert--${notice.tone} admin-notice`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid={`people-notice-${notice.tone}`}>
          <Icon name={notice.tone === 'error' ? 'alert' : 'check'} size={16} />
          <span>{notice.text}</span>
          <button type="button" className="icon-btn icon-btn--small" aria-label={t('common.close')} onClick={() => setNotice(null)}>
            <Icon name="close" size={14} />
          </button>
        </div>
      )}
      <WhoSwitch />
      <Card title={t('notable.create.heading')} labelledBy="people-create" icon={<Icon name="userPlus" size={18} />}>
        <NotablePersonForm onCreated={created} />
      </Card>
      <Card title={t('notable.list.heading')} labelledBy="people-list" icon={<Icon name="users" size={18} />} className="card--flush">
        {list}
      </Card>

      <ConfirmDialog
        open={deleting !== null}
        title={t('notable.delete.title', { name: deleting?.name ?? '' })}
        confirmLabel={t('notable.delete.confirm')}
        busyLabel={t('notable.deleting')}
        busy={deleteBusy}
        error={deleteError !== null ? errorMessage(deleteError, i18n) : null}
        errorTestId="person-delete-error"
        confirmTestId="person-delete-confirm"
        onConfirm={confirmDelete}
        onClose={() => setDeleting(null)}
      >
        <p>{t('notable.delete.body', { name: deleting?.name ?? '' })}</p>
      </ConfirmDialog>
    </section>
  );
}
