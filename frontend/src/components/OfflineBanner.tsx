import type { Connectivity } from '../hooks/useConnectivity';
import { CloudOffIcon, RefreshIcon } from './icons';

/** Shown whenever the browser is offline or the server cannot be reached. */
export function OfflineBanner({ connectivity }: { connectivity: Connectivity }) {
  const { browserOnline, serverReachable, nextCheckIn, checking, checkNow } = connectivity;
  if (browserOnline && serverReachable) return null;
  const message = !browserOnline
    ? 'You are offline. Messages will fail until your connection is back.'
    : 'Can’t reach the server. Replies in progress will resume when it is back.';
  return (
    <div className="offline-banner" data-testid="offline-banner" role="alert">
      <CloudOffIcon size={18} />
      <span className="offline-banner__text">
        {message}
        {browserOnline && nextCheckIn !== null && !checking ? ` Retrying in ${nextCheckIn}s.` : ''}
        {checking ? ' Checking…' : ''}
      </span>
      {browserOnline ? (
        <button type="button" className="button button--small button--on-dark" onClick={checkNow} disabled={checking}>
          <RefreshIcon size={16} /> Retry now
        </button>
      ) : null}
    </div>
  );
}
