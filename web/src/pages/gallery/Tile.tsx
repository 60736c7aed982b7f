import { useState } from 'react';
import { useLocation } from 'react-router';
import { Icon, KindIcon } from '../../components/Icon';
import { useI18n } from '../../i18n/i18n';
import type { VaultFile } from '../../api/api';
import { formatDuration } from '../../lib/format';
import { Link } from '../../lib/router';

interface TileProps {
  file: VaultFile;
  /** Where the tile leads; the library's viewer by default. */
  to?: string;
  /** For a file shared with me: whose it is ("from ana"). */
  owner?: string;
}

/**
 * One square in the grid: the server's thumbnail whatever the kind (a photo, a video's poster,
 * an album cover), else an icon card that says whether a preview is still coming or its
 * processing failed for good. Videos and audio carry a badge with their duration.
 */
export function Tile({ file, to, owner }: TileProps) {
  const { t } = useI18n();
  // The library's filters stay in the address under the viewer, so the grid behind it is the same.
  const { search } = useLocation();
  const [thumbnailFailed, setThumbnailFailed] = useState(false);
  const thumbnail = thumbnailFailed ? undefined : file.urls.thumbnail;
  const processing = file.processing?.status;
  const duration = file.durationSeconds !== undefined ? formatDuration(file.durationSeconds) : null;

  return (
    <Link
      to={to ?? `/files/${encodeURIComponent(file.id)}${search}`}
      state={{ fromGallery: true }}
      className={`tile tile--${file.kind}${thumbnail ? ' tile--photo' : ''}${owner !== undefined ? ' tile--shared' : ''}`}
      data-testid="gallery-tile"
      data-kind={file.kind}
      data-name={file.name}
      data-processing={processing}
      title={file.name}
    >
      {thumbnail ? (
        <img src={thumbnail} alt="" loading="lazy" decoding="async" data-testid="tile-thumbnail" onError={() => setThumbnailFailed(true)} />
      ) : (
        <span className="tile-art" aria-hidden={processing === 'failed' ? undefined : true}>
          <KindIcon kind={file.kind} size={40} />
          {processing === 'failed' ? (
            <span className="tile-failed" data-testid="tile-failed">
              {t('gallery.processingFailed')}
            </span>
          ) : (
            processing === 'pending' && <span className="tile-pending">{t('gallery.previewPending')}</span>
          )}
        </span>
      )}
      {/* Photos show whose they are in a pill; other tiles under their name. */}
      {owner !== undefined && thumbnail && (
        <span className="tile-owner" data-testid="tile-owner">
          {t('shared.from', { owner })}
        </span>
      )}
      {file.kind !== 'image' && (
        <span className="tile-badge">
          <Icon name={file.kind === 'video' ? 'play' : 'audio'} size={12} />
          <span className="visually-hidden">{t(`kind.${file.kind}`)}</span>
          {duration && <span data-testid="tile-duration">{duration}</span>}
        </span>
      )}
      <span className="tile-caption">
        {file.name}
        {owner !== undefined && !thumbnail && (
          <span className="tile-caption-owner" data-testid="tile-owner">
            {t('shared.from', { owner })}
          </span>
        )}
      </span>
    </Link>
  );
}

export function TileSkeleton() {
  return <span className="tile tile--skeleton" aria-hidden="true" />;
}
