/** Retry or dismiss a failed turn. */
import { useCallback, useMemo, type RefObject } from 'react';
import { newIdempotencyKey } from '../../api/client';
import type { Turn } from '../chatState';
import type { JobStreams } from './useJobStreams';
import type { SendMessage } from './useSendMessage';
import type { UploadFile } from './useUploadFile';
import type { ChatDispatch } from './shared';

export interface Retry {
  retry: (localId: string) => void;
  canRetry: (turn: Turn) => boolean;
  dismiss: (localId: string) => void;
}

export function useRetry(
  dispatch: ChatDispatch,
  turnsRef: RefObject<Turn[]>,
  streams: Pick<JobStreams, 'stop'>,
  messages: Pick<SendMessage, 'resend'>,
  uploads: Pick<UploadFile, 'hasFile' | 'reupload' | 'discard'>,
): Retry {
  const { stop } = streams;
  const { resend } = messages;
  const { hasFile, reupload, discard } = uploads;

  const canRetry = useCallback(
    (turn: Turn) => {
      if (turn.phase !== 'error') return false;
      if (turn.kind === 'message') return turn.text.trim().length > 0;
      return hasFile(turn.localId);
    },
    [hasFile],
  );

  const retry = useCallback(
    (localId: string) => {
      const turn = turnsRef.current.find((t) => t.localId === localId);
      if (!turn || turn.phase !== 'error') return;
      if (turn.kind === 'file' && !hasFile(localId)) return;
      // A submit that never reached the server may reuse its key (safe to
      // repeat); a job that ran and failed is retried as a new request.
      const key = turn.networkFailure && turn.idempotencyKey ? turn.idempotencyKey : newIdempotencyKey();
      stop(localId);
      dispatch({ type: 'retry', localId, idempotencyKey: key });
      if (turn.kind === 'file') reupload(localId, key);
      else resend(localId, turn.text, key);
    },
    [dispatch, turnsRef, stop, hasFile, reupload, resend],
  );

  const dismiss = useCallback(
    (localId: string) => {
      stop(localId);
      discard(localId);
      dispatch({ type: 'dismiss', localId });
    },
    [dispatch, stop, discard],
  );

  return useMemo(() => ({ retry, canRetry, dismiss }), [retry, canRetry, dismiss]);
}
