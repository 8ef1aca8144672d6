/**
 * Sends text messages: an optimistic turn at once, then `POST /conversations/{id}/messages` with an
 * idempotency key (the conversation is created first when there is none yet).
 */
import { useCallback, useMemo } from 'react';
import * as api from '../../api/client';
import { ApiError, newIdempotencyKey } from '../../api/client';
import { newLocalTurn } from '../chatState';
import type { JobStreams } from './useJobStreams';
import {
  errorMessage,
  type ChatDispatch,
  type EpochRef,
  type ResolveConversation,
  type SubmittedRef,
} from './shared';

export interface SendMessage {
  sendMessage: (text: string) => void;
  /** Post the text of the turn `localId` again (Retry). */
  resend: (localId: string, text: string, idempotencyKey: string) => void;
}

export function useSendMessage(
  dispatch: ChatDispatch,
  epochRef: EpochRef,
  streams: Pick<JobStreams, 'accepted'>,
  resolveConversation: ResolveConversation,
  submittedRef: SubmittedRef,
): SendMessage {
  const { accepted } = streams;

  const submit = useCallback(
    async (localId: string, text: string, key: string) => {
      const myEpoch = epochRef.current;
      try {
        const conversationId = await resolveConversation();
        if (myEpoch !== epochRef.current) return;
        const res = await api.postConversationMessage(conversationId, text, key);
        // Even when another conversation is shown by now: the list moves this one up.
        submittedRef.current?.(conversationId);
        if (myEpoch !== epochRef.current) return;
        accepted(localId, res);
      } catch (err) {
        if (myEpoch !== epochRef.current) return;
        const network = err instanceof ApiError && err.isNetworkError;
        dispatch({ type: 'submitFailed', localId, message: errorMessage(err), network });
      }
    },
    [accepted, dispatch, epochRef, resolveConversation, submittedRef],
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
