/**
 * Who is using the app, and whether the chat or a sign-in page is on show.
 *
 * On start `GET /auth/config` says the mode: `guest` (or a 404 from an older gateway) is today's
 * app, with no account UI at all. With `accounts`, `GET /auth/me` says who is signed in; when no
 * one is, the chat works as a guest if the server allows guests, and the sign-in page shows
 * otherwise.
 *
 * Any request answered "not signed in" (401 `unauthenticated`, 403 `csrf_failed`; reported by
 * the API client) while signed in ends the session here: the sign-in page shows with a notice,
 * and the composer's draft is kept (see lib/draft.ts) for when the user is back.
 *
 * After a failed single sign-on the server sends the browser to `/?auth_error=<code>`: the
 * sign-in page says so, and the parameter leaves the address bar.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import * as api from '../api/client';
import { ApiError, onReachability, onSessionEnded } from '../api/client';
import { clearDraft } from '../lib/draft';
import type { AccountOut, AuthConfigOut } from '../types';
import { errorMessage, useLatestRef } from './chat/shared';

export type AuthView = 'signin' | 'signup';

export const SESSION_ENDED_NOTICE = 'Your session has ended. Sign in again to continue.';
export const SSO_FAILED_MESSAGE = 'Sign-in with your provider failed. Please try again.';
/** The query parameter the server adds after a failed single sign-on. */
export const AUTH_ERROR_PARAM = 'auth_error';

export interface AuthState {
  /** `loading`: not known yet; `unavailable`: who is signed in could not be asked (see `error`). */
  phase: 'loading' | 'unavailable' | 'ready';
  /** The accounts configuration; null when the server has no accounts (guest mode). */
  config: AuthConfigOut | null;
  account: AccountOut | null;
  /** The page shown instead of the chat; null: the chat. */
  view: AuthView | null;
  /** Said on the sign-in page: the session ended. */
  notice: string | null;
  /** Said on the sign-in page: the single sign-on failed. */
  ssoError: string | null;
  /** Why `phase` is `unavailable`. */
  error: string | null;
}

export interface UseAuth extends AuthState {
  /** Ask the server again (after `unavailable`). */
  retry: () => void;
  /** Show the sign-in or sign-up page. */
  showView: (view: AuthView) => void;
  /** Back to the chat as a guest (when the server allows guests). */
  continueAsGuest: () => void;
  /** The sign-in or sign-up succeeded: show the chat of this account. */
  signedIn: (account: AccountOut) => void;
  /** `POST /auth/logout`; rejects with the message to show. */
  signOut: () => Promise<void>;
  /** `DELETE /auth/me`; rejects with the message to show. */
  deleteAccount: () => Promise<void>;
}

/** The `auth_error` of the address, removed from it (history.replaceState). */
function takeSsoError(): string | null {
  if (typeof window === 'undefined') return null;
  const url = new URL(window.location.href);
  if (!url.searchParams.has(AUTH_ERROR_PARAM)) return null;
  url.searchParams.delete(AUTH_ERROR_PARAM);
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return SSO_FAILED_MESSAGE;
}

/** Signed out (on purpose, or the account is gone): the chat as a guest, or the sign-in page. */
function signedOutState(s: AuthState): AuthState {
  return { ...s, account: null, view: s.config?.allow_guests ? null : 'signin', notice: null, ssoError: null };
}

