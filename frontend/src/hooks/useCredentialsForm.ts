/**
 * The sign-in and sign-up forms' submit: busy while the request is out, the server's `error`
 * text when it refuses, and after too many attempts (429 with `Retry-After`) a countdown during
 * which the form cannot be sent.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import type { AccountOut, Credentials } from '../types';

/** The gateway's wording, counting down. */
export function tooManyAttemptsMessage(seconds: number): string {
  return `Too many attempts. Try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
}

export interface CredentialsForm {
  busy: boolean;
  /** What to say under the fields (the server's error, or the countdown); null when all is well. */
  error: string | null;
  /** The code of the server's refusal (`invalid_credentials`, `weak_password`, …); null when none. */
  errorCode: string | null;
  /** Seconds left before another attempt may be sent (0: now). */
  waitSeconds: number;
  submit: (credentials: Credentials) => Promise<void>;
}

export function useCredentialsForm(
  send: (credentials: Credentials) => Promise<AccountOut>,
  onSuccess: (account: AccountOut) => void,
): CredentialsForm {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ message: string; code: string | null } | null>(null);
  /** When another attempt may be sent (ms since the epoch); 0 when it may now. */
  const [waitUntil, setWaitUntil] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // Tick once a second while waiting; the wait ends by itself.
  useEffect(() => {
    if (!waitUntil) return;
    const timer = window.setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= waitUntil) {
        setWaitUntil(0);
        setFailure(null);
      }
    }, 250);
    return () => window.clearInterval(timer);
  }, [waitUntil]);

  const waitSeconds = waitUntil ? Math.max(0, Math.ceil((waitUntil - now) / 1000)) : 0;

  const submit = useCallback(
    async (credentials: Credentials) => {
      if (busy || (waitUntil && Date.now() < waitUntil)) return;
      setBusy(true);
      setFailure(null);
      try {
        const account = await send(credentials);
        if (mounted.current) setBusy(false);
        onSuccess(account);
      } catch (err) {
        if (!mounted.current) return;
        setBusy(false);
        const code = err instanceof ApiError ? err.code : null;
        const retryAfter = err instanceof ApiError && err.status === 429 ? err.retryAfter : null;
        if (retryAfter !== null && retryAfter > 0) {
          const t = Date.now();
          setNow(t);
          setWaitUntil(t + retryAfter * 1000);
          setFailure({ message: '', code: code ?? 'too_many_attempts' });
          return;
        }
        setFailure({ message: err instanceof Error && err.message ? err.message : 'Something went wrong.', code });
      }
    },
    [busy, waitUntil, send, onSuccess],
  );

  const error = waitSeconds > 0 ? tooManyAttemptsMessage(waitSeconds) : failure?.message || null;
  return { busy, error, errorCode: failure?.code ?? null, waitSeconds, submit };
}
