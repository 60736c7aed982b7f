import { Avatar } from '../../components/Avatar';
import { KindIcon } from '../../components/Icon';
import { useI18n } from '../../i18n/i18n';
import type { VaultFile } from '../../api/api';
import { formatDateTime, formatDuration, formatSize } from '../../lib/format';
import { stepLabel } from '../../lib/steps';
import { MediaFacts } from './MediaFacts';

/** The details panel beside (or, on narrow screens, below) the media. */
export function ViewerInfo({ file, owner, sharedAt }: { file: VaultFile; owner?: string; sharedAt?: string }) {
  const { t, locale } = useI18n();
  return (
    <aside className="viewer-info" aria-labelledby="viewer-info-title">
      <h2 id="viewer-info-title">{t('viewer.details')}</h2>
      <dl>
        <div>
          <dt>{t('viewer.type')}</dt>
          <dd>
            <span className="kind-pill">
              <KindIcon kind={file.kind} size={14} />
              {t(`kind.${file.kind}`)}
            </span>
            <span className="muted">{file.contentType}</span>
          </dd>
        </div>
        <div>
          <dt>{t('viewer.size')}</dt>
          <dd>{formatSize(file.size, locale)}</dd>
        </div>
        {file.width !== undefined && file.height !== undefined && (
          <div>
            <dt>{t('viewer.dimensions')}</dt>
            <dd>{t('viewer.dimensionsValue', { width: file.width, height: file.height })}</dd>
          </div>
        )}
        {file.durationSeconds !== undefined && (
          <div>
            <dt>{t('viewer.duration')}</dt>
            <dd>{formatDuration(file.durationSeconds)}</dd>
          </div>
        )}
        {file.processing && file.processing.status !== 'done' && (
          <div data-testid="viewer-processing" data-status={file.processing.status}>
            <dt>{t('viewer.processing')}</dt>
            <dd className={file.processing.status === 'failed' ? 'viewer-processing-failed' : 'muted'}>
              {file.processing.status === 'failed'
                ? t('viewer.processingFailed', { steps: file.processing.failedSteps.map((step) => stepLabel(step, { t })).join(', ') })
                : t('viewer.processingPending')}
            </dd>
          </div>
        )}
        {/* A shared file's place stays with its owner. */}
        <MediaFacts file={file} isOwner={owner === undefined && file.permissions.write} />
        {owner !== undefined && (
          <div>
            <dt>{t('viewer.sharedBy')}</dt>
            <dd className="viewer-owner" data-testid="viewer-owner">
              <Avatar name={owner} seed={owner} size={24} />
              {owner}
            </dd>
          </div>
        )}
        {sharedAt !== undefined && (
          <div>
            <dt>{t('viewer.sharedOn')}</dt>
            <dd>{formatDateTime(sharedAt, locale)}</dd>
          </div>
        )}
        <div>
          <dt>{t('viewer.uploaded')}</dt>
          <dd>{formatDateTime(file.createdAt, locale)}</dd>
        </div>
        <div>
          <dt>{t('viewer.checksum')}</dt>
          <dd className="mono" title={file.sha256}>
            {file.sha256}
          </dd>
        </div>
      </dl>
    </aside>
  );
}
