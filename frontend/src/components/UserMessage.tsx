import { memo, useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { formatTime } from '../lib/format';
import { PencilIcon } from './icons';

export interface UserMessageProps {
  text: string;
  createdAt: string;
  /**
   * Edit the message and send it again (`PATCH /messages/{id}`); absent when it cannot be edited
   * (a file, a message not on the server yet, a reply still being written). Rejects with the
   * server's reason, shown under the box.
   */
  onEdit?: (text: string) => Promise<void>;
  /** The longest message the server takes. */
  maxChars?: number;
}

/** The user's own message bubble; with Edit, it becomes a box with Save and Cancel. */
export const UserMessage = memo(function UserMessage({ text, createdAt, onEdit, maxChars }: UserMessageProps) {
  const [editing, setEditing] = useState(false);
  const editRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);

  // Back on the Edit button once the edit is cancelled (a saved edit replaces the message).
  useEffect(() => {
    if (wasEditing.current && !editing) editRef.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  if (editing && onEdit) {
    return (
      <div className="row row--user row--editing">
        <EditBox initial={text} maxChars={maxChars} onSave={onEdit} onCancel={() => setEditing(false)} />
      </div>
    );
  }

  return (
    <div className="row row--user">
      <div className="bubble bubble--user" data-testid="message-user">
        <p className="bubble__text">{text}</p>
      </div>
      <div className="row__meta">
        {onEdit ? (
          <button
            type="button"
            ref={editRef}
            className="icon-button icon-button--small row__action"
            aria-label="Edit message"
            title="Edit and send again"
            data-testid="edit-message"
            onClick={() => setEditing(true)}
          >
            <PencilIcon size={15} />
          </button>
        ) : null}
        <time className="row__time" dateTime={createdAt}>
          {formatTime(createdAt)}
        </time>
      </div>
    </div>
  );
});

interface EditBoxProps {
  initial: string;
  maxChars?: number;
  onSave: (text: string) => Promise<void>;
  onCancel: () => void;
}

/** The message in a box: Enter or Save sends it again, Escape or Cancel leaves it as it was. */
function EditBox({ initial, maxChars, onSave, onCancel }: EditBoxProps) {
  const [value, setValue] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const errorId = useId();

  useEffect(() => {
    const el = inputRef.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const trimmed = value.trim();
  const tooLong = maxChars !== undefined && value.length > maxChars;
  const canSave = !saving && trimmed.length > 0 && trimmed !== initial.trim() && !tooLong;

  const save = async () => {
    if (!canSave) return;
    setSaving(true);
    setError(null);
    try {
      // Once accepted the new message takes this one's place (this box goes with it).
      await onSave(trimmed);
    } catch (err) {
      setError(err instanceof Error && err.message ? err.message : 'Could not edit the message.');
      setSaving(false);
      inputRef.current?.focus();
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void save();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') {
      // Only the edit is cancelled (not the reply being written, nor a drawer).
      event.preventDefault();
      event.stopPropagation();
      if (!saving) onCancel();
      return;
    }
    if (event.key !== 'Enter' || event.shiftKey) return;
    if (event.nativeEvent.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    void save();
  };

  return (
    <form className="edit-box" onSubmit={onSubmit} aria-label="Edit message" data-testid="edit-box">
      <textarea
        ref={inputRef}
        className="edit-box__input"
        aria-label="Message"
        data-testid="edit-input"
        aria-invalid={tooLong || error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        rows={Math.min(8, Math.max(2, value.split('\n').length))}
        value={value}
        readOnly={saving}
        aria-busy={saving || undefined}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={onKeyDown}
      />
      {error ? (
        <p className="edit-box__error" id={errorId} role="alert">
          {error}
        </p>
      ) : tooLong ? (
        <p className="edit-box__error" role="alert">
          Too long to send: at most {maxChars} characters.
        </p>
      ) : null}
      <div className="edit-box__actions">
        <span className="edit-box__hint">The replies after it leave this branch; the original stays as an alternative.</span>
        <button type="button" className="button button--ghost button--small" onClick={onCancel} disabled={saving} data-testid="edit-cancel">
          Cancel
        </button>
        <button
          type="submit"
          className="button button--small"
          disabled={!canSave}
          title="Save and send again (Enter)"
          data-testid="edit-save"
        >
          {saving ? 'Sending…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
