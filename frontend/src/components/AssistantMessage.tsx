import { memo, useId, useState } from 'react';
import type { Turn } from '../hooks/chatState';
import { formatDuration, formatNumber, providerLabel } from '../lib/format';
import { ContextView } from './ContextView';
import { Markdown } from './Markdown';
import { ProviderBadge } from './ProviderBadge';
import { StatusChip } from './StatusChip';
import { AlertIcon, CheckIcon, ChevronDownIcon, CopyIcon, InfoIcon, LayersIcon, RefreshIcon, SparkleIcon } from './icons';

export interface AssistantMessageProps {
  turn: Turn;
  canRetry: boolean;
  onRetry: (localId: string) => void;
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
export const AssistantMessage = memo(function AssistantMessage({ turn, canRetry, onRetry }: AssistantMessageProps) {
  const [showContext, setShowContext] = useState(false);
  const [copied, setCopied] = useState(false);
  const contextId = useId();
  const result = turn.job?.result ?? null;
  const context = result?.context ?? null;
  const busy = turn.phase === 'sending' || turn.phase === 'uploading' || turn.phase === 'pending' || turn.phase === 'processing';
  const streaming = busy && turn.reply.length > 0;
  const conn = busy ? connectionText(turn.connection) : null;

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

        {turn.phase === 'done' ? (
          <footer className="bubble__foot">
            {context ? (
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
            {turn.reply ? (
              <button type="button" className="chip-button" onClick={copyReply} aria-label={copied ? 'Reply copied' : 'Copy reply'}>
                {copied ? <CheckIcon size={15} /> : <CopyIcon size={15} />}
                {copied ? 'Copied' : 'Copy'}
              </button>
            ) : null}
            {result?.latency_ms != null ? (
              <span className="bubble__meta" title="Time to the full reply">
                {formatDuration(result.latency_ms)}
                {result.usage ? ` · ${formatNumber(result.usage.total_tokens)} tokens` : ''}
              </span>
            ) : null}
          </footer>
        ) : null}

        {showContext && context && result ? <ContextView id={contextId} context={context} result={result} /> : null}
      </article>
    </div>
  );
});
