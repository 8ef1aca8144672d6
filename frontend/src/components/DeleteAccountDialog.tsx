import { useId, useState } from 'react';
import { ConfirmDialog } from './ConfirmDialog';

/** What must be typed before the account can be deleted. */
export const DELETE_WORD = 'DELETE';

export interface DeleteAccountDialogProps {
  email: string;
  /** `DELETE /auth/me`; rejects with the message to show. */
  onDelete: () => Promise<void>;
  onCancel: () => void;
}

/** Deleting the account, once the user typed DELETE: everything of theirs goes with it. */
export function DeleteAccountDialog({ email, onDelete, onCancel }: DeleteAccountDialogProps) {
  const inputId = useId();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmed = typed.trim() === DELETE_WORD;

  const doDelete = async () => {
    if (!confirmed || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onDelete();
    } catch (err) {
      setError(err instanceof Error && err.message ? err.message : 'Could not delete your account.');
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog
      title="Delete your account?"
      confirmLabel="Delete account"
      busyLabel="Deleting…"
      confirmTestId="delete-account-confirm"
      confirmDisabled={!confirmed}
      busy={busy}
      error={error}
      onConfirm={() => void doDelete()}
      onCancel={onCancel}
    >
      <p>
        The account <strong>{email}</strong> will be deleted with every conversation, file and API key, and what the
        assistant learned about you. This cannot be undone.
      </p>
      <label className="field__label delete-account__label" htmlFor={inputId}>
        Type {DELETE_WORD} to confirm
      </label>
      <input
        id={inputId}
        className="field__input"
        data-testid="delete-account-confirm-input"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void doDelete();
          }
        }}
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        disabled={busy}
      />
    </ConfirmDialog>
  );
}
