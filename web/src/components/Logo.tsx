import { useId } from 'react';

/** The Coffer mark: a rounded vault door with a keyhole, plus the word mark. */
export function LogoMark({ size = 32 }: { size?: number }) {
  const gradient = useId();
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false" className="logo-mark">
      <defs>
        <linearGradient id={gradient} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#7c6cf2" />
          <stop offset="1" stopColor="#4338ca" />
        </linearGradient>
      </defs>
      <rect width="32" height="32" rx="8" fill={`url(#${gradient})`} />
      <circle cx="16" cy="16" r="10" fill="none" stroke="#fff" strokeOpacity="0.28" strokeWidth="1.5" />
      <circle cx="16" cy="13.6" r="3.6" fill="#fff" />
      <path d="M14 15.6h4l1 6.4h-6z" fill="#fff" />
    </svg>
  );
}

export function Logo({ size = 32 }: { size?: number }) {
  return (
    <span className="logo">
      <LogoMark size={size} />
      <span className="logo-word">Coffer</span>
    </span>
  );
}
