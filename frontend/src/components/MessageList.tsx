import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Turn } from '../hooks/chatState';
import type { HistoryState } from '../hooks/useChat';
import { ArrowDownIcon, RefreshIcon, SparkleIcon } from './icons';
import { TurnView } from './TurnView';

export interface MessageListProps {
  turns: Turn[];
  historyState: HistoryState;
  historyError: string | null;
  onReloadHistory: () => void;
  canRetry: (turn: Turn) => boolean;
  onRetry: (localId: string) => void;
  onDismiss: (localId: string) => void;
  onSuggestion: (text: string) => void;
}

const SUGGESTIONS = [
  'Explain how HTTP caching works, with a short example.',
  'Write a Python function that checks if a string is a palindrome.',
  'Give me three ideas for a weekend project.',
];

/** Distance from the bottom (px) under which the list keeps following new content. */
const STICK_PX = 120;

export function MessageList({
  turns,
  historyState,
  historyError,
  onReloadHistory,
  canRetry,
  onRetry,
  onDismiss,
  onSuggestion,
}: MessageListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [showJump, setShowJump] = useState(false);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    stick.current = atBottom;
    setShowJump(!atBottom);
  }, []);

  const scrollToBottom = useCallback((smooth: boolean) => {
    const el = scrollRef.current;
    if (!el) return;
    if (typeof el.scrollTo === 'function') el.scrollTo({ top: el.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
    else el.scrollTop = el.scrollHeight;
  }, []);

  // Follow new content while the reader is at the bottom.
  useLayoutEffect(() => {
    if (stick.current) scrollToBottom(false);
  }, [turns, scrollToBottom]);

  // A new message from the user always brings the view to the bottom.
  const count = turns.length;
  useEffect(() => {
    stick.current = true;
    scrollToBottom(true);
  }, [count, scrollToBottom]);

  const empty = turns.length === 0;

  return (
    <div className="messages" ref={scrollRef} onScroll={onScroll} role="region" aria-label="Messages" tabIndex={0}>
      {historyState === 'loading' && empty ? (
        <div className="messages__placeholder" role="status">
          <span className="spinner" aria-hidden="true" /> Loading your conversation…
        </div>
      ) : null}
      {historyState === 'error' ? (
        <div className="inline-alert" role="alert">
          <span>Couldn’t load earlier messages: {historyError}</span>
          <button type="button" className="button button--small" onClick={onReloadHistory}>
            <RefreshIcon size={16} /> Try again
          </button>
        </div>
      ) : null}
      {historyState !== 'loading' && empty ? (
        <div className="welcome">
          <span className="welcome__logo" aria-hidden="true">
            <SparkleIcon size={28} />
          </span>
          <h2 className="welcome__title">How can I help today?</h2>
          <p className="welcome__text">
            Ask anything, or drop a file here to have it analysed. Replies stream in as they are written.
          </p>
          <ul className="welcome__suggestions">
            {SUGGESTIONS.map((s) => (
              <li key={s}>
                <button type="button" className="suggestion" onClick={() => onSuggestion(s)}>
                  {s}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <ol className="turns" aria-label="Conversation">
        {turns.map((turn) => (
          <TurnView key={turn.localId} turn={turn} canRetry={canRetry(turn)} onRetry={onRetry} onDismiss={onDismiss} />
        ))}
      </ol>
      {showJump ? (
        <button
          type="button"
          className="jump-button"
          onClick={() => {
            stick.current = true;
            scrollToBottom(true);
          }}
          aria-label="Jump to the latest message"
        >
          <ArrowDownIcon size={18} />
        </button>
      ) : null}
    </div>
  );
}
