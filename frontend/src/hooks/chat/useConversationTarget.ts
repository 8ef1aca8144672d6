/**
 * Where messages and files go: the shown conversation, or a new one (`POST /conversations`) when
 * there is none yet. Sends made while it is being created wait for it and go to the same one.
 */
import { useCallback, useMemo, useRef } from 'react';
import * as api from '../../api/client';
import type { Conversation } from '../../types';
import { useLatestRef, type ConversationRef, type EpochRef, type ResolveConversation } from './shared';

/** `shown`: the new conversation is the one on screen (false when another was selected meanwhile). */
export type ConversationCreated = (conversation: Conversation, shown: boolean) => void;

export interface ConversationTarget {
  resolveConversation: ResolveConversation;
  /** Forget a creation in flight (another conversation is shown). */
  forgetCreation: () => void;
}

export function useConversationTarget(
  conversationRef: ConversationRef,
  epochRef: EpochRef,
  onCreated: ConversationCreated | undefined,
): ConversationTarget {
  const creating = useRef<Promise<string> | null>(null);
  const onCreatedRef = useLatestRef(onCreated);

  const resolveConversation = useCallback((): Promise<string> => {
    const current = conversationRef.current;
    if (current) return Promise.resolve(current);
    if (creating.current) return creating.current;
    const myEpoch = epochRef.current;
    const promise = api.createConversation().then((created) => {
      const shown = myEpoch === epochRef.current && !conversationRef.current;
      // From now on the turns on screen belong to it; selecting it later changes nothing.
      if (shown) conversationRef.current = created.id;
      onCreatedRef.current?.(created, shown);
      return created.id;
    });
    creating.current = promise;
    const done = () => {
      if (creating.current === promise) creating.current = null;
    };
    promise.then(done, done);
    return promise;
  }, [conversationRef, epochRef, onCreatedRef]);

  const forgetCreation = useCallback(() => {
    creating.current = null;
  }, []);

  return useMemo(() => ({ resolveConversation, forgetCreation }), [resolveConversation, forgetCreation]);
}