export function useAuth(): UseAuth {
  const [state, setState] = useState<AuthState>(() => ({
    phase: 'loading',
    config: null,
    account: null,
    view: null,
    notice: null,
    ssoError: null,
    error: null,
  }));
  const stateRef = useLatestRef(state);
  /** Bumped by each load: the answers of older ones are ignored. */
  const generation = useRef(0);
  const loading = useRef(false);
  /** `GET /auth/config` failed without saying the server has no accounts: ask again when it is back. */
  const configUnknown = useRef(false);
  /** The `auth_error` of the address, taken once. */
  const ssoError = useRef<string | null | undefined>(undefined);

  /** Ask the mode, then who is signed in. `quiet`: keep what is on show meanwhile. */
  const load = useCallback(async (quiet: boolean) => {
    const mine = ++generation.current;
    loading.current = true;
    if (!quiet) setState((s) => ({ ...s, phase: 'loading', error: null }));
    const settle = (change: (s: AuthState) => AuthState) => {
      if (mine !== generation.current) return;
      loading.current = false;
      setState(change);
    };
    let config: AuthConfigOut | null = null;
    try {
      config = await api.getAuthConfig();
      configUnknown.current = false;
    } catch (err) {
      // A 404 (or a page that is no answer of the API): a gateway without accounts.
      // Unreachable or failing: today's app until it answers.
      const noAccounts = err instanceof ApiError && (err.isUnsupported || (err.status >= 200 && err.status < 300));
      configUnknown.current = !noAccounts;
    }
    if (!config || config.mode !== 'accounts') {
      settle((s) => ({ ...s, phase: 'ready', config: null, account: null, view: null, notice: null, error: null }));
      return;
    }
    const accounts = config;
    try {
      const account = await api.getMe();
      settle((s) => ({ ...s, phase: 'ready', config: accounts, account, view: null, ssoError: null, error: null }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        const sso = ssoError.current ?? null;
        settle((s) => ({
          ...s,
          phase: 'ready',
          config: accounts,
          account: null,
          view: sso || !accounts.allow_guests ? (s.view ?? 'signin') : s.view,
          ssoError: sso ?? s.ssoError,
          error: null,
        }));
      } else {
        settle((s) => ({ ...s, phase: 'unavailable', config: accounts, error: errorMessage(err) }));
      }
    }
  }, []);

  useEffect(() => {
    if (ssoError.current === undefined) ssoError.current = takeSsoError();
    void load(false);
    return () => {
      generation.current += 1;
      loading.current = false;
    };
  }, [load]);

  // The session ended while signed in (or a guest was refused): the sign-in page.
  useEffect(
    () =>
      onSessionEnded(() => {
        if (loading.current) return;
        const s = stateRef.current;
        if (s.phase !== 'ready') return;
        // The mode was not known (or changed): ask again.
        if (!s.config) {
          void load(true);
          return;
        }
        if (s.view) return;
        setState((current) => ({
          ...current,
          account: null,
          view: 'signin',
          notice: current.account ? SESSION_ENDED_NOTICE : null,
          ssoError: null,
        }));
      }),
    [load, stateRef],
  );

  // The server is back (it was unreachable): ask what could not be asked.
  const wasReachable = useRef(true);
  useEffect(
    () =>
      onReachability((reachable) => {
        const back = reachable && !wasReachable.current;
        wasReachable.current = reachable;
        if (!back || loading.current) return;
        const s = stateRef.current;
        if (s.phase === 'unavailable') void load(false);
        else if (s.phase === 'ready' && !s.config && configUnknown.current) void load(true);
      }),
    [load, stateRef],
  );

  const retry = useCallback(() => void load(false), [load]);

  const showView = useCallback((view: AuthView) => {
    setState((s) => ({ ...s, view, notice: view === 'signin' ? s.notice : null }));
  }, []);

  const continueAsGuest = useCallback(() => {
    setState((s) => (s.config?.allow_guests ? { ...s, view: null, notice: null, ssoError: null } : s));
  }, []);

  const signedIn = useCallback((account: AccountOut) => {
    generation.current += 1;
    loading.current = false;
    setState((s) => ({ ...s, phase: 'ready', account, view: null, notice: null, ssoError: null, error: null }));
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.signOut();
    } catch (err) {
      // Already signed out (the session had ended): that is what was asked.
      if (!(err instanceof ApiError && err.isSessionEnded)) throw err;
    }
    clearDraft();
    setState(signedOutState);
  }, []);

  const deleteAccount = useCallback(async () => {
    await api.deleteAccount();
    clearDraft();
    // The sign-in page, guests allowed or not (it offers to go on as a guest then).
    setState((s) => ({ ...signedOutState(s), view: 'signin' }));
  }, []);

  return { ...state, retry, showView, continueAsGuest, signedIn, signOut, deleteAccount };
}
