/** What the chat hooks share: the reducer's dispatch, the epoch, the shown conversation, error helpers. */
import { useEffect, useRef, type Dispatch, type RefObject } from 'react';
import type { ChatAction } from '../chatState';

export type ChatDispatch = Dispatch<ChatAction>;

/** Bumped when another conversation is shown: answers to requests made before it are ignored. */
export type EpochRef = RefObject<number>;

/** The conversation whose turns are on screen: undefined until one is known, null for none yet. */
export type ConversationRef = RefObject<string | null | undefined>;

/** The id of the shown conversation, created first (`POST /conversations`) when there is none yet. */
export type ResolveConversation = () => Promise<string>;

/** Told which conversation the server accepted a message or file into. */
export type SubmittedRef = RefObject<((conversationId: string) => void) | undefined>;

/** A ref that always holds the latest value (for callbacks that must not change identity). */
export function useLatestRef<T>(value: T): RefObject<T> {
  const ref = useRef(value);
  useEffect(() => {
    ref.current = value;
  }, [value]);
  return ref;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
