import { useEffect, useRef, useState } from 'react';
import { CheckIcon, CopyIcon } from './icons';

export interface ApiKeySecretProps {
  name: string;
  secret: string;
}

/** A new key's secret, shown this once, with a copy button. */
export function ApiKeySecret({ name, secret }: ApiKeySecretProps) {
  const [copied, setCopied] = useState(false);
  const [copyFailed, setCopyFailed] = useState(false);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => () => window.clearTimeout(timer.current), []);

  const copy = () => {
    const clip = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (!clip) {
      setCopyFailed(true);
      return;
    }
    clip.writeText(secret).then(
      () => {
        setCopied(true);
        setCopyFailed(false);
        window.clearTimeout(timer.current);
        timer.current = window.setTimeout(() => setCopied(false), 1500);
      },
      () => setCopyFailed(true),
    );
  };

  return (
    <div className="api-key-secret" role="status">
      <p className="api-key-secret__title">
        “{name}” was created. Copy this key now: it will not be shown again.
      </p>
      <div className="api-key-secret__box">
        <code className="api-key-secret__value" data-testid="api-key-secret">
          {secret}
        </code>
        <button type="button" className="button button--small" onClick={copy} data-testid="api-key-copy">
          {copied ? <CheckIcon size={16} /> : <CopyIcon size={16} />}
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      {copyFailed ? <p className="api-key-secret__hint">Copying is not available here: select the key and copy it.</p> : null}
    </div>
  );
}
