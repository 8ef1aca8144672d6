import { useCallback, useEffect, useRef, useState } from 'react';
import { getProfile } from '../api/client';
import type { Profile } from '../types';

export interface UseProfile {
  profile: Profile | null;
  loading: boolean;
  error: string | null;
  refresh: () => Promise<void>;
  /** Forget the profile locally (after "clear chat"), then reload it. */
  reset: () => void;
}

/** The learned profile from `GET /chat/profile`. */
export function useProfile(): UseProfile {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const p = await getProfile();
      if (mine !== generation.current) return;
      setProfile(p);
      setError(null);
    } catch (err) {
      if (mine !== generation.current) return;
      setError(err instanceof Error ? err.message : 'Could not load the profile.');
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  const reset = useCallback(() => {
    setProfile(null);
    void refresh();
  }, [refresh]);

  useEffect(() => {
    const mine = ++generation.current;
    getProfile()
      .then((p) => {
        if (mine !== generation.current) return;
        setProfile(p);
        setError(null);
      })
      .catch((err: unknown) => {
        if (mine !== generation.current) return;
        setError(err instanceof Error ? err.message : 'Could not load the profile.');
      })
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
    return () => {
      generation.current += 1;
    };
  }, []);

  return { profile, loading, error, refresh, reset };
}
