import { useEffect, useState, type RefObject } from 'react';
import type { Face } from '../../api/api';
import { useFileFaces } from '../../api/queries';
import { Icon } from '../../components/Icon';
import { useI18n } from '../../i18n/i18n';
import { FacePopover } from './FacePopover';
import { useImageContentRect } from './useImageContentRect';

const SHOWN_KEY = 'coffer.faces.shown';

/** Whether the boxes are drawn: the viewer remembers the last choice (on by default). */
function useFacesShown(): [boolean, (shown: boolean) => void] {
  const [shown, setShown] = useState(() => {
    try {
      return window.localStorage.getItem(SHOWN_KEY) !== 'false';
    } catch {
      return true;
    }
  });
  const set = (next: boolean) => {
    setShown(next);
    try {
      window.localStorage.setItem(SHOWN_KEY, String(next));
    } catch {
      // Storage can be unavailable (privacy modes): the choice lasts until the tab closes.
    }
  };
  return [shown, set];
}

const pct = (fraction: number) => `${(fraction * 100).toFixed(3)}%`;

interface FaceLayerProps {
  fileId: string;
  imageRef: RefObject<HTMLImageElement | null>;
  /** A form of the layer is open: the viewer leaves the keyboard (Escape, arrows) to it. */
  onBusyChange(busy: boolean): void;
}

/**
 * The faces found in a photo of one's own, drawn over the picture (not over the letterbox
 * around it) with the person's name, a question for a suggestion, or "Who is this?"; a
 * click opens the form that names the face.
 */
export function FaceLayer({ fileId, imageRef, onBusyChange }: FaceLayerProps) {
  const { t } = useI18n();
  const [shown, setShown] = useFacesShown();
  const faces = useFileFaces(fileId, true);
  const rect = useImageContentRect(imageRef);
  const [openId, setOpenId] = useState<string | null>(null);
  const items = faces.data ?? [];
  const open = items.find((face) => face.id === openId) ?? null;

  useEffect(() => onBusyChange(open !== null), [open !== null]);
  useEffect(() => () => onBusyChange(false), []);

  if (items.length === 0) return null;
  return (
    <>
      <button
        type="button"
        className="btn btn--ghost-dark btn--small faces-toggle"
        aria-pressed={shown}
        data-testid="faces-toggle"
        onClick={() => {
          setShown(!shown);
          setOpenId(null);
        }}
      >
        <Icon name="users" size={16} />
        {shown ? t('faces.hide') : t('faces.show')}
      </button>
      {shown && rect && (
        <div className="face-layer" data-testid="face-layer" style={{ left: rect.left, top: rect.top, width: rect.width, height: rect.height }}>
          {items.map((face) => (
            <FaceBox key={face.id} face={face} active={face.id === openId} onOpen={() => setOpenId(face.id === openId ? null : face.id)} />
          ))}
          {open && <FacePopover key={open.id} face={open} onDone={() => setOpenId(null)} />}
        </div>
      )}
    </>
  );
}

function FaceBox({ face, active, onOpen }: { face: Face; active: boolean; onOpen(): void }) {
  const { t } = useI18n();
  const label = face.person ? face.person.name : face.suggestion ? t('faces.isThis', { name: face.suggestion.name }) : t('faces.whoIsThis');
  const state = face.person ? 'named' : face.suggestion ? 'suggested' : 'unnamed';
  const { x, y, width, height } = face.box;
  return (
    <button
      type="button"
      className={`face-box face-box--${state}${active ? ' face-box--active' : ''}`}
      style={{ left: pct(x), top: pct(y), width: pct(width), height: pct(height) }}
      aria-expanded={active}
      aria-label={label}
      data-testid="face-box"
      data-face-id={face.id}
      data-state={state}
      data-person={face.person?.name}
      onClick={onOpen}
    >
      <span className="face-box-label" aria-hidden="true">
        {label}
      </span>
    </button>
  );
}
