import { useId, useState, type FormEvent } from 'react';
import { useCredentialsForm } from '../hooks/useCredentialsForm';
import type { AccountOut, Credentials } from '../types';

export interface CredentialsFormProps {
  /** The test ids start with it: `signin-form`, `signup-email`, … */
  variant: 'signin' | 'signup';
  /** `POST /auth/login` or `POST /auth/signup`. */
  send: (credentials: Credentials) => Promise<AccountOut>;
  onSuccess: (account: AccountOut) => void;
  /** Sign-up: the shortest password the server takes (0: not said). */
  passwordMinLength?: number;
  /** Said until the first attempt (a single sign-on that failed). */
  initialError?: string | null;
}

/**
 * Email and password, for signing in or creating an account. The server checks everything
 * (the browser's own checks are off so its messages are the ones shown); only empty fields are
 * caught here.
 */
export function CredentialsForm({ variant, send, onSuccess, passwordMinLength = 0, initialError = null }: CredentialsFormProps) {
  const signUp = variant === 'signup';
  const form = useCredentialsForm(send, onSuccess);
  const emailId = useId();
  const passwordId = useId();
  const hintId = useId();
  const errorId = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const [attempted, setAttempted] = useState(false);

  const error = localError ?? form.error ?? (attempted ? null : initialError);
  const waiting = form.waitSeconds > 0;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    if (!email.trim() || !password) {
      setLocalError('Enter your email and password.');
      return;
    }
    setLocalError(null);
    void form.submit({ email: email.trim(), password });
  };

  const describedBy = [signUp && passwordMinLength > 0 ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ');

  return (
    <form className="auth__form" onSubmit={onSubmit} noValidate data-testid={`${variant}-form`} aria-busy={form.busy || undefined}>
      <div className="field">
        <label className="field__label" htmlFor={emailId}>
          Email
        </label>
        <input
          id={emailId}
          className="field__input"
          type="email"
          name="email"
          autoComplete={signUp ? 'email' : 'username'}
          inputMode="email"
          autoCapitalize="none"
          spellCheck={false}
          data-testid={`${variant}-email`}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={form.errorCode === 'invalid_email' || form.errorCode === 'email_taken' || undefined}
          aria-describedby={error ? errorId : undefined}
          required
          autoFocus
        />
      </div>
      <div className="field">
        <label className="field__label" htmlFor={passwordId}>
          Password
        </label>
        <input
          id={passwordId}
          className="field__input"
          type="password"
          name="password"
          autoComplete={signUp ? 'new-password' : 'current-password'}
          data-testid={`${variant}-password`}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-invalid={form.errorCode === 'weak_password' || form.errorCode === 'invalid_credentials' || undefined}
          aria-describedby={describedBy || undefined}
          required
        />
        {signUp && passwordMinLength > 0 ? (
          <p className="field__hint" id={hintId} data-testid="password-hint">
            At least {passwordMinLength} characters. Avoid common passwords.
          </p>
        ) : null}
      </div>
      {error ? (
        <p className="auth__error" id={errorId} role="alert" data-testid="auth-error">
          {error}
        </p>
      ) : null}
      <button
        type="submit"
        className="button auth__submit"
        data-testid={`${variant}-submit`}
        disabled={form.busy || waiting}
      >
        {form.busy ? (signUp ? 'Creating account…' : 'Signing in…') : signUp ? 'Create account' : 'Sign in'}
      </button>
    </form>
  );
}
