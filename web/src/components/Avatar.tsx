/** Up to two initials: "Ana Souza" → "AS", "root" → "RO". */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}

const GRADIENTS = [
  ['#f59e0b', '#ec4899'],
  ['#7c6cf2', '#4338ca'],
  ['#14b8a6', '#0e7490'],
  ['#f97316', '#dc2626'],
  ['#22c55e', '#15803d'],
  ['#0ea5e9', '#6366f1'],
] as const;

/** The same person always gets the same colours. */
function gradientFor(seed: string): string {
  let hash = 0;
  for (const char of seed) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const [from, to] = GRADIENTS[hash % GRADIENTS.length];
  return `linear-gradient(135deg, ${from}, ${to})`;
}

export function Avatar({ name, seed, size = 34 }: { name: string; seed?: string; size?: number }) {
  return (
    <span
      className="avatar"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: Math.round(size * 0.38), background: seed === undefined ? undefined : gradientFor(seed) }}
    >
      {initials(name)}
    </span>
  );
}
