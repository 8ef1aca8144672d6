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
  /** The conversation has older messages than those shown. */
  hasEarlier?: boolean;
  loadingEarlier?: boolean;
  earlierError?: string | null;
  onLoadEarlier?: () => void;
  canRetry: (turn: Turn) => boolean;
  onRetry: (localId: string) => void;
  onDismiss: (localId: string) => void;
  onSuggestion: (text: string) => void;
  /** A new reply to the latest message, beside the current one. */
  onRegenerate?: (localId: string) => Promise<void>;
  /** Edit a message and send it again. */
  onEdit?: (localId: string, text: string) => Promise<void>;
  /** Show another alternative of an exchange. */
  onSelectAlternative?: (localId: string, jobId: string) => Promise<void>;
  maxMessageChars?: number;
}

const SUGGESTIONS = [
  'Explain how HTTP caching works, with a short example.',
  'Write a Python function that checks if a string is a palindrome.',
  'Give me three ideas for a weekend project.',
];

/** Distance from the bottom (px) under which the list keeps following new content. */
const STICK_PX = 120;

/** Scrolling up to this distance from the top (px) loads earlier messages. */
const EARLIER_PX = 80;

/** Where the reader was when earlier messages were asked for: kept in place once they come. */
interface Anchor {
  firstId: string | undefined;
  scrollHeight: number;
  scrollTop: number;
}

/** The exchange whose version was changed: its new version stays where it was, with the focus on the same arrow. */
interface Kept {
  jobId: string;
  /** Its distance from the top of the view. */
  offset: number;
  focus: 'alternative-prev' | 'alternative-next' | null;
}

function turnElement(root: HTMLElement, attribute: 'data-local-id' | 'data-job-id', value: string): HTMLElement | null {
  return Array.from(root.querySelectorAll<HTMLElement>(`li.turn[${attribute}]`)).find((li) => li.getAttribute(attribute) === value) ?? null;
}

export function MessageList({
  turns,
  historyState,
  historyError,
  onReloadHistory,
  hasEarlier = false,
  loadingEarlier = false,
  earlierError = null,
  onLoadEarlier,
  canRetry,
  onRetry,
  onDismiss,
  onSuggestion,
  onRegenerate,
  onEdit,
  onSelectAlternative,
  maxMessageChars,
}: MessageListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const lastScrollTop = useRef(0);
  const anchor = useRef<Anchor | null>(null);
  const kept = useRef<Kept | null>(null);
  /** The last turn when a kept exchange was put back in place: no jump to the bottom for it. */
  const keptLastId = useRef<string | null>(null);
  const [showJump, setShowJump] = useState(false);

  const firstId = turns[0]?.localId;
  const loadEarlier = useCallback(() => {
    const el = scrollRef.current;
    if (!onLoadEarlier || !el) return;
    anchor.current = { firstId, scrollHeight: el.scrollHeight, scrollTop: el.scrollTop };
    onLoadEarlier();
  }, [onLoadEarlier, firstId]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    stick.current = atBottom;
    setShowJump(!atBottom);
    // Scrolling up to the top brings the earlier messages.
    const goingUp = el.scrollTop < lastScrollTop.current;
    lastScrollTop.current = el.scrollTop;
    if (goingUp && el.scrollTop <= EARLIER_PX && hasEarlier && !loadingEarlier && !earlierError) loadEarlier();
  }, [hasEarlier, loadingEarlier, earlierError, loadEarlier]);

  const scrollToBottom = useCallback((smooth: boolean) => {
    const el = scrollRef.current;
    if (!el) return;
    if (typeof el.scrollTo === 'function') el.scrollTo({ top: el.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
    else el.scrollTop = el.scrollHeight;
  }, []);

  const lastId = turns[turns.length - 1]?.localId;

  const selectAlternative = useCallback(
    async (localId: string, jobId: string) => {
      if (!onSelectAlternative) return;
      const el = scrollRef.current;
      const li = el ? turnElement(el, 'data-local-id', localId) : null;
      if (el && li) {
        const active = document.activeElement as HTMLElement | null;
        const testId = li.contains(active) ? active?.getAttribute('data-testid') : null;
        kept.current = {
          jobId,
          offset: li.getBoundingClientRect().top - el.getBoundingClientRect().top,
          focus: testId === 'alternative-prev' || testId === 'alternative-next' ? testId : null,
        };
      }
      try {
        await onSelectAlternative(localId, jobId);
      } catch (err) {
        kept.current = null;
        throw err;
      }
    },
    [onSelectAlternative],
  );

  useLayoutEffect(() => {
    const el = scrollRef.current;
    keptLastId.current = null;
    const keep = kept.current;
    const li = el && keep ? turnElement(el, 'data-job-id', keep.jobId) : null;
    if (el && keep && li) {
      // The version chosen stays where the one before it was; focus stays on the arrow used.
      el.scrollTop += li.getBoundingClientRect().top - el.getBoundingClientRect().top - keep.offset;
      lastScrollTop.current = el.scrollTop;
      if (keep.focus) {
        const arrow = li.querySelector<HTMLButtonElement>(`[data-testid="${keep.focus}"]`);
        const other = li.querySelector<HTMLButtonElement>(
          `[data-testid="${keep.focus === 'alternative-prev' ? 'alternative-next' : 'alternative-prev'}"]`,
        );
        (arrow && !arrow.disabled ? arrow : other)?.focus();
      }
      kept.current = null;
      keptLastId.current = lastId ?? null;
      return;
    }
    const earlier = anchor.current;
    if (el && earlier && earlier.firstId !== firstId) {
      // Earlier messages came in above: the ones the reader was looking at stay where they were.
      el.scrollTop = el.scrollHeight - earlier.scrollHeight + earlier.scrollTop;
      lastScrollTop.current = el.scrollTop;
      anchor.current = null;
      return;
    }
    if (earlier && !loadingEarlier) anchor.current = null;
    // Follow new content while the reader is at the bottom.
    if (stick.current) scrollToBottom(false);
  }, [turns, firstId, lastId, loadingEarlier, scrollToBottom]);

  // A new message at the end (sent, or another conversation shown) brings the view to the bottom
  // (not when another version of an exchange was chosen: that one stays in view).
  useEffect(() => {
    if (keptLastId.current !== null && keptLastId.current === lastId) {
      keptLastId.current = null;
      return;
    }
    stick.current = true;
    scrollToBottom(true);
  }, [lastId, scrollToBottom]);

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
          <span>Couldn’t load this conversation: {historyError}</span>
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
      {hasEarlier && !empty ? (
        <div className="earlier">
          <button
            type="button"
            className="button button--ghost button--small"
            onClick={loadEarlier}
            disabled={loadingEarlier}
            data-testid="load-earlier"
          >
            {loadingEarlier ? (
              <>
                <span className="spinner spinner--small" aria-hidden="true" /> Loading earlier messages…
              </>
            ) : (
              'Load earlier messages'
            )}
          </button>
          {earlierError ? (
            <p className="earlier__error" role="alert">
              Couldn’t load earlier messages: {earlierError}
            </p>
          ) : null}
        </div>
      ) : null}
      <ol className="turns" aria-label="Conversation">
        {turns.map((turn, i) => (
          <TurnView
            key={turn.localId}
            turn={turn}
            canRetry={canRetry(turn)}
            onRetry={onRetry}
            onDismiss={onDismiss}
            latest={i === turns.length - 1}
            onRegenerate={onRegenerate}
            onEdit={onEdit}
            onSelectAlternative={onSelectAlternative ? selectAlternative : undefined}
            maxMessageChars={maxMessageChars}
          />
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
