import type { ContextInfo, JobResult } from '../types';
import { formatDuration, formatNumber, formatPercent } from '../lib/format';

const REASONS: Record<string, string> = {
  relevance: 'Relevant',
  meaning: 'Similar meaning',
  time: 'Same time',
  entity: 'Same person or thing',
  'pinned-recent': 'Recent',
  importance: 'Important',
  continuity: 'Continuity',
};

function reasonLabel(reason: string): string {
  return REASONS[reason] ?? reason;
}

/** How much of the conversation the model saw for this reply, and why. */
export function ContextView({ id, context, result }: { id: string; context: ContextInfo; result: JobResult }) {
  const full = Math.max(0, context.full_history_tokens ?? 0);
  const used = Math.max(0, context.context_tokens ?? 0);
  const usedShare = full > 0 ? Math.min(1, used / full) : 1;
  const selected = Array.isArray(context.selected) ? context.selected : [];
  return (
    <section className="context-view" id={id} data-testid="context-view" aria-label="Context used for this reply">
      <div className="context-view__summary">
        <div className="context-stat">
          <span className="context-stat__value">{formatNumber(used)}</span>
          <span className="context-stat__label">context tokens</span>
        </div>
        <div className="context-stat">
          <span className="context-stat__value">{formatNumber(full)}</span>
          <span className="context-stat__label">full history tokens</span>
        </div>
        <div className="context-stat context-stat--accent">
          <span className="context-stat__value">{formatPercent(context.reduction_ratio)}</span>
          <span className="context-stat__label">reduction</span>
        </div>
        <div className="context-stat">
          <span className="context-stat__value">
            {selected.length}/{formatNumber(context.turns_total)}
          </span>
          <span className="context-stat__label">turns included</span>
        </div>
      </div>
      <div
        className="context-meter"
        role="meter"
        aria-label="Context tokens used of the full history"
        aria-valuemin={0}
        aria-valuemax={full || used || 1}
        aria-valuenow={used}
        aria-valuetext={`${formatNumber(used)} of ${formatNumber(full)} tokens`}
      >
        <span className="context-meter__fill" style={{ width: `${Math.max(2, usedShare * 100)}%` }} />
      </div>
      <p className="context-view__note">
        {context.summary_used ? 'A running summary of older turns was included. ' : ''}
        {result.usage
          ? `Tokens: ${formatNumber(result.usage.prompt_tokens)} prompt + ${formatNumber(result.usage.completion_tokens)} completion. `
          : ''}
        {result.latency_ms != null ? `Latency ${formatDuration(result.latency_ms)}` : ''}
        {result.first_token_ms != null ? ` · first token ${formatDuration(result.first_token_ms)}` : ''}
      </p>
      {selected.length > 0 ? (
        <ol className="context-turns">
          {selected.map((turn, i) => (
            <li key={`${turn.turn_id}-${i}`} className="context-turn">
              <div className="context-turn__head">
                <span className={`reason-badge reason-badge--${turn.reason}`}>{reasonLabel(turn.reason)}</span>
                <span className="context-turn__score" title="Selection score">
                  score {Number.isFinite(turn.score) ? turn.score.toFixed(2) : '—'}
                </span>
                <span className="context-turn__tokens">{formatNumber(turn.tokens)} tokens</span>
              </div>
              <p className="context-turn__preview">{turn.preview || <em>(empty turn)</em>}</p>
            </li>
          ))}
        </ol>
      ) : (
        <p className="context-view__empty">No earlier turns were included.</p>
      )}
    </section>
  );
}
