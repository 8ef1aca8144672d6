import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { UseProfile } from '../hooks/useProfile';
import { formatTime, humanizeKey } from '../lib/format';
import type { ProfileFact } from '../types';
import { ConfirmDialog } from './ConfirmDialog';
import { CloseIcon, PencilIcon, RefreshIcon, TrashIcon, UserIcon } from './icons';

/** The longest value the server takes for a fact. */
export const MAX_FACT_CHARS = 500;

export interface ProfilePanelProps extends Pick<UseProfile, 'profile' | 'loading' | 'error'> {
  onRefresh: () => void;
  open: boolean;
  onClose: () => void;
  id: string;
  /** The profile is the latest conversation's (`GET /chat/profile`): the server has no `GET /profile`. */
  legacy?: boolean;
  /** Set a fact's value (`PATCH /profile/facts/{key}`); rejects with the message to show. */
  onUpdateFact?: (key: string, value: string) => Promise<void>;
  /** Delete a fact (`DELETE /profile/facts/{key}`); rejects with the message to show. */
  onDeleteFact?: (key: string) => Promise<void>;
}

/** What the assistant has learned about the user (`GET /profile`), each fact editable and deletable. */
export function ProfilePanel({
  profile,
  loading,
  error,
  onRefresh,
  open,
  onClose,
  id,
  legacy = false,
  onUpdateFact,
  onDeleteFact,
}: ProfilePanelProps) {
  const facts = profile?.facts ?? [];
  const [toDelete, setToDelete] = useState<ProfileFact | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const doDelete = async () => {
    if (!toDelete || !onDeleteFact) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await onDeleteFact(toDelete.key);
      setToDelete(null);
    } catch (err) {
      setDeleteError(err instanceof Error && err.message ? err.message : 'Could not delete this fact.');
    } finally {
      setDeleting(false);
    }
  };

  return (
    <aside
      className={`profile${open ? ' profile--open' : ''}`}
      id={id}
      data-testid="profile-panel"
      aria-labelledby={`${id}-title`}
    >
      <div className="profile__head">
        <span className="profile__icon" aria-hidden="true">
          <UserIcon size={18} />
        </span>
        <h2 className="profile__title" id={`${id}-title`}>
          About you
        </h2>
        <button
          type="button"
          className={`icon-button icon-button--small${loading ? ' is-spinning' : ''}`}
          onClick={onRefresh}
          aria-label="Refresh profile"
          title="Refresh"
        >
          <RefreshIcon size={16} />
        </button>
        <button type="button" className="icon-button icon-button--small profile__close" onClick={onClose} aria-label="Close profile">
          <CloseIcon size={16} />
        </button>
      </div>
      <p className="profile__intro">
        {legacy
          ? 'Facts the assistant picked up in your latest chat. They update after each reply.'
          : 'Facts the assistant picked up across your chats. They update after each reply; correct or delete any of them.'}
      </p>

      {error ? (
        <p className="profile__error" role="alert">
          {error}
        </p>
      ) : null}

      {facts.length > 0 ? (
        <dl className="facts">
          {facts.map((fact) => (
            <FactRow
              key={fact.key}
              fact={fact}
              onUpdate={onUpdateFact}
              onDelete={
                onDeleteFact
                  ? () => {
                      setDeleteError(null);
                      setToDelete(fact);
                    }
                  : undefined
              }
            />
          ))}
        </dl>
      ) : loading && !profile ? (
        <p className="profile__empty">Loading…</p>
      ) : (
        <p className="profile__empty">Nothing yet. Tell the assistant your name, or what you work on.</p>
      )}

      {profile?.summary ? (
        <section className="profile__summary" aria-label="Conversation summary">
          <h3>Summary</h3>
          <p>{profile.summary}</p>
        </section>
      ) : null}

      {toDelete ? (
        <ConfirmDialog
          title="Delete this fact?"
          confirmLabel="Delete fact"
          busyLabel="Deleting…"
          confirmTestId="confirm-delete-fact"
          busy={deleting}
          error={deleteError}
          onConfirm={() => void doDelete()}
          onCancel={() => setToDelete(null)}
        >
          <p>
            The assistant will forget that your {humanizeKey(toDelete.key).toLowerCase()} is “{toDelete.value}”, and
            will not learn it again from your chats.
          </p>
        </ConfirmDialog>
      ) : null}
    </aside>
  );
}

