import { memo, useCallback } from 'react';
import type { Turn } from '../hooks/chatState';
import { formatTime } from '../lib/format';
import { AssistantMessage } from './AssistantMessage';
import { FileCard } from './FileCard';
import { UserMessage } from './UserMessage';

export interface TurnViewProps {
  turn: Turn;
  canRetry: boolean;
  onRetry: (localId: string) => void;
  onDismiss: (localId: string) => void;
  /** The last exchange shown: its finished reply can be regenerated. */
  latest?: boolean;
  onRegenerate?: (localId: string) => Promise<void>;
  onEdit?: (localId: string, text: string) => Promise<void>;
  onSelectAlternative?: (localId: string, jobId: string) => Promise<void>;
  /** The longest message the server takes (the edit box checks it). */
  maxMessageChars?: number;
}

/** A message the server has, whose reply is not being written: it can be edited. */
function canEdit(turn: Turn): boolean {
  return turn.kind === 'message' && Boolean(turn.jobId) && (turn.phase === 'done' || turn.phase === 'error');
}

/** One exchange: the user's message or file, then the assistant's reply. */
export const TurnView = memo(function TurnView({
  turn,
  canRetry,
  onRetry,
  onDismiss,
  latest = false,
  onRegenerate,
  onEdit,
  onSelectAlternative,
  maxMessageChars,
}: TurnViewProps) {
  const rejected = turn.phase === 'rejected';
  const { localId } = turn;
  const edit = useCallback((text: string) => (onEdit ? onEdit(localId, text) : Promise.resolve()), [onEdit, localId]);
  const editable = Boolean(onEdit) && canEdit(turn);
  // Files cannot be regenerated (the server answers `not_regenerable`).
  const canRegenerate = latest && turn.kind === 'message' && Boolean(turn.jobId) && turn.phase === 'done';
  return (
    <li className="turn" data-local-id={turn.localId} data-job-id={turn.jobId ?? undefined}>
      {turn.kind === 'file' && turn.file ? (
        <div className="row row--user">
          <FileCard
            file={turn.file}
            note={turn.text || undefined}
            progress={turn.phase === 'uploading' ? (turn.uploadProgress ?? 0) : null}
            reading={turn.phase === 'processing' ? turn.readProgress : null}
            rejection={rejected ? turn.error : null}
            onDismiss={rejected ? () => onDismiss(turn.localId) : undefined}
          />
          <time className="row__time" dateTime={turn.createdAt}>
            {formatTime(turn.createdAt)}
          </time>
        </div>
      ) : (
        <UserMessage
          text={turn.text}
          createdAt={turn.createdAt}
          onEdit={editable ? edit : undefined}
          maxChars={maxMessageChars}
        />
      )}
      {rejected ? null : (
        <AssistantMessage
          turn={turn}
          canRetry={canRetry}
          onRetry={onRetry}
          canRegenerate={canRegenerate}
          onRegenerate={onRegenerate}
          onSelectAlternative={onSelectAlternative}
        />
      )}
    </li>
  );
});
