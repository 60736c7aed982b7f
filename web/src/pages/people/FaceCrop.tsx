import { useState } from 'react';
import { API_BASE, type FaceBox } from '../../api/api';
import { Avatar } from '../../components/Avatar';

/** Room around the face, in face sizes on each side, so the crop shows a head, not a nose. */
const MARGIN = 0.35;

interface FaceCropProps {
  /** The face to show (a person's or a group's cover); null shows initials. */
  face: { fileId: string; box: FaceBox } | null;
  name: string;
  size: number;
}

/**
 * A face cut out of its file's thumbnail by CSS alone: the thumbnail is the whole picture,
 * orientation-corrected and fitted inside a square (never cropped), so the face box's
 * fractions hold on it too. The picture is scaled so that the box (with a margin) is as
 * wide as the crop and moved so that the box's centre is the crop's: translate() takes
 * percentages of the picture itself, so no pixel size needs to be known.
 */
export function FaceCrop({ face, name, size }: FaceCropProps) {
  const [failed, setFailed] = useState(false);
  if (!face || failed) {
    return (
      <span className="face-crop face-crop--initials" style={{ width: size, height: size }}>
        <Avatar name={name} seed={name} size={size} />
      </span>
    );
  }
  const { x, y, width, height } = face.box;
  const side = Math.max(width, 0.01) * (1 + 2 * MARGIN);
  const style = {
    width: `${100 / side}%`,
    transform: `translate(${-(x + width / 2) * 100}%, ${-(y + height / 2) * 100}%)`,
  };
  return (
    <span className="face-crop" style={{ width: size, height: size }} data-testid="face-crop">
      <img src={`${API_BASE}/files/${encodeURIComponent(face.fileId)}/thumbnail`} alt="" loading="lazy" decoding="async" style={style} onError={() => setFailed(true)} />
    </span>
  );
}
