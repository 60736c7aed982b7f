import type { ReactNode } from 'react';
import type { VaultFile } from '../../api/api';
import type { MessageKey } from '../../i18n/en';
import { useI18n } from '../../i18n/i18n';
import { formatDateTime } from '../../lib/format';

type Metadata = NonNullable<VaultFile['metadata']>;

const SOURCE: Record<Metadata['takenAtSource'], MessageKey> = {
  exif: 'viewer.takenFromExif',
  container: 'viewer.takenFromContainer',
  upload: 'viewer.takenFromUpload',
};

/**
 * When it was taken as the clock there showed it: the file's wall-clock time (a takenAt
 * without a zone is that clock read as UTC) with its offset when known; the upload time is an
 * instant, shown in the viewer's own zone.
 */
function formatTaken(file: VaultFile, locale: string): string {
  const meta = file.metadata;
  if (!file.takenAt) return '';
  if (!meta || meta.takenAtSource === 'upload') return formatDateTime(file.takenAt, locale);
  const wallClock = meta.takenAtLocal ? new Date(`${meta.takenAtLocal}Z`) : new Date(file.takenAt);
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(wallClock);
  return meta.timeZone ? `${text} (UTC${meta.timeZone})` : text;
}

/** 1/250 s for short exposures, 2.5 s for long ones. */
function formatExposure(seconds: number): string {
  return seconds < 1 ? `1/${Math.round(1 / seconds)} s` : `${Number(seconds.toFixed(1))} s`;
}

function Row({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div data-testid={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/**
 * What the file's own bytes say: when it was taken (and from where that comes), the camera
 * and exposure of a photo, a video's codecs, a song's tags. The place only for the owner.
 */
export function MediaFacts({ file, isOwner }: { file: VaultFile; isOwner: boolean }) {
  const { t, locale } = useI18n();
  const meta = file.metadata;
  const camera = meta?.camera;
  const tags = meta?.tags;
  const video = meta?.video;
  const cameraName = [camera?.make, camera?.model].filter(Boolean).join(' ');
  // A model name often starts with the make already ("Canon Canon EOS R5").
  const shownCamera = camera?.make && camera.model?.startsWith(camera.make) ? camera.model : cameraName;
  const exposure = [
    camera?.exposureTime !== undefined ? formatExposure(camera.exposureTime) : null,
    camera?.fNumber !== undefined ? `ƒ/${camera.fNumber}` : null,
    camera?.iso !== undefined ? `ISO ${camera.iso}` : null,
    camera?.focalLength !== undefined ? `${camera.focalLength} mm` : null,
  ].filter(Boolean);
  const location = isOwner ? meta?.location : undefined;
  const codecs = [video?.codec, video?.audioCodec].filter(Boolean).join(' · ');
  return (
    <>
      {file.takenAt !== undefined && (
        <Row label={t('viewer.taken')} testId="viewer-taken">
          <span>{formatTaken(file, locale)}</span>
          {meta && (
            <span className="muted" data-testid="viewer-taken-source" data-source={meta.takenAtSource}>
              {t(SOURCE[meta.takenAtSource])}
            </span>
          )}
        </Row>
      )}
      {shownCamera && (
        <Row label={t('viewer.camera')} testId="viewer-camera">
          {shownCamera}
        </Row>
      )}
      {camera?.lens && (
        <Row label={t('viewer.lens')} testId="viewer-lens">
          {camera.lens}
        </Row>
      )}
      {exposure.length > 0 && (
        <Row label={t('viewer.exposure')} testId="viewer-exposure">
          {exposure.join(' · ')}
        </Row>
      )}
      {location && (
        <Row label={t('viewer.location')} testId="viewer-location">
          <a href={`https://www.openstreetmap.org/?mlat=${location.latitude}&mlon=${location.longitude}#map=15/${location.latitude}/${location.longitude}`} target="_blank" rel="noreferrer noopener">
            {location.latitude.toFixed(5)}, {location.longitude.toFixed(5)}
          </a>
        </Row>
      )}
      {codecs && (
        <Row label={t('viewer.codecs')} testId="viewer-codecs">
          {codecs}
        </Row>
      )}
      {video?.frameRate !== undefined && (
        <Row label={t('viewer.frameRate')} testId="viewer-frame-rate">
          {t('viewer.frameRateValue', { fps: Number(video.frameRate.toFixed(3)) })}
        </Row>
      )}
      {tags?.title && <Row label={t('viewer.tagTitle')} testId="viewer-tag-title">{tags.title}</Row>}
      {tags?.artist && <Row label={t('viewer.tagArtist')} testId="viewer-tag-artist">{tags.artist}</Row>}
      {tags?.album && <Row label={t('viewer.tagAlbum')} testId="viewer-tag-album">{tags.album}</Row>}
      {tags?.track !== undefined && <Row label={t('viewer.tagTrack')} testId="viewer-tag-track">{tags.track}</Row>}
      {tags?.year !== undefined && <Row label={t('viewer.tagYear')} testId="viewer-tag-year">{tags.year}</Row>}
      {tags?.genre && <Row label={t('viewer.tagGenre')} testId="viewer-tag-genre">{tags.genre}</Row>}
    </>
  );
}
