import { useState } from 'react';
import { createPortal } from 'react-dom';
import { useMenu } from '../hooks/useMenu';
import type { AccountOut } from '../types';
import { ApiKeysDialog } from './ApiKeysDialog';
import { DeleteAccountDialog } from './DeleteAccountDialog';
import { ChevronDownIcon, KeyIcon, SignOutIcon, TrashIcon, UserIcon } from './icons';

export interface AccountMenuProps {
  account: AccountOut;
  /** `POST /auth/logout`; rejects with the message to show. */
  onSignOut: () => Promise<void>;
  /** `DELETE /auth/me`; rejects with the message to show. */
  onDeleteAccount: () => Promise<void>;
}

/** The signed-in account's menu in the top bar: API keys, Sign out, Delete account. */
export function AccountMenu({ account, onSignOut, onDeleteAccount }: AccountMenuProps) {
  const { open, toggle, close, menuId, rootRef, buttonRef, menuRef, onButtonKeyDown, onMenuKeyDown } = useMenu();
  const [dialog, setDialog] = useState<'api-keys' | 'delete' | null>(null);
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<string | null>(null);

  const signOut = async () => {
    if (signingOut) return;
    setSigningOut(true);
    setSignOutError(null);
    try {
      await onSignOut();
    } catch (err) {
      setSignOutError(`Could not sign out: ${err instanceof Error && err.message ? err.message : 'something went wrong.'}`);
      setSigningOut(false);
    }
  };

  const openDialog = (which: 'api-keys' | 'delete') => {
    // Focus goes back to the button first: the dialog gives it back there when it closes.
    close(true);
    setDialog(which);
  };

  return (
    <div className="menu account-menu" ref={rootRef}>
      <button
        type="button"
        ref={buttonRef}
        className="button button--ghost account-menu__button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        title={`Signed in as ${account.email}`}
        data-testid="account-menu-button"
        onClick={() => {
          setSignOutError(null);
          toggle();
        }}
        onKeyDown={onButtonKeyDown}
      >
        <UserIcon size={18} />
        <span className="account-menu__email">{account.email}</span>
        <ChevronDownIcon size={15} className={`chevron${open ? ' chevron--open' : ''}`} />
      </button>
      {open ? (
        <div
          className="menu__list"
          role="menu"
          id={menuId}
          aria-label="Your account"
          ref={menuRef}
          onKeyDown={onMenuKeyDown}
          data-testid="account-menu"
        >
          <div className="account-menu__who">
            <span className="account-menu__who-label">Signed in as</span>
            <span className="account-menu__who-email">{account.email}</span>
          </div>
          <div className="menu__separator" role="separator" />
          <button
            type="button"
            role="menuitem"
            className="menu__item"
            tabIndex={-1}
            data-testid="menu-api-keys"
            onClick={() => openDialog('api-keys')}
          >
            <KeyIcon size={16} />
            <span className="menu__text">
              <span>API keys</span>
              <span className="menu__hint">Use the API from your programs</span>
            </span>
          </button>
          <button
            type="button"
            role="menuitem"
            className="menu__item"
            tabIndex={-1}
            data-testid="menu-signout"
            aria-disabled={signingOut || undefined}
            onClick={() => void signOut()}
          >
            <SignOutIcon size={16} />
            <span className="menu__text">
              <span>{signingOut ? 'Signing out…' : 'Sign out'}</span>
            </span>
          </button>
          {signOutError ? (
            <p className="account-menu__error" role="alert">
              {signOutError}
            </p>
          ) : null}
          <div className="menu__separator" role="separator" />
          <button
            type="button"
            role="menuitem"
            className="menu__item menu__item--danger"
            tabIndex={-1}
            data-testid="menu-delete-account"
            onClick={() => openDialog('delete')}
          >
            <TrashIcon size={16} />
            <span className="menu__text">
              <span>Delete account</span>
              <span className="menu__hint">With all your chats, files and keys</span>
            </span>
          </button>
        </div>
      ) : null}
      {dialog
        ? createPortal(
            dialog === 'api-keys' ? (
              <ApiKeysDialog onClose={() => setDialog(null)} />
            ) : (
              <DeleteAccountDialog email={account.email} onDelete={onDeleteAccount} onCancel={() => setDialog(null)} />
            ),
            document.body,
          )
        : null}
    </div>
  );
}
