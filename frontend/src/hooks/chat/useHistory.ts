/**
 * Loads the shown conversation's messages (`GET /conversations/{id}/messages`): its latest page
 * when it is selected or on demand, older pages on request; resumes the streams of unfinished
 * jobs. Selecting another conversation first forgets everything on screen (see `reset`).
 */
import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import * as api from '../../api/client';
import type { Job } from '../../types';
import { isTerminal } from '../../types';
import type { Turn } from '../chatState';
import type { JobStreams } from './useJobStreams';
import { errorMessage, useLatestRef, type ChatDispatch, type ConversationRef, type EpochRef } from './shared';

export type HistoryState = 'loading' | 'ready' | 'error';

export interface History {
  historyState: HistoryState;
  historyError: string | null;
  /** Load the latest page again (after a network failure), keeping older pages already shown. */
  reloadHistory: () => Promise<void>;
  /** The server has older messages than those shown. */
  hasEarlier: boolean;
  loadingEarlier: boolean;
  earlierError: string | null;
  /** Load the page before the oldest one shown; its turns go first. */
  loadEarlier: () => Promise<void>;
  /**
   * Another branch is on show (an alternative was chosen): load its latest page in place of the
   * turns shown, and stop following the jobs that left. Throws when the page cannot be read.
   */
  showBranch: () => Promise<void>;
  /** The branch on show changed here (a regenerate or an edit): pages asked for before are of the old one. */
  branchChanged: () => void;
}

/** What is known of the shown conversation's history; a view of an earlier visit counts as none. */
interface View {
  /** Which selection it describes: one more each time another conversation is selected. */
  visit: number;
  conversationId: string | null | undefined;
  state: HistoryState;
  error: string | null;
  /** The `next_cursor` of the oldest page shown: null when it is the first one. */
  cursor: string | null;
  /** An older page was loaded: a reload of the latest page keeps the cursor that goes further back. */
  olderLoaded: boolean;
  loadingEarlier: boolean;
  earlierError: string | null;
}

function freshView(visit: number, conversationId: string | null | undefined): View {
  return {
    visit,
    conversationId,
    // No conversation yet: nothing to load, the welcome shows.
    state: conversationId === null ? 'ready' : 'loading',
    error: null,
    cursor: null,
    olderLoaded: false,
    loadingEarlier: false,
    earlierError: null,
  };
}

