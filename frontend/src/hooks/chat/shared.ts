/** What the chat hooks share: the reducer's dispatch, the "clear" epoch, error helpers. */
import { useEffect, useRef, type Dispatch, type RefObject } from 'react';
import type { ChatAction } from '../chatState';

export type ChatDispatch = Dispatch<ChatAction>;

/** Bumped by "clear": answers to requests made before it are ignored. */
export type EpochRef = RefObject<number>;

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
