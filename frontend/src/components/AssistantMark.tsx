/** The product mark (decorative); its colours are the brand tokens of styles/tokens.css. */
export function AssistantMark({ size = 36 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false" className="brand__mark">
      <defs>
        <linearGradient id="mark-gradient" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" style={{ stopColor: 'var(--brand-from)' }} />
          <stop offset="1" style={{ stopColor: 'var(--brand-to)' }} />
        </linearGradient>
      </defs>
      <rect width="32" height="32" rx="9" fill="url(#mark-gradient)" />
      <path
        d="M16 7.5l1.9 5.6a2 2 0 0 0 1.2 1.2l5.4 1.7-5.4 1.7a2 2 0 0 0-1.2 1.2L16 24.5l-1.9-5.6a2 2 0 0 0-1.2-1.2L7.5 16l5.4-1.7a2 2 0 0 0 1.2-1.2z"
        style={{ fill: 'var(--on-brand)' }}
      />
    </svg>
  );
}
