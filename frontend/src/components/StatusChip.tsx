import type { TurnPhase } from '../hooks/chatState';

const LABELS: Record<TurnPhase, string> = {
  sending: 'Sending',
  uploading: 'Uploading',
  pending: 'Pending',
  processing: 'Processing',
  done: 'Done',
  error: 'Error',
  rejected: 'Rejected',
};

const DESCRIPTIONS: Record<TurnPhase, string> = {
  sending: 'Sending your message',
  uploading: 'Uploading your file',
  pending: 'Queued, waiting for the assistant',
  processing: 'The assistant is writing',
  done: 'Reply complete',
  error: 'The reply failed',
  rejected: 'The file was rejected',
};

/** The job's state: pending → processing → done / error. */
export function StatusChip({ phase }: { phase: TurnPhase }) {
  const busy = phase === 'sending' || phase === 'uploading' || phase === 'pending' || phase === 'processing';
  return (
    <span
      className={`status-chip status-chip--${phase}`}
      data-testid="status-chip"
      data-status={phase}
      title={DESCRIPTIONS[phase]}
      aria-label={`Status: ${LABELS[phase]}`}
    >
      <span className={`status-chip__dot${busy ? ' status-chip__dot--pulse' : ''}`} aria-hidden="true" />
      {LABELS[phase]}
    </span>
  );
}