export function useHistory(
  dispatch: ChatDispatch,
  turnsRef: RefObject<Turn[]>,
  epochRef: EpochRef,
  streams: Pick<JobStreams, 'start' | 'stop' | 'isFollowing'>,
  /** The conversation to show: undefined while not known yet, null when there is none. */
  conversationId: string | null | undefined,
  /** The conversation the turns on screen belong to. */
  conversationRef: ConversationRef,
  /** Forget the turns, streams and uploads of the conversation shown until now. */
  reset: () => void,
): History {
  // A new visit each time the selection changes (state adjusted while rendering, as React advises).
  const [visit, setVisit] = useState({ n: 0, conversationId });
  if (visit.conversationId !== conversationId) setVisit({ n: visit.n + 1, conversationId });
  const [stored, setView] = useState<View>(() => freshView(0, conversationId));
  const view = stored.visit === visit.n ? stored : freshView(visit.n, conversationId);
  const viewRef = useLatestRef(view);
  /** The conversation whose latest page was last asked for. */
  const requestedRef = useRef<string | null | undefined>(undefined);
  const loadingEarlierRef = useRef(false);
  /** Bumped when another branch is shown: older pages asked for before belong to the old one. */
  const branchRef = useRef(0);
  const { start, stop, isFollowing } = streams;

  /** Update the view of visit `n` of conversation `id` (from a fresh one if it still shows an earlier visit). */
  const updateView = useCallback((n: number, id: string, change: (v: View) => Partial<View>) => {
    setView((v) => {
      if (v.visit > n) return v;
      const base = v.visit === n ? v : freshView(n, id);
      return { ...base, ...change(base) };
    });
  }, []);

  const applyHistory = useCallback(
    (jobs: Job[], branch = false) => {
      if (branch) {
        // The turns of the other branch leave the screen: stop following their jobs.
        const listed = new Set(jobs.map((j) => j.id));
        for (const t of turnsRef.current) if (t.jobId && !listed.has(t.jobId)) stop(t.localId);
      }
      dispatch(branch ? { type: 'branchLoaded', jobs } : { type: 'historyLoaded', jobs });
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
    [dispatch, turnsRef, start, stop, isFollowing],
  );

  const loadLatest = useCallback(
    async (n: number, id: string) => {
      const myEpoch = epochRef.current;
      const myBranch = branchRef.current;
      try {
        const page = await api.listMessages(id);
        // Another branch shown meanwhile: this page lists the old one.
        if (myEpoch !== epochRef.current || myBranch !== branchRef.current) return;
        applyHistory(page.items);
        updateView(n, id, (v) => ({
          state: 'ready',
          error: null,
          cursor: v.olderLoaded ? v.cursor : page.nextCursor,
        }));
      } catch (err) {
        if (myEpoch !== epochRef.current || myBranch !== branchRef.current) return;
        updateView(n, id, (v) => ({ error: errorMessage(err), state: v.state === 'ready' ? 'ready' : 'error' }));
      }
    },
    [applyHistory, epochRef, updateView],
  );

  // Show the selected conversation: forget the one shown before, then load its latest page.
  useEffect(() => {
    if (conversationId === undefined || conversationId === requestedRef.current) return;
    requestedRef.current = conversationId;
    loadingEarlierRef.current = false;
    // Already on screen when a send just created it: then its page only joins what is shown.
    if (conversationId !== conversationRef.current) {
      // Turns sent before any conversation was known (the list could not load) are forgotten too.
      const switching = conversationRef.current !== undefined || turnsRef.current.length > 0;
      conversationRef.current = conversationId;
      if (switching) reset();
    }
    if (conversationId !== null) void loadLatest(visit.n, conversationId);
  }, [conversationId, visit.n, conversationRef, turnsRef, reset, loadLatest]);

  const reloadHistory = useCallback(async () => {
    const { visit: n, conversationId: id } = viewRef.current;
    if (id && id === conversationRef.current) await loadLatest(n, id);
  }, [conversationRef, loadLatest, viewRef]);

  const loadEarlier = useCallback(async () => {
    const { visit: n, conversationId: id, cursor } = viewRef.current;
    if (!id || id !== conversationRef.current || !cursor || loadingEarlierRef.current) return;
    const myEpoch = epochRef.current;
    const myBranch = branchRef.current;
    loadingEarlierRef.current = true;
    updateView(n, id, () => ({ loadingEarlier: true, earlierError: null }));
    try {
      const page = await api.listMessages(id, { cursor });
      if (myEpoch !== epochRef.current) return;
      if (myBranch !== branchRef.current) {
        updateView(n, id, () => ({ loadingEarlier: false }));
        return;
      }
      applyHistory(page.items);
      updateView(n, id, () => ({ olderLoaded: true, cursor: page.nextCursor, loadingEarlier: false }));
    } catch (err) {
      if (myEpoch !== epochRef.current) return;
      updateView(n, id, () => ({ earlierError: errorMessage(err), loadingEarlier: false }));
    } finally {
      if (myEpoch === epochRef.current) loadingEarlierRef.current = false;
    }
  }, [applyHistory, conversationRef, epochRef, updateView, viewRef]);

  const showBranch = useCallback(async () => {
    const { visit: n, conversationId: id } = viewRef.current;
    if (!id || id !== conversationRef.current) return;
    const myEpoch = epochRef.current;
    const myBranch = ++branchRef.current;
    const page = await api.listMessages(id);
    if (myEpoch !== epochRef.current || myBranch !== branchRef.current) return;
    applyHistory(page.items, true);
    loadingEarlierRef.current = false;
    updateView(n, id, () => ({
      state: 'ready',
      error: null,
      cursor: page.nextCursor,
      olderLoaded: false,
      loadingEarlier: false,
      earlierError: null,
    }));
  }, [applyHistory, conversationRef, epochRef, updateView, viewRef]);

  const branchChanged = useCallback(() => {
    branchRef.current += 1;
    loadingEarlierRef.current = false;
    const { visit: n, conversationId: id } = viewRef.current;
    if (id) updateView(n, id, () => ({ loadingEarlier: false }));
  }, [updateView, viewRef]);

  return useMemo(
    () => ({
      historyState: view.state,
      historyError: view.error,
      reloadHistory,
      hasEarlier: view.cursor !== null,
      loadingEarlier: view.loadingEarlier,
      earlierError: view.earlierError,
      loadEarlier,
      showBranch,
      branchChanged,
    }),
    [
      view.state,
      view.error,
      view.cursor,
      view.loadingEarlier,
      view.earlierError,
      reloadHistory,
      loadEarlier,
      showBranch,
      branchChanged,
    ],
  );
}
