/** Loads the chat history (on start and on demand) and resumes the streams of unfinished jobs. */
import { useCallback, useEffect, useMemo, useState, type RefObject } from 'react';
import * as api from '../../api/client';
import type { Job } from '../../types';
import { isTerminal } from '../../types';
import type { Turn } from '../chatState';
import type { JobStreams } from './useJobStreams';
import { errorMessage, type ChatDispatch, type EpochRef } from './shared';

export type HistoryState = 'loading' | 'ready' | 'error';

export interface History {
  historyState: HistoryState;
  historyError: string | null;
  reloadHistory: () => Promise<void>;
  /** After "clear": an empty history that is known, not loading. */
  markEmpty: () => void;
}

export function useHistory(
  dispatch: ChatDispatch,
  turnsRef: RefObject<Turn[]>,
  epochRef: EpochRef,
  streams: Pick<JobStreams, 'start' | 'isFollowing'>,
): History {
  const [historyState, setHistoryState] = useState<HistoryState>('loading');
  const [historyError, setHistoryError] = useState<string | null>(null);
  const { start, isFollowing } = streams;

  const applyHistory = useCallback(
    (jobs: Job[]) => {
      dispatch({ type: 'historyLoaded', jobs });
      // Resume streaming every unfinished job that has no live stream yet.
      const known = new Map(turnsRef.current.filter((t) => t.jobId).map((t) => [t.jobId as string, t]));
      const hidden = new Set(turnsRef.current.flatMap((t) => t.previousJobIds));
      for (const job of jobs) {
        if (isTerminal(job.status) || hidden.has(job.id)) continue;
        const existing = known.get(job.id);
        const localId = existing?.localId ?? `job:${job.id}`;
        if (isFollowing(localId)) continue;
        start(localId, job, {
          afterSeq: existing?.lastSeq ?? 0,
          text: existing?.reply ?? '',
          progress: existing?.readProgress ?? null,
        });
      }
    },
    [dispatch, turnsRef, start, isFollowing],
  );

  const reloadHistory = useCallback(async () => {
    const myEpoch = epochRef.current;
    try {
      const jobs = await api.getHistory();
      if (myEpoch !== epochRef.current) return;
      applyHistory(jobs);
      setHistoryState('ready');
      setHistoryError(null);
    } catch (err) {
      if (myEpoch !== epochRef.current) return;
      setHistoryError(errorMessage(err));
      setHistoryState((s) => (s === 'ready' ? 'ready' : 'error'));
    }
  }, [applyHistory, epochRef]);

  // Load the history on start.
  useEffect(() => {
    let cancelled = false;
    api
      .getHistory()
      .then((jobs) => {
        if (cancelled) return;
        applyHistory(jobs);
        setHistoryState('ready');
        setHistoryError(null);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        setHistoryError(errorMessage(err));
        setHistoryState('error');
      });
    return () => {
      cancelled = true;
    };
  }, [applyHistory]);

  const markEmpty = useCallback(() => {
    setHistoryState('ready');
    setHistoryError(null);
  }, []);

  return useMemo(
    () => ({ historyState, historyError, reloadHistory, markEmpty }),
    [historyState, historyError, reloadHistory, markEmpty],
  );
}
