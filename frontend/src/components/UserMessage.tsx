import { memo } from 'react';
import { formatTime } from '../lib/format';

/** The user's own message bubble. */
export const UserMessage = memo(function UserMessage({ text, createdAt }: { text: string; createdAt: string }) {
  return (
    <div className="row row--user">
      <div className="bubble bubble--user" data-testid="message-user">
        <p className="bubble__text">{text}</p>
      </div>
      <time className="row__time" dateTime={createdAt}>
        {formatTime(createdAt)}
      </time>
    </div>
  );
});
