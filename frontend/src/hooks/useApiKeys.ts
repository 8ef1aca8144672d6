/**
 * The account's API keys (`GET /auth/api-keys`): listed when the dialog opens, created with a
 * name (the answer holds the secret, the only time it is ever sent), revoked one by one.
 */
import { useCallback, useEffect, useState } from 'react';
import * as api from '../api/client';
import { ApiError } from '../api/client';
import type { ApiKeyOut } from '../types';
import { errorMessage } from './chat/shared';

export interface UseApiKeys {
  items: ApiKeyOut[];
  state: 'loading' | 'ready' | 'error';
  error: string | null;
  reload: () => Promise<void>;
  /** `POST /auth/api-keys`: the new key's secret; rejects with the message to show. */
  create: (name: string) => Promise<string>;
  /** `DELETE /auth/api-keys/{id}`; rejects with the message to show. */
  revoke: (id: string) => Promise<void>;
}

export function useApiKeys(): UseApiKeys {
  const [items, setItems] = useState<ApiKeyOut[]>([]);
  const [state, setState] = useState<UseApiKeys['state']>('loading');
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    setState('loading');
    setError(null);
    try {
      setItems(await api.listApiKeys());
      setState('ready');
    } catch (err) {
      setError(errorMessage(err));
      setState('error');
    }
  }, []);

  useEffect(() => {
    let cancelled = false;
    api.listApiKeys().then(
      (keys) => {
        if (cancelled) return;
        setItems(keys);
        setState('ready');
      },
      (err: unknown) => {
        if (cancelled) return;
        setError(errorMessage(err));
        setState('error');
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const create = useCallback(async (name: string) => {
    const { key, secret } = await api.createApiKey(name);
    setItems((list) => [key, ...list.filter((k) => k.id !== key.id)]);
    return secret;
  }, []);

  const revoke = useCallback(async (id: string) => {
    try {
      await api.revokeApiKey(id);
    } catch (err) {
      // Already revoked (another tab): forget it here too.
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
    setItems((list) => list.filter((k) => k.id !== id));
  }, []);

  return { items, state, error, reload, create, revoke };
}
