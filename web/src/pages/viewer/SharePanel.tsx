import { Modal } from '../../components/Modal';
import { useI18n } from '../../i18n/i18n';
import type { VaultFile } from '../../api/api';
import { ShareLinks } from './ShareLinks';
import { SharePeople } from './SharePeople';
import '../../styles/share.css';

/** Who a file is shared with, and its public links: add, copy, revoke. */
export function SharePanel({ file, onClose }: { file: VaultFile; onClose(): void }) {
  const { t } = useI18n();
  return (
    <Modal title={t('share.title', { name: file.name })} onClose={onClose} className="share-modal" testId="share-panel">
      <SharePeople file={file} />
      <ShareLinks file={file} />
    </Modal>
  );
}
