import { useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api, type Person } from '../../api/api';
import { peopleChanged } from '../../api/queries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Icon } from '../../components/Icon';
import { Menu, type MenuItem } from '../../components/Menu';
import { errorMessage } from '../../i18n/errors';
import { useI18n } from '../../i18n/i18n';
import { EditPersonDialog, MergePersonDialog } from './PersonDialogs';

type Open = 'edit' | 'merge' | 'delete' | null;

interface PersonActionsProps {
  person: Person;
  /** After a delete or a merge the person is gone: the person page leaves. */
  onGone?(into: Person | null): void;
}

/** The "…" menu of a person: rename or link, hide or show, merge into another, delete. */
export function PersonActions({ person, onGone }: PersonActionsProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const queries = useQueryClient();
  const [open, setOpen] = useState<Open>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function act(action: () => Promise<unknown>, after?: () => void): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await action();
      peopleChanged(queries);
      setOpen(null);
      after?.();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const items: MenuItem[] = [
    { key: 'edit', label: t('people.edit'), icon: 'pencil', testId: 'person-action-edit', onSelect: () => setOpen('edit') },
    {
      key: 'hide',
      label: person.hidden ? t('people.unhide') : t('people.hide'),
      icon: person.hidden ? 'eye' : 'ban',
      testId: 'person-action-hide',
      onSelect: () => void act(() => api.updatePerson(person.id, { hidden: !person.hidden })),
    },
    { key: 'merge', label: t('people.merge'), icon: 'users', testId: 'person-action-merge', onSelect: () => setOpen('merge') },
    { key: 'delete', label: t('people.delete'), icon: 'trash', tone: 'danger', testId: 'person-action-delete', separated: true, onSelect: () => (setError(null), setOpen('delete')) },
  ];

  let dialog: ReactNode = null;
  if (open === 'edit') dialog = <EditPersonDialog person={person} onClose={() => setOpen(null)} />;
  if (open === 'merge') dialog = <MergePersonDialog person={person} onClose={() => setOpen(null)} onMerged={(into) => onGone?.(into)} />;
  return (
    <>
      <Menu label={t('people.actions', { name: person.name })} triggerClassName="icon-btn" triggerTestId="person-actions" trigger={<Icon name="more" size={20} />} items={items} />
      {dialog}
      <ConfirmDialog
        open={open === 'delete'}
        title={t('people.deleteTitle', { name: person.name })}
        confirmLabel={t('people.delete')}
        busyLabel={t('people.deleting')}
        busy={busy}
        error={error !== null && open === 'delete' ? errorMessage(error, i18n) : null}
        confirmTestId="person-delete-confirm"
        onConfirm={() => void act(() => api.deletePerson(person.id), () => onGone?.(null))}
        onClose={() => setOpen(null)}
      >
        <p>{t('people.deleteBody', { name: person.name })}</p>
      </ConfirmDialog>
      {error !== null && open === null && (
        <p className="form-alert form-alert--error person-action-error" role="alert">
          {errorMessage(error, i18n)}
        </p>
      )}
    </>
  );
}
