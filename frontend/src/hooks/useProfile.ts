/**
 * What the assistant knows about the user: `GET /profile` (the owner's facts across all their
 * conversations), or `GET /chat/profile` on a gateway without it (404). The user can correct a
 * fact (`PATCH /profile/facts/{key}`) or delete it (`DELETE /profile/facts/{key}`): it is never
 * used again.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import * as api from '../api/client';
import { ApiError } from '../api/client';
import type { Profile, ProfileFact } from '../types';

export interface UseProfile {
  profile: Profile | null;
  loading: boolean;
  error: string | null;
  /** The server has no `GET /profile`: the profile is the latest conversation's, and facts cannot be edited. */
  legacy: boolean;
  refresh: () => Promise<void>;
  /** Forget the profile locally (after a chat was deleted), then reload it. */
  reset: () => void;
  /** Set a fact's value; rejects with a message to show. */
  updateFact: (key: string, value: string) => Promise<void>;
  /** Delete a fact; rejects with a message to show. */
  deleteFact: (key: string) => Promise<void>;
}

/** The message for a failed edit or delete. */
function actionError(err: unknown, what: string): Error {
  if (err instanceof ApiError && err.isUnsupported) {
    return new Error(`This server cannot ${what} yet.`);
  }
  return new Error(err instanceof Error && err.message ? err.message : `Could not ${what}.`);
}

export function useProfile(): UseProfile {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [legacy, setLegacy] = useState(false);
  /** Bumped by each load and each change made here: answers to loads started before are ignored. */
  const generation = useRef(0);
  /** `GET /profile` answered 404 once: ask `GET /chat/profile` from then on. */
  const legacyRef = useRef(false);

  /** The profile from `GET /profile`, or `GET /chat/profile` when the server has no such endpoint. */
  const fetchProfile = useCallback(async (): Promise<{ profile: Profile; legacy: boolean }> => {
    if (!legacyRef.current) {
      try {
        return { profile: await api.getOwnerProfile(), legacy: false };
      } catch (err) {
        if (!(err instanceof ApiError && err.isUnsupported)) throw err;
        legacyRef.current = true;
      }
    }
    return { profile: await api.getProfile(), legacy: true };
  }, []);

  /** Load the profile; its answer counts only if nothing else started since (`mine`). */
  const settle = useCallback(
    (mine: number) =>
      fetchProfile()
        .then((answer) => {
          if (mine !== generation.current) return;
          setProfile(answer.profile);
          setLegacy(answer.legacy);
          setError(null);
        })
        .catch((err: unknown) => {
          if (mine !== generation.current) return;
          setError(err instanceof Error ? err.message : 'Could not load the profile.');
        })
        .finally(() => {
          if (mine === generation.current) setLoading(false);
        }),
    [fetchProfile],
  );

  const load = useCallback(() => {
    setLoading(true);
    return settle(++generation.current);
  }, [settle]);

  const refresh = useCallback(() => load(), [load]);

  const reset = useCallback(() => {
    setProfile(null);
    void load();
  }, [load]);

  /** A change made here wins over a load that started before it. */
  const changed = useCallback((fn: (facts: ProfileFact[]) => ProfileFact[]) => {
    generation.current += 1;
    setLoading(false);
    setError(null);
    setProfile((p) => ({ facts: fn(p?.facts ?? []), summary: p?.summary ?? '' }));
  }, []);

  const updateFact = useCallback(
    async (key: string, value: string) => {
      let fact: ProfileFact;
      try {
        fact = await api.updateFact(key, value);
      } catch (err) {
        throw actionError(err, 'change this fact');
      }
      changed((facts) =>
        facts.some((f) => f.key === key) ? facts.map((f) => (f.key === key ? fact : f)) : [...facts, fact],
      );
    },
    [changed],
  );

  const deleteFact = useCallback(
    async (key: string) => {
      try {
        await api.deleteFact(key);
      } catch (err) {
        // Already gone (another tab): forget it here too.
        if (!(err instanceof ApiError && err.code === 'fact_not_found')) throw actionError(err, 'delete this fact');
      }
      changed((facts) => facts.filter((f) => f.key !== key));
    },
    [changed],
  );

  // The first load (`loading` starts true).
  useEffect(() => {
    void settle(++generation.current);
    return () => {
      generation.current += 1;
    };
  }, [settle]);

  return { profile, loading, error, legacy, refresh, reset, updateFact, deleteFact };
}
