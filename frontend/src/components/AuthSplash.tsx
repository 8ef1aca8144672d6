import { AssistantMark } from './AssistantMark';
import { RefreshIcon } from './icons';

export interface AuthSplashProps {
  /** Why who is signed in could not be asked; null while asking. */
  error?: string | null;
  onRetry?: () => void;
}

/** Shown while the app finds out who is signed in, or when it could not. */
export function AuthSplash({ error = null, onRetry }: AuthSplashProps) {
  return (
    <div className="auth" data-testid="auth-splash" aria-busy={!error || undefined}>
      <div className="auth__card auth__card--splash">
        <AssistantMark size={40} />
        {error ? (
          <>
            <p className="auth__error" role="alert">
              {error}
            </p>
            {onRetry ? (
              <button type="button" className="button" onClick={onRetry}>
                <RefreshIcon size={16} /> Try again
              </button>
            ) : null}
          </>
        ) : (
          <p className="auth__loading">
            <span className="spinner" aria-hidden="true" /> Loading…
          </p>
        )}
      </div>
    </div>
  );
}
