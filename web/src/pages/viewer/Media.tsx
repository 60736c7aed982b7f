import { useEffect, useRef, useState, type Ref } from 'react';
import { KindIcon } from '../../components/Icon';
import { useI18n } from '../../i18n/i18n';
import type { VaultFile } from '../../api/api';

/** How many times in a row a player reloads its source after a network failure. */
const MAX_RESUMES = 5;
/** How long a stalled player waits before reloading (it may catch up on its own). */
const STALL_GRACE_MS = 4000;

interface MediaProps {
  file: Pick<VaultFile, 'id' | 'name' | 'kind' | 'urls'> & { metadata?: VaultFile['metadata'] };
  failed: boolean;
  onError(): void;
  /** The <img> of a photo, for what is drawn over it (the face boxes). */
  imageRef?: Ref<HTMLImageElement>;
}

export function Media({ file, failed, onError, imageRef }: MediaProps) {
  if (file.kind === 'image') {
    return <img ref={imageRef} className="viewer-image" data-testid="viewer-image" src={file.urls.content} alt={file.name} onError={onError} />;
  }
  if (file.kind === 'video') {
    return <ResumingPlayer kind="video" src={file.urls.content} poster={file.urls.thumbnail} onError={onError} />;
  }
  return (
    <div className={`viewer-audio-card${failed ? ' viewer-audio-card--failed' : ''}`}>
      {/* The album cover when the server found one, else a note. */}
      <span className="viewer-audio-art" aria-hidden="true">
        {file.urls.thumbnail ? <img src={file.urls.thumbnail} alt="" data-testid="viewer-audio-cover" /> : <KindIcon kind="audio" size={56} />}
      </span>
      <p className="viewer-audio-name">{file.metadata?.tags?.title ?? file.name}</p>
      {file.metadata?.tags?.artist && <p className="viewer-audio-artist muted">{file.metadata.tags.artist}</p>}
      <ResumingPlayer kind="audio" src={file.urls.content} onError={onError} />
    </div>
  );
}

interface PlayerProps {
  kind: 'video' | 'audio';
  src: string;
  poster?: string;
  onError(): void;
}

/**
 * A <video>/<audio> that survives a network interruption: on a network error or a long
 * stall it reloads its source and seeks back to where it was (the server answers Range
 * requests, so only the missing part is fetched), playing on if it was playing.
 */
export function ResumingPlayer({ kind, src, poster, onError }: PlayerProps) {
  const { t } = useI18n();
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  const position = useRef(0);
  const resumes = useRef(0);
  const [reconnecting, setReconnecting] = useState(false);
  const onErrorRef = useRef(onError);
  useEffect(() => {
    onErrorRef.current = onError;
  });

  useEffect(() => {
    const player = ref.current;
    if (!player) return;
    let stallTimer: number | undefined;
    const resume = () => {
      window.clearTimeout(stallTimer);
      if (resumes.current >= MAX_RESUMES) {
        setReconnecting(false);
        onErrorRef.current();
        return;
      }
      resumes.current += 1;
      const at = position.current;
      const wasPlaying = !player.paused;
      setReconnecting(true);
      player.load();
      player.addEventListener(
        'loadedmetadata',
        () => {
          player.currentTime = at;
          if (wasPlaying) void player.play().catch(() => undefined);
        },
        { once: true },
      );
    };
    const onTime = () => {
      position.current = player.currentTime;
    };
    const onPlaying = () => {
      resumes.current = 0;
      setReconnecting(false);
      window.clearTimeout(stallTimer);
    };
    const onStalled = () => {
      window.clearTimeout(stallTimer);
      stallTimer = window.setTimeout(resume, STALL_GRACE_MS);
    };
    const onFailure = () => {
      // MEDIA_ERR_NETWORK (2) is worth a retry; a file the browser cannot decode is not.
      if (player.error?.code === 2) resume();
      else onErrorRef.current();
    };
    // Chromium keeps key presses made inside a player's own controls (its seek bar, once
    // used) from the page, so Escape would no longer close the viewer. Whenever focus goes
    // into the controls, it is moved back to the player itself, where keys reach the page
    // and the player's own shortcuts (space, arrows) still work. The page cannot tell the
    // two apart (both are "the <video>"), so our own refocus is marked to end the loop.
    let reclaiming = false;
    const reclaimFocus = () => {
      if (reclaiming || document.activeElement !== player) return;
      reclaiming = true;
      player.blur();
      player.focus({ preventScroll: true });
      reclaiming = false;
    };
    const CONTROL_EVENTS = ['focus', 'seeked', 'play', 'pause', 'volumechange', 'ratechange'] as const;
    for (const type of CONTROL_EVENTS) player.addEventListener(type, reclaimFocus);
    player.addEventListener('timeupdate', onTime);
    player.addEventListener('playing', onPlaying);
    player.addEventListener('canplay', onPlaying);
    player.addEventListener('stalled', onStalled);
    player.addEventListener('waiting', onStalled);
    player.addEventListener('error', onFailure);
    return () => {
      window.clearTimeout(stallTimer);
      for (const type of CONTROL_EVENTS) player.removeEventListener(type, reclaimFocus);
      player.removeEventListener('timeupdate', onTime);
      player.removeEventListener('playing', onPlaying);
      player.removeEventListener('canplay', onPlaying);
      player.removeEventListener('stalled', onStalled);
      player.removeEventListener('waiting', onStalled);
      player.removeEventListener('error', onFailure);
    };
  }, []);

  const common = { ref, src, controls: true, preload: 'metadata' as const, 'data-testid': `viewer-${kind}` };
  return (
    <>
      {kind === 'video' ? <video className="viewer-video" playsInline poster={poster} {...common} /> : <audio className="viewer-audio" {...common} />}
      {reconnecting && (
        <p className="viewer-reconnecting" role="status">
          {t('viewer.reconnecting')}
        </p>
      )}
    </>
  );
}
