/**
 * What can be done to a message already sent (issue #13):
 *
 * - stop: `POST /messages/{id}/stop`; the job ends `done` with the text streamed so far, marked
 *   `stopped` (its stream says so; the answer may already say it).
 * - regenerate: `POST /messages/{id}/regenerate`; edit: `PATCH /messages/{id}`. Either makes a new
 *   exchange beside the old one (an alternative), which becomes the branch on show: it takes the
 *   old one's place and the turns after it leave the screen; its reply streams like a new one.
 * - choose an alternative: `POST /messages/{id}/select`, then the conversation's latest page is
 *   loaded again in place of the turns shown.
 *
 * Regenerate, edit and select throw when the server refuses (the caller shows why); a stop that
 * fails is reported through `onError`.
 */
import { useCallback, useMemo, type RefObject } from 'react';
import * as api from '../../api/client';
import { newIdempotencyKey, type SubmitResponse } from '../../api/client';
import type { Job } from '../../types';
import { isTerminal } from '../../types';
import { turnFromJob, type Turn } from '../chatState';
import type { History } from './useHistory';
import type { JobStreams } from './useJobStreams';
import { errorMessage, useLatestRef, type ChatDispatch, type EpochRef, type SubmittedRef } from './shared';

export interface MessageActions {
  /** Stop every reply being written (the button and Escape). */
  stop: () => void;
  regenerate: (localId: string) => Promise<void>;
  edit: (localId: string, text: string) => Promise<void>;
  /** Show the alternative `jobId` of the exchange `localId`. */
  selectAlternative: (localId: string, jobId: string) => Promise<void>;
}

/** Phases in which a reply is on its way. */
export function isBusy(turn: Pick<Turn, 'phase'>): boolean {
  return turn.phase === 'sending' || turn.phase === 'pending' || turn.phase === 'processing';
}

/** Its job can be stopped: the server has it, it has not ended, and no stop was asked for yet. */
export function isStoppable(turn: Turn): boolean {
  return Boolean(turn.jobId) && (turn.phase === 'pending' || turn.phase === 'processing') && !turn.stopping;
}

/** The new exchange, from the accepted answer (its job; a bare id when the answer has none). */
function acceptedJob(res: SubmitResponse, previous: Turn, text: string): Job {
  if (res.job) return res.job;
  const at = new Date().toISOString();
  return {
    ...(previous.job as Job),
    id: res.job_id,
    status: res.status ?? 'pending',
    text,
    result: null,
    error: null,
    alternative_ids: [],
    created_at: at,
    updated_at: at,
  } as Job;
}

export function useMessageActions(
  dispatch: ChatDispatch,
  epochRef: EpochRef,
  turnsRef: RefObject<Turn[]>,
  streams: Pick<JobStreams, 'accepted' | 'stop' | 'finish'>,
  history: Pick<History, 'showBranch' | 'branchChanged'>,
  submittedRef: SubmittedRef,
  onError: ((message: string) => void) | undefined,
): MessageActions {
  const { accepted, stop: closeStream, finish } = streams;
  const { showBranch, branchChanged } = history;
  const onErrorRef = useLatestRef(onError);

  const stopTurn = useCallback(
    async (turn: Turn) => {
      const jobId = turn.jobId as string;
      const myEpoch = epochRef.current;
      dispatch({ type: 'stopping', localId: turn.localId, stopping: true });
      try {
        const job = await api.stopMessage(jobId);
        if (myEpoch !== epochRef.current) return;
        // A pending job ends at once: show it now. A running one ends within a second: its stream says so.
        if (isTerminal(job.status)) finish(turn.localId, job);
      } catch (err) {
        if (myEpoch !== epochRef.current) return;
        dispatch({ type: 'stopping', localId: turn.localId, stopping: false });
        onErrorRef.current?.(`Could not stop the reply: ${errorMessage(err)}`);
      }
    },
    [dispatch, epochRef, finish, onErrorRef],
  );

  const stop = useCallback(() => {
    for (const turn of turnsRef.current) if (isStoppable(turn)) void stopTurn(turn);
  }, [turnsRef, stopTurn]);

  /** The new alternative `res` takes the place of the turn `localId`; the turns after it leave. */
  const branchTo = useCallback(
    (previous: Turn, res: SubmitResponse, text: string) => {
      const job = acceptedJob(res, previous, text);
      const known = previous.alternativeIds.length > 0 ? previous.alternativeIds : [previous.jobId as string];
      const listed = job.alternative_ids ?? [];
      const alternativeIds = listed.length > known.length ? listed : [...known.filter((id) => id !== job.id), job.id];
      const turns = turnsRef.current;
      const at = turns.findIndex((t) => t.localId === previous.localId);
      for (const t of at < 0 ? [] : turns.slice(at)) closeStream(t.localId);
      branchChanged();
      const turn: Turn = { ...turnFromJob(job), phase: job.status, alternativeIds };
      dispatch({ type: 'branched', localId: previous.localId, turn });
      accepted(turn.localId, { job_id: job.id, job });
      submittedRef.current?.(job.conversation_id || previous.job?.conversation_id || '');
    },
    [accepted, branchChanged, closeStream, dispatch, submittedRef, turnsRef],
  );

  const turnOf = useCallback(
    (localId: string): Turn => {
      const turn = turnsRef.current.find((t) => t.localId === localId);
      if (!turn || !turn.jobId) throw new Error('This message is not on the server yet.');
      return turn;
    },
    [turnsRef],
  );

  const regenerate = useCallback(
    async (localId: string) => {
      const turn = turnOf(localId);
      const myEpoch = epochRef.current;
      const res = await api.regenerateMessage(turn.jobId as string, newIdempotencyKey());
      if (myEpoch !== epochRef.current) return;
      branchTo(turn, res, turn.text);
    },
    [branchTo, epochRef, turnOf],
  );

  const edit = useCallback(
    async (localId: string, text: string) => {
      const trimmed = text.trim();
      if (!trimmed) throw new Error('The message is empty.');
      const turn = turnOf(localId);
      const myEpoch = epochRef.current;
      const res = await api.editMessage(turn.jobId as string, trimmed, newIdempotencyKey());
      if (myEpoch !== epochRef.current) return;
      branchTo(turn, res, trimmed);
    },
    [branchTo, epochRef, turnOf],
  );

  const selectAlternative = useCallback(
    async (localId: string, jobId: string) => {
      const turn = turnOf(localId);
      if (turn.jobId === jobId) return;
      const myEpoch = epochRef.current;
      await api.selectMessage(jobId);
      if (myEpoch !== epochRef.current) return;
      await showBranch();
    },
    [epochRef, showBranch, turnOf],
  );

  return useMemo(
    () => ({ stop, regenerate, edit, selectAlternative }),
    [stop, regenerate, edit, selectAlternative],
  );
}
