import { formatDate } from '../lib/format';
import type { ApiKeyOut } from '../types';
import { KeyIcon } from './icons';

export interface ApiKeyRowProps {
  apiKey: ApiKeyOut;
  onRevoke: (key: ApiKeyOut) => void;
}

/** One API key: its name, the start of its secret, when it was made and last used, and Revoke. */
export function ApiKeyRow({ apiKey, onRevoke }: ApiKeyRowProps) {
  const created = formatDate(apiKey.created_at);
  const lastUsed = apiKey.last_used_at ? formatDate(apiKey.last_used_at) : null;
  return (
    <li className="api-key" data-testid="api-key-row" data-key-id={apiKey.id}>
      <span className="api-key__icon" aria-hidden="true">
        <KeyIcon size={16} />
      </span>
      <div className="api-key__main">
        <p className="api-key__name">{apiKey.name || 'Unnamed key'}</p>
        <p className="api-key__meta">
          <code className="api-key__prefix">{apiKey.prefix}…</code>
          <span>
            Created <time dateTime={apiKey.created_at}>{created}</time>
          </span>
          <span>
            {lastUsed ? (
              <>
                Last used <time dateTime={apiKey.last_used_at ?? undefined}>{lastUsed}</time>
              </>
            ) : (
              'Never used'
            )}
          </span>
        </p>
      </div>
      <button
        type="button"
        className="button button--ghost button--small api-key__revoke"
        data-testid="api-key-revoke"
        aria-label={`Revoke ${apiKey.name || 'this key'}`}
        onClick={() => onRevoke(apiKey)}
      >
        Revoke
      </button>
    </li>
  );
}
