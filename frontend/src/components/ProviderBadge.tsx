import { providerLabel } from '../lib/format';

/** Which provider answered; fallback answers get a distinct look and note. */
export function ProviderBadge({ provider, fallback }: { provider: string; fallback: boolean }) {
  const name = providerLabel(provider);
  const isGenericFallback = provider.toLowerCase() === 'fallback';
  return (
    <span
      className={`provider-badge${fallback ? ' provider-badge--fallback' : ''}`}
      data-testid="provider-badge"
      data-provider={provider}
      data-fallback={fallback ? 'true' : 'false'}
      title={
        fallback
          ? `The main providers were unavailable, so ${name} answered as a fallback.`
          : `Answered by ${name}`
      }
    >
      {fallback ? (isGenericFallback ? 'Fallback reply' : `Fallback · ${name}`) : `via ${name}`}
    </span>
  );
}
