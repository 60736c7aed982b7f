import { useLayoutEffect, useState, type RefObject } from 'react';

export interface ContentRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where the picture itself is drawn inside an <img>, in pixels from the img's offset parent.
 * The element's box may be larger than the picture (object-fit: contain letterboxes it), so
 * the rect is worked out from the natural size — which Chromium and Firefox already give
 * orientation-corrected (image-orientation: from-image), like the face boxes' fractions.
 * Measured again whenever the element is resized (window, panel, rotation).
 */
export function useImageContentRect(image: RefObject<HTMLImageElement | null>): ContentRect | null {
  const [rect, setRect] = useState<ContentRect | null>(null);
  useLayoutEffect(() => {
    const img = image.current;
    if (!img) return;
    const measure = () => {
      const { naturalWidth, naturalHeight, offsetWidth, offsetHeight } = img;
      if (!naturalWidth || !naturalHeight || !offsetWidth || !offsetHeight) {
        setRect(null);
        return;
      }
      const scale = Math.min(offsetWidth / naturalWidth, offsetHeight / naturalHeight);
      const width = naturalWidth * scale;
      const height = naturalHeight * scale;
      // object-position is the default 50% 50%: the spare room is split evenly.
      const next = { left: img.offsetLeft + (offsetWidth - width) / 2, top: img.offsetTop + (offsetHeight - height) / 2, width, height };
      setRect((previous) => (previous && sameRect(previous, next) ? previous : next));
    };
    measure();
    img.addEventListener('load', measure);
    const observer = new ResizeObserver(measure);
    observer.observe(img);
    if (img.offsetParent) observer.observe(img.offsetParent);
    return () => {
      img.removeEventListener('load', measure);
      observer.disconnect();
    };
  }, [image]);
  return rect;
}

const sameRect = (a: ContentRect, b: ContentRect) => Math.abs(a.left - b.left) < 0.5 && Math.abs(a.top - b.top) < 0.5 && Math.abs(a.width - b.width) < 0.5 && Math.abs(a.height - b.height) < 0.5;
