import { memo, useId, useState } from 'react';
import { isStopped, type Turn } from '../hooks/chatState';
import { formatDuration, formatNumber, providerLabel } from '../lib/format';
import { AlternativeNav } from './AlternativeNav';
import { ContextView } from './ContextView';
import { Markdown } from './Markdown';
import { ProviderBadge } from './ProviderBadge';
import { StatusChip } from './StatusChip';
import {
  AlertIcon,
  CheckIcon,
  ChevronDownIcon,
  CopyIcon,
  InfoIcon,
  LayersIcon,
  RefreshIcon,
  RegenerateIcon,
  SparkleIcon,
  StopIcon,
} from './icons';

export interface AssistantMessageProps {
  turn: Turn;
  canRetry: boolean;
  onRetry: (localId: string) => void;
  /** Offer Regenerate (the latest reply, finished). */
  canRegenerate?: boolean;
  onRegenerate?: (localId: string) => Promise<void>;
  /** Show another alternative of this exchange. */
  onSelectAlternative?: (localId: string, jobId: string) => Promise<void>;
}

function waitingText(turn: Turn): string {
  if (turn.phase === 'sending') return 'Sending…';
  if (turn.phase === 'uploading') return 'Uploading…';
  if (turn.phase === 'pending') return turn.kind === 'file' ? 'Queued for analysis…' : 'Waiting for the assistant…';
  return turn.kind === 'file' ? 'Analysing the file…' : 'Thinking…';
}

function connectionText(connection: Turn['connection']): string | null {
  if (connection === 'reconnecting') return 'Connection lost — reconnecting…';
  if (connection === 'polling') return 'Live updates unavailable — checking for the reply every second.';
  return null;
}

