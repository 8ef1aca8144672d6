import { useState } from 'react';
import { ChevronLeftIcon, ChevronRightIcon } from './icons';

export interface AlternativeNavProps {
  /** The exchange's alternatives, oldest first. */
  ids: string[];
  /** The one on show. */
  currentId: string | null;
  /** Show another one (`POST /messages/{id}/select`); rejects with the server's reason. */
  onSelect: (id: string) => Promise<void>;
}

/** `‹ 2/3 ›`: which of an exchange's alternatives (regenerated or edited) is on show, and the way to the others. */
export function AlternativeNav({ ids, currentId, onSelect }: AlternativeNavProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const found = currentId ? ids.indexOf(currentId) : -1;
  const index = found < 0 ? ids.length - 1 : found;

  const go = async (to: number) => {
    const id = ids[to];
    if (!id || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSelect(id);
    } catch (err) {
      setError(err instanceof Error && err.message ? err.message : 'Could not show that version.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="alt-nav" role="group" aria-label="Versions of this exchange" data-testid="alternatives" aria-busy={busy || undefined}>
      <button
        type="button"
        className="icon-button icon-button--small alt-nav__button"
        aria-label="Previous version"
        title="Previous version"
        data-testid="alternative-prev"
        disabled={busy || index <= 0}
        onClick={() => void go(index - 1)}
      >
        <ChevronLeftIcon size={16} />
      </button>
      <span className="alt-nav__position" data-testid="alternative-position" data-position={`${index + 1}/${ids.length}`}>
        <span aria-hidden="true">
          {index + 1}/{ids.length}
        </span>
        <span className="visually-hidden">
          Version {index + 1} of {ids.length}
        </span>
      </span>
      <button
        type="button"
        className="icon-button icon-button--small alt-nav__button"
        aria-label="Next version"
        title="Next version"
        data-testid="alternative-next"
        disabled={busy || index >= ids.length - 1}
        onClick={() => void go(index + 1)}
      >
        <ChevronRightIcon size={16} />
      </button>
      {error ? (
        <span className="alt-nav__error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}
