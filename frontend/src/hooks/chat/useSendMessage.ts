/** Sends text messages: an optimistic turn at once, then `POST /messages` with an idempotency key. */
import { useCallback, useMemo } from 'react';
import * as api from '../../api/client';
import { ApiError, newIdempotencyKey } from '../../api/client';
import { newLocalTurn } from '../chatState';
import type { JobStreams } from './useJobStreams';
import { errorMessage, type ChatDispatch, type EpochRef } from './shared';

export interface SendMessage {
  sendMessage: (text: string) => void;
  /** Post the text of the turn `localId` again (Retry). */
  resend: (localId: string, text: string, idempotencyKey: string) => void;
}

export function useSendMessage(dispatch: ChatDispatch, epochRef: EpochRef, streams: Pick<JobStreams, 'accepted'>): SendMessage {
  const { accepted } = streams;

  const submit = useCallback(
    async (localId: string, text: string, key: string) => {
      const myEpoch = epochRef.current;
      try {
        const res = await api.postMessage(text, key);
        if (myEpoch !== epochRef.current) return;
        accepted(localId, res);
      } catch (err) {
        if (myEpoch !== epochRef.current) return;
        const network = err instanceof ApiError && err.isNetworkError;
        dispatch({ type: 'submitFailed', localId, message: errorMessage(err), network });
      }
    },
    [accepted, dispatch, epochRef],
  );

  const sendMessage = useCallback(
    (text: string) => {
      const trimmed = text.trim();
      if (!trimmed) return;
      const localId = `local:${newIdempotencyKey()}`;
      const key = newIdempotencyKey();
      dispatch({ type: 'add', turn: newLocalTurn({ localId, kind: 'message', text, file: null, idempotencyKey: key }) });
      void submit(localId, text, key);
    },
    [dispatch, submit],
  );

  const resend = useCallback(
    (localId: string, text: string, key: string) => void submit(localId, text, key),
    [submit],
  );

  return useMemo(() => ({ sendMessage, resend }), [sendMessage, resend]);
}
