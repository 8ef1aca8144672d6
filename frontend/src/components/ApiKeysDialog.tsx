import { useId, useState, type FormEvent } from 'react';
import { useApiKeys } from '../hooks/useApiKeys';
import type { ApiKeyOut } from '../types';
import { ApiKeyRow } from './ApiKeyRow';
import { ApiKeySecret } from './ApiKeySecret';
import { ConfirmDialog } from './ConfirmDialog';
import { Modal } from './Modal';

/** The longest key name the form sends. */
export const MAX_KEY_NAME_CHARS = 100;

function errorText(err: unknown, fallback: string): string {
  return err instanceof Error && err.message ? err.message : fallback;
}

/**
 * The account's API keys, for programs that use the API as this account
 * (`Authorization: Bearer <key>`): the list, a form to create one (its secret is shown once),
 * and Revoke after a confirmation.
 */
export function ApiKeysDialog({ onClose }: { onClose: () => void }) {
  const keys = useApiKeys();
  const nameId = useId();
  const [name, setName] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);
  /** The key just created, with its secret: shown until the dialog closes or another is created. */
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [toRevoke, setToRevoke] = useState<ApiKeyOut | null>(null);
  const [revoking, setRevoking] = useState(false);
  const [revokeError, setRevokeError] = useState<string | null>(null);

  const trimmed = name.trim();

  const onCreate = async (event: FormEvent) => {
    event.preventDefault();
    if (!trimmed || creating) return;
    setCreating(true);
    setCreateError(null);
    setCreated(null);
    try {
      const secret = await keys.create(trimmed);
      setCreated({ name: trimmed, secret });
      setName('');
    } catch (err) {
      setCreateError(errorText(err, 'Could not create the key.'));
    } finally {
      setCreating(false);
    }
  };

  const doRevoke = async () => {
    if (!toRevoke) return;
    setRevoking(true);
    setRevokeError(null);
    try {
      await keys.revoke(toRevoke.id);
      setToRevoke(null);
    } catch (err) {
      setRevokeError(errorText(err, 'Could not revoke the key.'));
    } finally {
      setRevoking(false);
    }
  };

  return (
    <>
      <Modal
        title="API keys"
        description="Programs can use the API as you with a key: send it as Authorization: Bearer <key>."
        onClose={onClose}
        testId="api-keys-dialog"
        className="modal--wide"
      >
        <form className="api-keys__form" onSubmit={(e) => void onCreate(e)} noValidate>
          <label className="field__label" htmlFor={nameId}>
            New key’s name
          </label>
          <div className="api-keys__create">
            <input
              id={nameId}
              className="field__input"
              data-testid="api-key-name"
              placeholder="e.g. Laptop script"
              maxLength={MAX_KEY_NAME_CHARS}
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoComplete="off"
            />
            <button type="submit" className="button" data-testid="api-key-create" disabled={!trimmed || creating}>
              {creating ? 'Creating…' : 'Create key'}
            </button>
          </div>
          {createError ? (
            <p className="field__error" role="alert">
              {createError}
            </p>
          ) : null}
        </form>

        {created ? <ApiKeySecret name={created.name} secret={created.secret} /> : null}

        <h3 className="api-keys__heading">Your keys</h3>
        {keys.state === 'loading' ? (
          <p className="api-keys__placeholder">
            <span className="spinner" aria-hidden="true" /> Loading your keys…
          </p>
        ) : keys.state === 'error' ? (
          <div className="inline-alert" role="alert">
            <span>{keys.error ?? 'Could not load your keys.'}</span>
            <button type="button" className="button button--small button--ghost" onClick={() => void keys.reload()}>
              Try again
            </button>
          </div>
        ) : keys.items.length === 0 ? (
          <p className="api-keys__placeholder">No keys yet.</p>
        ) : (
          <ul className="api-keys__list" aria-label="Your API keys">
            {keys.items.map((k) => (
              <ApiKeyRow
                key={k.id}
                apiKey={k}
                onRevoke={(key) => {
                  setRevokeError(null);
                  setToRevoke(key);
                }}
              />
            ))}
          </ul>
        )}
      </Modal>
      {toRevoke ? (
        <ConfirmDialog
          title="Revoke this key?"
          confirmLabel="Revoke key"
          busyLabel="Revoking…"
          confirmTestId="api-key-revoke-confirm"
          busy={revoking}
          error={revokeError}
          onConfirm={() => void doRevoke()}
          onCancel={() => setToRevoke(null)}
        >
          <p>
            Programs using “{toRevoke.name || `${toRevoke.prefix}…`}” will be refused from now on. This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
