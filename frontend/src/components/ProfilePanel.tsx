import type { UseProfile } from '../hooks/useProfile';
import { formatTime, humanizeKey } from '../lib/format';
import { CloseIcon, RefreshIcon, UserIcon } from './icons';

export interface ProfilePanelProps extends Pick<UseProfile, 'profile' | 'loading' | 'error'> {
  onRefresh: () => void;
  open: boolean;
  onClose: () => void;
  id: string;
}

/** What the assistant has learned about the user (`GET /chat/profile`). */
export function ProfilePanel({ profile, loading, error, onRefresh, open, onClose, id }: ProfilePanelProps) {
  const facts = profile?.facts ?? [];
  return (
    <aside
      className={`profile${open ? ' profile--open' : ''}`}
      id={id}
      data-testid="profile-panel"
      aria-labelledby={`${id}-title`}
    >
      <div className="profile__head">
        <span className="profile__icon" aria-hidden="true">
          <UserIcon size={18} />
        </span>
        <h2 className="profile__title" id={`${id}-title`}>
          About you
        </h2>
        <button
          type="button"
          className={`icon-button icon-button--small${loading ? ' is-spinning' : ''}`}
          onClick={onRefresh}
          aria-label="Refresh profile"
          title="Refresh"
        >
          <RefreshIcon size={16} />
        </button>
        <button type="button" className="icon-button icon-button--small profile__close" onClick={onClose} aria-label="Close profile">
          <CloseIcon size={16} />
        </button>
      </div>
      <p className="profile__intro">Facts the assistant picked up from your conversation. They update after each reply.</p>

      {error ? (
        <p className="profile__error" role="alert">
          {error}
        </p>
      ) : null}

      {facts.length > 0 ? (
        <dl className="facts">
          {facts.map((fact) => {
            const confidence = Math.max(0, Math.min(1, Number(fact.confidence) || 0));
            return (
              <div className="fact" key={fact.key} data-fact-key={fact.key}>
                <dt className="fact__key">{humanizeKey(fact.key)}</dt>
                <dd className="fact__value">{fact.value}</dd>
                <dd className="fact__meta">
                  <span
                    className="confidence"
                    role="meter"
                    aria-label={`Confidence for ${humanizeKey(fact.key)}`}
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={Math.round(confidence * 100)}
                    title={`Confidence ${Math.round(confidence * 100)}%`}
                  >
                    <span className="confidence__fill" style={{ width: `${confidence * 100}%` }} />
                  </span>
                  <span className="fact__confidence">{Math.round(confidence * 100)}%</span>
                  {fact.updated_at ? <time dateTime={fact.updated_at}>{formatTime(fact.updated_at)}</time> : null}
                </dd>
              </div>
            );
          })}
        </dl>
      ) : loading && !profile ? (
        <p className="profile__empty">Loading…</p>
      ) : (
        <p className="profile__empty">Nothing yet. Tell the assistant your name, or what you work on.</p>
      )}

      {profile?.summary ? (
        <section className="profile__summary" aria-label="Conversation summary">
          <h3>Summary</h3>
          <p>{profile.summary}</p>
        </section>
      ) : null}
    </aside>
  );
}
