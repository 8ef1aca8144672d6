import { memo } from 'react';
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
}

/** One exchange: the user's message or file, then the assistant's reply. */
export const TurnView = memo(function TurnView({ turn, canRetry, onRetry, onDismiss }: TurnViewProps) {
  const rejected = turn.phase === 'rejected';
  return (
    <li className="turn" data-local-id={turn.localId}>
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
        <UserMessage text={turn.text} createdAt={turn.createdAt} />
      )}
      {rejected ? null : <AssistantMessage turn={turn} canRetry={canRetry} onRetry={onRetry} />}
    </li>
  );
});
