/** Accounts (issue #14): the signed-in account's menu — API keys, signing out, deleting the account. */
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App';
import { FakeBackend, makeFakeXHR } from './test/fakeBackend';
import { FakeEventSource } from './test/fakes';

let backend: FakeBackend;

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery';

beforeEach(() => {
  backend = new FakeBackend();
  FakeEventSource.reset();
  vi.stubGlobal('fetch', backend.fetch);
  vi.stubGlobal('EventSource', FakeEventSource);
  vi.stubGlobal('XMLHttpRequest', makeFakeXHR(backend));
});

afterEach(() => {
  vi.unstubAllGlobals();
});

async function renderSignedIn() {
  backend.authMode = 'accounts';
  backend.addAccount(EMAIL, PASSWORD, true);
  const user = userEvent.setup();
  render(<App />);
  expect(await screen.findByTestId('account-menu-button')).toHaveTextContent(EMAIL);
  await waitFor(() => expect(backend.requestsTo('GET', '/conversations')).toHaveLength(1));
  await screen.findByText(/max 1000 B/);
  await waitFor(() => expect(screen.getByTestId('profile-panel')).not.toHaveTextContent('Loading…'));
  return user;
}

async function openMenuItem(user: ReturnType<typeof userEvent.setup>, testId: string) {
  await user.click(screen.getByTestId('account-menu-button'));
  const menu = screen.getByTestId('account-menu');
  expect(within(menu).getByTestId('menu-api-keys')).toHaveTextContent('API keys');
  expect(within(menu).getByTestId('menu-signout')).toHaveTextContent('Sign out');
  expect(within(menu).getByTestId('menu-delete-account')).toHaveTextContent('Delete account');
  await user.click(within(menu).getByTestId(testId));
}

function rows() {
  return screen.queryAllByTestId('api-key-row');
}

describe('the account menu', () => {
  it('opens with the account email, and closes with Escape', async () => {
    const user = await renderSignedIn();
    const button = screen.getByTestId('account-menu-button');
    expect(button).toHaveAttribute('aria-expanded', 'false');
    await user.click(button);
    expect(screen.getByTestId('account-menu')).toHaveTextContent(`Signed in as${EMAIL}`);
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('account-menu')).toBeNull();
    expect(button).toHaveFocus();
  });

  it('signs out to the sign-in page', async () => {
    const user = await renderSignedIn();
    await openMenuItem(user, 'menu-signout');
    expect(await screen.findByTestId('signin-form')).toBeInTheDocument();
    expect(backend.requestsTo('POST', '/auth/logout')).toHaveLength(1);
    expect(backend.signedIn).toBeNull();
    expect(screen.queryByTestId('auth-notice')).toBeNull();
    expect(screen.queryByTestId('composer-input')).toBeNull();
  });

  it('signs out to the guest chat when guests are allowed, and forgets the draft', async () => {
    backend.allowGuests = true;
    const user = await renderSignedIn();
    await user.type(screen.getByTestId('composer-input'), 'Not for the next person');
    await openMenuItem(user, 'menu-signout');
    expect(await screen.findByTestId('header-signin')).toBeInTheDocument();
    expect(screen.queryByTestId('account-menu-button')).toBeNull();
    expect(screen.getByTestId('composer-input')).toHaveValue('');
  });
});