interface FactRowProps {
  fact: ProfileFact;
  onUpdate?: (key: string, value: string) => Promise<void>;
  onDelete?: () => void;
}

function FactRow({ fact, onUpdate, onDelete }: FactRowProps) {
  const [editing, setEditing] = useState(false);
  const editRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  const label = humanizeKey(fact.key);
  const confidence = Math.max(0, Math.min(1, Number(fact.confidence) || 0));

  // Back on the Edit button once the value is saved or the edit cancelled.
  useEffect(() => {
    if (wasEditing.current && !editing) editRef.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  return (
    <div className={`fact${editing ? ' fact--editing' : ''}`} data-fact-key={fact.key} data-testid="profile-fact">
      <dt className="fact__key">
        {label}
        {fact.edited ? (
          <span className="fact__edited" title="You set this value">
            set by you
          </span>
        ) : null}
      </dt>
      {editing && onUpdate ? (
        <dd className="fact__value">
          <FactEditor
            label={label}
            initial={fact.value}
            onSave={(value) => onUpdate(fact.key, value)}
            onDone={() => setEditing(false)}
          />
        </dd>
      ) : (
        <dd className="fact__value" data-testid="profile-fact-value">
          {fact.value}
        </dd>
      )}
      <dd className="fact__meta">
        <span
          className="confidence"
          role="meter"
          aria-label={`Confidence for ${label}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(confidence * 100)}
          title={`Confidence ${Math.round(confidence * 100)}%`}
        >
          <span className="confidence__fill" style={{ width: `${confidence * 100}%` }} />
        </span>
        <span className="fact__confidence">{Math.round(confidence * 100)}%</span>
        {fact.updated_at ? <time dateTime={fact.updated_at}>{formatTime(fact.updated_at)}</time> : null}
        {!editing && (onUpdate || onDelete) ? (
          <span className="fact__actions">
            {onUpdate ? (
              <button
                type="button"
                ref={editRef}
                className="icon-button icon-button--small"
                aria-label={`Edit ${label}`}
                title="Edit"
                data-testid="fact-edit"
                onClick={() => setEditing(true)}
              >
                <PencilIcon size={14} />
              </button>
            ) : null}
            {onDelete ? (
              <button
                type="button"
                className="icon-button icon-button--small fact__delete"
                aria-label={`Delete ${label}`}
                title="Delete"
                data-testid="fact-delete"
                onClick={onDelete}
              >
                <TrashIcon size={14} />
              </button>
            ) : null}
          </span>
        ) : null}
      </dd>
    </div>
  );
}

interface FactEditorProps {
  label: string;
  initial: string;
  onSave: (value: string) => Promise<void>;
  onDone: () => void;
}

/** A fact's value in an input: Enter or Save sets it, Escape or Cancel leaves it; the server's error shows under it. */
function FactEditor({ label, initial, onSave, onDone }: FactEditorProps) {
  const [value, setValue] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const errorId = useId();

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  const trimmed = value.trim();
  const canSave = !saving && trimmed.length > 0;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!canSave) return;
    if (trimmed === initial.trim()) {
      onDone();
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await onSave(trimmed);
      onDone();
    } catch (err) {
      setError(err instanceof Error && err.message ? err.message : 'Could not change this fact.');
      setSaving(false);
      inputRef.current?.focus();
    }
  };

  return (
    <form className="fact__form" onSubmit={(e) => void onSubmit(e)}>
      <input
        ref={inputRef}
        className="fact__input"
        aria-label={`Value of ${label}`}
        data-testid="fact-input"
        value={value}
        maxLength={MAX_FACT_CHARS}
        readOnly={saving}
        aria-busy={saving || undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            if (!saving) onDone();
          }
        }}
      />
      {error ? (
        <p className="fact__error" id={errorId} role="alert">
          {error}
        </p>
      ) : null}
      <div className="fact__form-actions">
        <button type="button" className="button button--ghost button--small" onClick={onDone} disabled={saving}>
          Cancel
        </button>
        <button type="submit" className="button button--small" disabled={!canSave} data-testid="fact-save">
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
