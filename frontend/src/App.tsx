import { lazy, Suspense, useEffect } from 'react';
import { ChatApp } from './ChatApp';
import { AuthSplash } from './components/AuthSplash';
import { GuestAuthButtons } from './components/GuestAuthButtons';
import { useAuth } from './hooks/useAuth';
import { GUEST_OWNER } from './lib/draft';

// Only with accounts: loaded once the server says it has accounts (before a session can end:
// a tab kept open across a new release still has them), so that guest mode never downloads them.
const loadAuthPage = () => import('./components/AuthPage');
const loadAccountMenu = () => import('./components/AccountMenu');
const AuthPage = lazy(() => loadAuthPage().then((m) => ({ default: m.AuthPage })));
const AccountMenu = lazy(() => loadAccountMenu().then((m) => ({ default: m.AccountMenu })));

/**
 * The app: the chat, for a guest or for the signed-in account, or the sign-in / sign-up page
 * when the server has accounts and no one is signed in (see hooks/useAuth.ts). Without
 * accounts it is the chat, with no account UI at all.
 *
 * The chat is mounted afresh for each account (its `key`): a sign-in loads the conversations,
 * profile and the rest of the new owner.
 */
export default function App() {
  const auth = useAuth();
  const accounts = auth.config !== null;

  useEffect(() => {
    if (!accounts) return;
    loadAuthPage().catch(() => undefined);
    loadAccountMenu().catch(() => undefined);
  }, [accounts]);

  if (auth.phase === 'loading') return <AuthSplash />;
  if (auth.phase === 'unavailable') return <AuthSplash error={auth.error} onRetry={auth.retry} />;

  const { config, account } = auth;
  if (!config) return <ChatApp key="chat" />;

  if (account) {
    return (
      <ChatApp
        key={`account:${account.id}`}
        draftOwner={account.id}
        accountArea={
          <Suspense fallback={null}>
            <AccountMenu account={account} onSignOut={auth.signOut} onDeleteAccount={auth.deleteAccount} />
          </Suspense>
        }
      />
    );
  }

  if (auth.view === null && config.allow_guests) {
    return <ChatApp key="guest" draftOwner={GUEST_OWNER} accountArea={<GuestAuthButtons onShow={auth.showView} />} />;
  }

  return (
    <Suspense fallback={<AuthSplash />}>
      <AuthPage
        view={auth.view ?? 'signin'}
        config={config}
        notice={auth.notice}
        ssoError={auth.ssoError}
        onSignedIn={auth.signedIn}
        onShowView={auth.showView}
        onContinueAsGuest={config.allow_guests ? auth.continueAsGuest : undefined}
      />
    </Suspense>
  );
}