describe('API keys', () => {
  it('lists the keys, creates one whose secret shows once, and revokes one after a confirmation', async () => {
    backend.apiKeys = [
      { id: 'key-1', name: 'Build server', prefix: 'ck_ab12', created_at: '2024-03-04T10:00:00Z', last_used_at: '2024-04-05T10:00:00Z' },
      { id: 'key-2', name: 'Old script', prefix: 'ck_cd34', created_at: '2024-01-02T10:00:00Z', last_used_at: null },
    ];
    const user = await renderSignedIn();
    await openMenuItem(user, 'menu-api-keys');
    const dialog = screen.getByTestId('api-keys-dialog');
    await waitFor(() => expect(rows()).toHaveLength(2));
    const [first, second] = rows();
    expect(first).toHaveAttribute('data-key-id', 'key-1');
    expect(first).toHaveTextContent('Build server');
    expect(first).toHaveTextContent('ck_ab12…');
    expect(first).toHaveTextContent(`Created ${new Date('2024-03-04T10:00:00Z').toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })}`);
    expect(first).toHaveTextContent('Last used');
    expect(second).toHaveTextContent('Never used');
    expect(screen.queryByTestId('api-key-secret')).toBeNull();

    // Create: the secret, exactly, with a way to copy it.
    expect(screen.getByTestId('api-key-create')).toBeDisabled();
    await user.type(screen.getByTestId('api-key-name'), 'Laptop');
    await user.click(screen.getByTestId('api-key-create'));
    const secret = await screen.findByTestId('api-key-secret');
    expect(secret.textContent).toBe(backend.apiKeySecrets[0]);
    expect(backend.requestsTo('POST', '/auth/api-keys')[0].body).toEqual({ name: 'Laptop' });
    expect(dialog).toHaveTextContent('Copy this key now: it will not be shown again.');
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await user.click(within(dialog).getByTestId('api-key-copy'));
    expect(writeText).toHaveBeenCalledWith(backend.apiKeySecrets[0]);
    expect(rows().map((r) => r.getAttribute('data-key-id'))).toEqual(['key-new-1', 'key-1', 'key-2']);
    expect(screen.getByTestId('api-key-name')).toHaveValue('');

    // Closed and opened again: the list, never the secret.
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByTestId('api-keys-dialog')).toBeNull();
    await openMenuItem(user, 'menu-api-keys');
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(screen.queryByTestId('api-key-secret')).toBeNull();
    expect(document.body).not.toHaveTextContent(backend.apiKeySecrets[0]);

    // Revoke, cancelled then confirmed.
    const revoke = () => within(rows().find((r) => r.getAttribute('data-key-id') === 'key-1')!).getByTestId('api-key-revoke');
    await user.click(revoke());
    expect(screen.getByRole('alertdialog')).toHaveTextContent('Revoke this key?');
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Cancel' }));
    expect(backend.requestsTo('DELETE', '/auth/api-keys/key-1')).toHaveLength(0);
    expect(rows()).toHaveLength(3);
    await user.click(revoke());
    await user.click(screen.getByTestId('api-key-revoke-confirm'));
    await waitFor(() => expect(rows().map((r) => r.getAttribute('data-key-id'))).toEqual(['key-new-1', 'key-2']));
    expect(backend.requestsTo('DELETE', '/auth/api-keys/key-1')).toHaveLength(1);
    expect(backend.apiKeys.map((k) => k.id)).toEqual(['key-new-1', 'key-2']);
    // The keys dialog is still there.
    expect(screen.getByTestId('api-keys-dialog')).toBeInTheDocument();
  });

  it("shows the server's refusal of a new key", async () => {
    const user = await renderSignedIn();
    backend.failNext = { method: 'POST', path: '/auth/api-keys', status: 400, error: 'You have too many keys.', code: 'invalid_request' };
    await openMenuItem(user, 'menu-api-keys');
    await user.type(screen.getByTestId('api-key-name'), 'One more');
    await user.click(screen.getByTestId('api-key-create'));
    expect(await within(screen.getByTestId('api-keys-dialog')).findByRole('alert')).toHaveTextContent('You have too many keys.');
    expect(screen.queryByTestId('api-key-secret')).toBeNull();
  });
});

describe('deleting the account', () => {
  it('asks to type DELETE first, then deletes everything and shows the sign-in page (guests allowed too)', async () => {
    backend.allowGuests = true;
    backend.addConversation({ title: 'A chat' });
    const user = await renderSignedIn();
    await openMenuItem(user, 'menu-delete-account');
    const dialog = screen.getByRole('alertdialog');
    expect(dialog).toHaveTextContent('every conversation, file and API key');
    const confirm = screen.getByTestId('delete-account-confirm');
    expect(confirm).toBeDisabled();

    const input = screen.getByTestId('delete-account-confirm-input');
    await user.type(input, 'delete');
    expect(confirm).toBeDisabled();
    await user.type(input, '{Enter}');
    expect(backend.requestsTo('DELETE', '/auth/me')).toHaveLength(0);
    await user.clear(input);
    await user.type(input, 'DELETE');
    expect(confirm).toBeEnabled();
    await user.click(confirm);

    expect(await screen.findByTestId('signin-form')).toBeInTheDocument();
    expect(backend.requestsTo('DELETE', '/auth/me')).toHaveLength(1);
    expect(backend.accounts).toHaveLength(0);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.queryByTestId('auth-notice')).toBeNull();
    // With guests allowed, the page offers the chat without an account.
    await user.click(screen.getByTestId('continue-as-guest'));
    expect(await screen.findByTestId('header-signin')).toBeInTheDocument();
  });

  it('can be cancelled', async () => {
    const user = await renderSignedIn();
    await openMenuItem(user, 'menu-delete-account');
    await user.type(screen.getByTestId('delete-account-confirm-input'), 'DELETE');
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(backend.requestsTo('DELETE', '/auth/me')).toHaveLength(0);
    expect(screen.getByTestId('account-menu-button')).toBeInTheDocument();
  });
});
