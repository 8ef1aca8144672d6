import { useId } from 'react';
import * as api from '../api/client';
import type { AuthView } from '../hooks/useAuth';
import type { AccountOut, AuthConfigOut } from '../types';
import { AssistantMark } from './AssistantMark';
import { CredentialsForm } from './CredentialsForm';
import { OidcButtons } from './OidcButtons';

export interface AuthPageProps {
  view: AuthView;
  config: AuthConfigOut;
  /** The session ended: said above the form. */
  notice?: string | null;
  /** A single sign-on failed: said in the form until the next attempt. */
  ssoError?: string | null;
  onSignedIn: (account: AccountOut) => void;
  onShowView: (view: AuthView) => void;
  /** Back to the chat without an account (only when the server allows guests). */
  onContinueAsGuest?: () => void;
}

const TEXT: Record<AuthView, { title: string; lead: string }> = {
  signin: { title: 'Sign in', lead: 'Welcome back. Sign in to see your chats.' },
  signup: { title: 'Create your account', lead: 'Your chats, files and what the assistant learns stay with your account.' },
};

/** The sign-in or sign-up page, shown instead of the chat (a link switches between the two). */
export function AuthPage({ view, config, notice, ssoError, onSignedIn, onShowView, onContinueAsGuest }: AuthPageProps) {
  const titleId = useId();
  const signIn = view === 'signin';
  return (
    <div className="auth">
      <main className="auth__card" aria-labelledby={titleId}>
        <div className="auth__brand">
          <AssistantMark size={40} />
          <span className="auth__product">Assistant</span>
        </div>
        <h1 className="auth__title" id={titleId}>
          {TEXT[view].title}
        </h1>
        <p className="auth__lead">{TEXT[view].lead}</p>
        {signIn && notice ? (
          <p className="auth__notice" role="status" data-testid="auth-notice">
            {notice}
          </p>
        ) : null}
        <OidcButtons providers={config.providers} />
        {signIn ? (
          <CredentialsForm key="signin" variant="signin" send={api.signIn} onSuccess={onSignedIn} initialError={ssoError} />
        ) : (
          <CredentialsForm
            key="signup"
            variant="signup"
            send={api.signUp}
            onSuccess={onSignedIn}
            passwordMinLength={config.password_min_length}
          />
        )}
        <p className="auth__switch">
          {signIn ? 'New here?' : 'Already have an account?'}{' '}
          <button
            type="button"
            className="link-button"
            data-testid={signIn ? 'goto-signup' : 'goto-signin'}
            onClick={() => onShowView(signIn ? 'signup' : 'signin')}
          >
            {signIn ? 'Create an account' : 'Sign in'}
          </button>
        </p>
        {config.allow_guests && onContinueAsGuest ? (
          <p className="auth__guest">
            <button type="button" className="link-button" data-testid="continue-as-guest" onClick={onContinueAsGuest}>
              Continue without an account
            </button>
          </p>
        ) : null}
      </main>
    </div>
  );
}