/** The assistant's reply: status, provider, streamed Markdown, errors, and the context it used. */
export const AssistantMessage = memo(function AssistantMessage({
  turn,
  canRetry,
  onRetry,
  canRegenerate = false,
  onRegenerate,
  onSelectAlternative,
}: AssistantMessageProps) {
  const [showContext, setShowContext] = useState(false);
  const [copied, setCopied] = useState(false);
  const [regenerating, setRegenerating] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const contextId = useId();
  const result = turn.job?.result ?? null;
  const context = result?.context ?? null;
  const busy = turn.phase === 'sending' || turn.phase === 'uploading' || turn.phase === 'pending' || turn.phase === 'processing';
  const streaming = busy && turn.reply.length > 0;
  const conn = busy ? connectionText(turn.connection) : null;
  const stopped = isStopped(turn);
  const alternatives = turn.alternativeIds.length > 1 && onSelectAlternative ? turn.alternativeIds : null;
  const offerRegenerate = canRegenerate && Boolean(onRegenerate);

  const regenerate = async () => {
    if (!onRegenerate || regenerating) return;
    setRegenerating(true);
    setActionError(null);
    try {
      // Once accepted the new reply takes this one's place.
      await onRegenerate(turn.localId);
    } catch (err) {
      setActionError(`Could not regenerate: ${err instanceof Error && err.message ? err.message : 'something went wrong.'}`);
    } finally {
      setRegenerating(false);
    }
  };

  const copyReply = () => {
    const clip = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (!clip) return;
    clip.writeText(turn.reply).then(
      () => {
        setCopied(true);
        window.setTimeout(() => setCopied(false), 1500);
      },
      () => undefined,
    );
  };

  return (
    <div className="row row--assistant">
      <span className="avatar" aria-hidden="true">
        <SparkleIcon size={18} />
      </span>
      <article
        className={`bubble bubble--assistant bubble--${turn.phase}`}
        data-testid="message-assistant"
        data-status={turn.phase}
        data-job-id={turn.jobId ?? undefined}
        aria-label="Assistant reply"
        aria-busy={busy}
      >
        <header className="bubble__head">
          <span className="bubble__author">Assistant</span>
          <StatusChip phase={turn.phase} />
          {stopped ? (
            <span className="stopped-chip" data-testid="stopped-marker" title="You stopped this reply: it ends where it was stopped.">
              <StopIcon size={10} fill="currentColor" /> Stopped
            </span>
          ) : null}
          {turn.stopping && busy ? (
            <span className="stopped-chip stopped-chip--pending" role="status">
              Stopping…
            </span>
          ) : null}
          {result?.provider ? <ProviderBadge provider={result.provider} fallback={Boolean(result.fallback)} /> : null}
        </header>

        {turn.restartNotice ? (
          <p className="notice notice--restart" role="status">
            <RefreshIcon size={14} /> {turn.restartNotice}
          </p>
        ) : null}
        {conn ? (
          <p className="notice notice--connection" role="status">
            {conn}
          </p>
        ) : null}

        {turn.reply ? (
          <div className={`bubble__body${streaming ? ' bubble__body--streaming' : ''}`} aria-live="off">
            <Markdown text={turn.reply} />
          </div>
        ) : busy ? (
          <p className="typing" aria-label={waitingText(turn)}>
            <span className="typing__dots" aria-hidden="true">
              <span />
              <span />
              <span />
            </span>
            <span className="typing__text">{waitingText(turn)}</span>
          </p>
        ) : stopped ? (
          <p className="bubble__empty">Stopped before the assistant wrote anything.</p>
        ) : null}

        {turn.phase === 'error' ? (
          <div className="error-box" role="alert">
            <AlertIcon size={18} />
            <div className="error-box__text">
              <strong>{turn.jobId ? 'The reply failed.' : 'Not sent.'}</strong> {turn.error ?? 'Something went wrong.'}
            </div>
            {canRetry ? (
              <button type="button" className="button button--small" onClick={() => onRetry(turn.localId)}>
                <RefreshIcon size={16} /> Retry
              </button>
            ) : turn.kind === 'file' ? (
              <span className="error-box__hint">Upload the file again to retry.</span>
            ) : null}
          </div>
        ) : null}

        {result?.fallback ? (
          <p className="notice notice--fallback">
            <InfoIcon size={14} /> The main providers were unavailable, so this answer comes from a fallback
            {result.provider && result.provider.toLowerCase() !== 'fallback' ? ` (${providerLabel(result.provider)})` : ''}.
          </p>
        ) : null}

        {turn.phase === 'done' || alternatives ? (
          <footer className="bubble__foot">
            {alternatives && onSelectAlternative ? (
              <AlternativeNav
                ids={alternatives}
                currentId={turn.jobId}
                onSelect={(id) => onSelectAlternative(turn.localId, id)}
              />
            ) : null}
            {/* An imported reply has no context or timing recorded: nothing to show, not zeros. */}
            {context && context.context_tokens > 0 && turn.phase === 'done' ? (
              <button
                type="button"
                className="chip-button"
                data-testid="context-toggle"
                aria-expanded={showContext}
                aria-controls={contextId}
                onClick={() => setShowContext((v) => !v)}
              >
                <LayersIcon size={15} />
                Context
                {Number.isFinite(context.reduction_ratio) ? (
                  <span className="chip-button__extra">
                    {formatNumber(context.context_tokens)} tok
                    {context.reduction_ratio >= 0.01 ? ` · ${Math.round(context.reduction_ratio * 100)}% saved` : ''}
                  </span>
                ) : null}
                <ChevronDownIcon size={15} className={`chevron${showContext ? ' chevron--open' : ''}`} />
              </button>
            ) : null}
            {turn.reply && turn.phase === 'done' ? (
              <button type="button" className="chip-button" onClick={copyReply} aria-label={copied ? 'Reply copied' : 'Copy reply'}>
                {copied ? <CheckIcon size={15} /> : <CopyIcon size={15} />}
                {copied ? 'Copied' : 'Copy'}
              </button>
            ) : null}
            {offerRegenerate && turn.phase === 'done' ? (
              <button
                type="button"
                className="chip-button"
                onClick={() => void regenerate()}
                disabled={regenerating}
                aria-label="Regenerate the reply"
                title="Write another reply to the same message (this one stays as an alternative)"
                data-testid="regenerate-button"
              >
                <RegenerateIcon size={15} className={regenerating ? 'is-spinning-glyph' : undefined} />
                {regenerating ? 'Regenerating…' : 'Regenerate'}
              </button>
            ) : null}
            {result?.latency_ms && turn.phase === 'done' ? (
              <span className="bubble__meta" title="Time to the full reply">
                {formatDuration(result.latency_ms)}
                {result.usage ? ` · ${formatNumber(result.usage.total_tokens)} tokens` : ''}
              </span>
            ) : null}
          </footer>
        ) : null}

        {actionError ? (
          <p className="bubble__action-error" role="alert">
            {actionError}
          </p>
        ) : null}

        {showContext && context && result ? <ContextView id={contextId} context={context} result={result} /> : null}
      </article>
    </div>
  );
});
