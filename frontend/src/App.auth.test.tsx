/**
 * Accounts (issue #14): the mode from `GET /auth/config`, the sign-in and sign-up pages, single
 * sign-on, guests, the CSRF header of writes, and a session ending while the user types.
 */
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App';
import { SESSION_ENDED_NOTICE, SSO_FAILED_MESSAGE } from './hooks/useAuth';
import { navigation } from './lib/navigation';
import { FakeBackend, makeFakeXHR } from './test/fakeBackend';
import { FakeEventSource } from './test/fakes';

let backend: FakeBackend;
let XHR: ReturnType<typeof makeFakeXHR>;

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery';

beforeEach(() => {
  backend = new FakeBackend();
  XHR = makeFakeXHR(backend);
  FakeEventSource.reset();
  vi.stubGlobal('fetch', backend.fetch);
  vi.stubGlobal('EventSource', FakeEventSource);
  vi.stubGlobal('XMLHttpRequest', XHR);
});

afterEach(() => {
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

/** The chat has loaded: its conversations, config (limits shown) and profile. */
async function chatLoaded(listLoads = 1) {
  await waitFor(() => expect(backend.requestsTo('GET', '/conversations')).toHaveLength(listLoads));
  await screen.findByText(/max 1000 B/);
  await waitFor(() => expect(screen.getByTestId('profile-panel')).not.toHaveTextContent('Loading…'));
  await waitFor(() => expect(screen.queryByText(/Loading your conversation/)).toBeNull());
}

/** Accounts mode, signed in as {@link EMAIL}. */
async function renderSignedIn() {
  backend.authMode = 'accounts';
  backend.addAccount(EMAIL, PASSWORD, true);
  const user = userEvent.setup();
  render(<App />);
  expect(await screen.findByTestId('account-menu-button')).toHaveTextContent(EMAIL);
  await chatLoaded();
  return user;
}

async function signInWith(user: ReturnType<typeof userEvent.setup>, email: string, password: string) {
  await user.clear(screen.getByTestId('signin-email'));
  await user.type(screen.getByTestId('signin-email'), email);
  await user.clear(screen.getByTestId('signin-password'));
  await user.type(screen.getByTestId('signin-password'), password);
  await user.click(screen.getByTestId('signin-submit'));
}

function sidebar() {
  return screen.getByRole('navigation', { name: 'Conversations' });
}

/** The message posts, in order. */
function messagePosts() {
  return backend.requests.filter((r) => r.method === 'POST' && /^\/conversations\/[^/]+\/messages$/.test(r.path));
}

describe('the mode', () => {
  it('guest mode is the chat with no account UI at all', async () => {
    backend.authMode = 'guest';
    backend.addConversation({ title: 'A chat' });
    render(<App />);
    await chatLoaded();
    expect(screen.getByTestId('composer-input')).toBeInTheDocument();
    for (const id of ['account-menu-button', 'header-signin', 'header-signup', 'signin-form', 'signup-form']) {
      expect(screen.queryByTestId(id)).toBeNull();
    }
    // Nobody is asked for: guest mode has no sessions.
    expect(backend.requestsTo('GET', '/auth/me')).toHaveLength(0);
  });

  it('a gateway without /auth (404) is guest mode too', async () => {
    backend.authMode = null;
    render(<App />);
    await chatLoaded();
    expect(backend.requestsTo('GET', '/auth/config')).toHaveLength(1);
    expect(screen.getByTestId('composer-input')).toBeInTheDocument();
    expect(screen.queryByTestId('account-menu-button')).toBeNull();
    expect(screen.queryByTestId('header-signin')).toBeNull();
    expect(screen.queryByTestId('signin-form')).toBeNull();
  });

  it('accounts without a session and without guests: the sign-in page instead of the chat', async () => {
    backend.authMode = 'accounts';
    render(<App />);
    expect(await screen.findByTestId('signin-form')).toBeInTheDocument();
    expect(screen.getByLabelText('Email')).toBe(screen.getByTestId('signin-email'));
    expect(screen.getByLabelText('Password')).toBe(screen.getByTestId('signin-password'));
    expect(screen.queryByTestId('composer-input')).toBeNull();
    expect(screen.queryByTestId('auth-notice')).toBeNull();
    expect(backend.requestsTo('GET', '/auth/me')).toHaveLength(1);
    // The chat asks nothing until someone is signed in.
    expect(backend.requestsTo('GET', '/conversations')).toHaveLength(0);
  });

  it('a signed-in session shows the chat with the account menu', async () => {
    await renderSignedIn();
    expect(screen.getByTestId('composer-input')).toBeInTheDocument();
    expect(screen.queryByTestId('signin-form')).toBeNull();
    expect(screen.queryByTestId('header-signin')).toBeNull();
  });
});

describe('signing in', () => {
  it("shows the server's error text when the credentials are wrong", async () => {
    backend.authMode = 'accounts';
    backend.addAccount(EMAIL, PASSWORD);
    const user = userEvent.setup();
    render(<App />);
    await screen.findByTestId('signin-form');
    await signInWith(user, EMAIL, 'wrong password');
    expect(await screen.findByTestId('auth-error')).toHaveTextContent('The email or the password is wrong.');
    expect(backend.requestsTo('POST', '/auth/login')[0].body).toEqual({ email: EMAIL, password: 'wrong password' });
    expect(screen.queryByTestId('composer-input')).toBeNull();

    // The right password: the chat of the account.
    await signInWith(user, EMAIL, PASSWORD);
    expect(await screen.findByTestId('account-menu-button')).toHaveTextContent(EMAIL);
    await chatLoaded();
  });

  it('asks for both fields before sending anything', async () => {
    backend.authMode = 'accounts';
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByTestId('signin-submit'));
    expect(screen.getByTestId('auth-error')).toHaveTextContent('Enter your email and password.');
    expect(backend.requestsTo('POST', '/auth/login')).toHaveLength(0);
  });

  it('after too many attempts says when to try again, and cannot be sent until then', async () => {
    backend.authMode = 'accounts';
    backend.addAccount(EMAIL, PASSWORD);
    backend.failNext = {
      method: 'POST',
      path: '/auth/login',
      status: 429,
      error: 'Too many sign-in attempts.',
      code: 'too_many_attempts',
      retryAfter: 2,
    };
    const user = userEvent.setup();
    render(<App />);
    await screen.findByTestId('signin-form');
    await signInWith(user, EMAIL, PASSWORD);
    expect(await screen.findByTestId('auth-error')).toHaveTextContent('Too many attempts. Try again in 2 seconds.');
    expect(screen.getByTestId('signin-submit')).toBeDisabled();
    // Enter in a field does not send either.
    await user.type(screen.getByTestId('signin-password'), '{Enter}');
    expect(backend.requestsTo('POST', '/auth/login')).toHaveLength(1);

    // The wait ends by itself.
    await waitFor(() => expect(screen.getByTestId('signin-submit')).toBeEnabled(), { timeout: 4000 });
    expect(screen.queryByTestId('auth-error')).toBeNull();
    await user.click(screen.getByTestId('signin-submit'));
    expect(await screen.findByTestId('account-menu-button')).toHaveTextContent(EMAIL);
  });

  it('is busy while the request is out', async () => {
    backend.authMode = 'accounts';
    backend.addAccount(EMAIL, PASSWORD);
    const user = userEvent.setup();
    render(<App />);
    await screen.findByTestId('signin-form');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const answer = backend.fetch.getMockImplementation();
    backend.fetch.mockImplementation(async (input: string, init?: RequestInit) => {
      if (String(input) === '/auth/login') await held;
      return answer!(input, init);
    });
    await signInWith(user, EMAIL, PASSWORD);
    expect(screen.getByTestId('signin-submit')).toBeDisabled();
    expect(screen.getByTestId('signin-submit')).toHaveTextContent('Signing in…');
    release();
    expect(await screen.findByTestId('account-menu-button')).toBeInTheDocument();
  });
});

describe('signing up', () => {
  it('shows the password rule, the server’s refusals, then loads the chat of the new account', async () => {
    backend.authMode = 'accounts';
    backend.passwordMinLength = 12;
    backend.addAccount('taken@example.com', PASSWORD);
    backend.addConversation({ title: 'Moved from the guest' });
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByTestId('goto-signup'));
    expect(screen.getByTestId('signup-form')).toBeInTheDocument();
    expect(screen.queryByTestId('signin-form')).toBeNull();
    expect(screen.getByTestId('signup-form')).toHaveTextContent('At least 12 characters.');

    const fill = async (email: string, password: string) => {
      await user.clear(screen.getByTestId('signup-email'));
      await user.type(screen.getByTestId('signup-email'), email);
      await user.clear(screen.getByTestId('signup-password'));
      await user.type(screen.getByTestId('signup-password'), password);
      await user.click(screen.getByTestId('signup-submit'));
    };
    await fill('not-an-email', PASSWORD);
    expect(await screen.findByTestId('auth-error')).toHaveTextContent('This is not an email address.');
    await fill('new@example.com', 'short');
    await waitFor(() => expect(screen.getByTestId('auth-error')).toHaveTextContent('at least 12 characters'));
    await fill('taken@example.com', PASSWORD);
    await waitFor(() => expect(screen.getByTestId('auth-error')).toHaveTextContent('An account with this email already exists.'));
    expect(backend.requestsTo('GET', '/conversations')).toHaveLength(0);

    await fill('new@example.com', PASSWORD);
    expect(await screen.findByTestId('account-menu-button')).toHaveTextContent('new@example.com');
    await chatLoaded();
    expect(await within(sidebar()).findByText('Moved from the guest')).toBeInTheDocument();
    expect(backend.requestsTo('POST', '/auth/signup').at(-1)?.body).toEqual({ email: 'new@example.com', password: PASSWORD });
  });

  it('links back to the sign-in page', async () => {
    backend.authMode = 'accounts';
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByTestId('goto-signup'));
    await user.click(screen.getByTestId('goto-signin'));
    expect(screen.getByTestId('signin-form')).toBeInTheDocument();
  });
});

describe('single sign-on', () => {
  it('offers a button per provider that takes the whole page there', async () => {
    backend.authMode = 'accounts';
    backend.providers = [
      { id: 'corp', name: 'Corp SSO', login_url: '/auth/oidc/corp/login' },
      { id: 'other', name: 'Other', login_url: '/auth/oidc/other/login' },
    ];
    const assign = vi.spyOn(navigation, 'assign').mockImplementation(() => undefined);
    const user = userEvent.setup();
    render(<App />);
    const button = await screen.findByTestId('oidc-button-corp');
    expect(button).toHaveTextContent('Sign in with Corp SSO');
    expect(screen.getByTestId('oidc-button-other')).toHaveTextContent('Sign in with Other');
    await user.click(button);
    expect(assign).toHaveBeenCalledWith('/auth/oidc/corp/login');
  });

  it('says the provider failed after ?auth_error=, and takes the parameter out of the address', async () => {
    window.history.replaceState(null, '', '/?auth_error=access_denied&keep=1');
    backend.authMode = 'accounts';
    backend.allowGuests = true;
    render(<App />);
    // Even with guests allowed, the sign-in page is where the user was.
    expect(await screen.findByTestId('auth-error')).toHaveTextContent(SSO_FAILED_MESSAGE);
    expect(screen.getByTestId('signin-form')).toBeInTheDocument();
    expect(window.location.search).toBe('?keep=1');
  });
});

describe('guests', () => {
  it('chat as a guest with Sign in and Create account in the top bar; signing in reloads the chat', async () => {
    backend.authMode = 'accounts';
    backend.allowGuests = true;
    backend.addAccount(EMAIL, PASSWORD);
    backend.addConversation({ title: 'Guest chat' });
    const user = userEvent.setup();
    render(<App />);
    await chatLoaded();
    expect(screen.getByTestId('header-signin')).toHaveTextContent('Sign in');
    expect(screen.getByTestId('header-signup')).toHaveTextContent('Create account');
    expect(screen.queryByTestId('account-menu-button')).toBeNull();

    await user.click(screen.getByTestId('header-signup'));
    expect(screen.getByTestId('signup-form')).toBeInTheDocument();
    await user.click(screen.getByTestId('continue-as-guest'));
    await chatLoaded(2);

    await user.click(screen.getByTestId('header-signin'));
    await signInWith(user, EMAIL, PASSWORD);
    expect(await screen.findByTestId('account-menu-button')).toHaveTextContent(EMAIL);
    // The lists are read again, for the account.
    await chatLoaded(3);
    expect(within(sidebar()).getByText('Guest chat')).toBeInTheDocument();
  });
});

describe('CSRF', () => {
  it('every write carries the chat_csrf cookie as X-CSRF-Token, uploads included; reads do not', async () => {
    backend.addConversation({ title: 'A chat' });
    const user = await renderSignedIn();
    const token = backend.csrfToken;
    expect(token).toBeTruthy();
    expect(document.cookie).toContain('chat_csrf=');

    await user.type(screen.getByTestId('composer-input'), 'Hello{Enter}');
    await waitFor(() => expect(messagePosts()).toHaveLength(1));
    expect(messagePosts()[0].headers.get('X-CSRF-Token')).toBe(token);

    fireEvent.change(screen.getByTestId('file-input'), {
      target: { files: [new File(['hi'], 'notes.txt', { type: 'text/plain' })] },
    });
    await waitFor(() => expect(XHR.instances).toHaveLength(1));
    expect(XHR.instances[0].headers['X-CSRF-Token']).toBe(token);

    await user.click(within(screen.getByTestId('profile-panel')).getByRole('button', { name: 'Refresh profile' }));
    await waitFor(() => expect(backend.requestsTo('GET', '/profile').length).toBeGreaterThan(1));
    for (const read of backend.requests.filter((r) => r.method === 'GET')) expect(read.headers.get('X-CSRF-Token')).toBeNull();

    // The token is read when the request is made: a new one is sent as soon as the cookie changes.
    backend.csrfToken = 'rotated';
    document.cookie = 'chat_csrf=rotated; path=/';
    await user.click(screen.getByTestId('account-menu-button'));
    await user.click(screen.getByTestId('menu-signout'));
    await screen.findByTestId('signin-form');
    expect(backend.requestsTo('POST', '/auth/logout')[0].headers.get('X-CSRF-Token')).toBe('rotated');
  });

  it('sends no CSRF header without the cookie (guest mode)', async () => {
    const user = userEvent.setup();
    render(<App />);
    await chatLoaded();
    await user.type(screen.getByTestId('composer-input'), 'Hello{Enter}');
    await waitFor(() => expect(messagePosts()).toHaveLength(1));
    expect(messagePosts()[0].headers.get('X-CSRF-Token')).toBeNull();
  });

  it('a 403 csrf_failed is a session that ended: the sign-in page', async () => {
    backend.addConversation({ title: 'A chat' });
    const user = await renderSignedIn();
    document.cookie = 'chat_csrf=stale; path=/';
    await user.type(screen.getByTestId('composer-input'), 'Hello{Enter}');
    expect(await screen.findByTestId('signin-form')).toBeInTheDocument();
    expect(screen.getByTestId('auth-notice')).toHaveTextContent(SESSION_ENDED_NOTICE);
  });
});

describe('a session that ends', () => {
  it('returns to the sign-in page while typing, and the draft is back after signing in again', async () => {
    backend.addConversation({ title: 'A chat' });
    const user = await renderSignedIn();
    await user.type(screen.getByTestId('composer-input'), 'A half-written thought');

    backend.endSession();
    // Any request now answers 401 unauthenticated.
    await user.click(within(screen.getByTestId('profile-panel')).getByRole('button', { name: 'Refresh profile' }));
    expect(await screen.findByTestId('signin-form')).toBeInTheDocument();
    expect(screen.getByTestId('auth-notice')).toHaveTextContent('Your session has ended. Sign in again to continue.');
    expect(screen.queryByTestId('composer-input')).toBeNull();

    await signInWith(user, EMAIL, PASSWORD);
    expect(await screen.findByTestId('composer-input')).toHaveValue('A half-written thought');
    expect(screen.queryByTestId('auth-notice')).toBeNull();
    // And it goes on being kept: sent, it is gone.
    await chatLoaded(2);
    await user.type(screen.getByTestId('composer-input'), '{Enter}');
    await waitFor(() => expect(messagePosts()).toHaveLength(1));
    expect(messagePosts()[0].body).toEqual({ text: 'A half-written thought' });
    expect(screen.getByTestId('composer-input')).toHaveValue('');
  });

  it('keeps a message whose send found the session ended', async () => {
    backend.addConversation({ title: 'A chat' });
    const user = await renderSignedIn();
    backend.endSession();
    await user.type(screen.getByTestId('composer-input'), 'Please keep this{Enter}');
    expect(await screen.findByTestId('signin-form')).toBeInTheDocument();
    await signInWith(user, EMAIL, PASSWORD);
    expect(await screen.findByTestId('composer-input')).toHaveValue('Please keep this');
  });

  it('a stream that falls back to polling and meets a 401 ends the session too', async () => {
    backend.addConversation({ title: 'A chat' });
    const user = await renderSignedIn();
    await user.type(screen.getByTestId('composer-input'), 'Hi{Enter}');
    await waitFor(() => expect(FakeEventSource.instances.length).toBeGreaterThan(0));
    backend.endSession();
    // The stream keeps failing (the server refuses it): after a few tries the job is polled instead.
    const es = FakeEventSource.last();
    act(() => {
      es.fail();
      es.fail();
      es.fail();
    });
    expect(await screen.findByTestId('signin-form', {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByTestId('auth-notice')).toHaveTextContent(SESSION_ENDED_NOTICE);
  });

  it('does not show another account the draft', async () => {
    backend.addConversation({ title: 'A chat' });
    backend.addAccount('grace@example.com', PASSWORD);
    const user = await renderSignedIn();
    await user.type(screen.getByTestId('composer-input'), 'Private words');
    backend.endSession();
    await user.click(within(screen.getByTestId('profile-panel')).getByRole('button', { name: 'Refresh profile' }));
    await screen.findByTestId('signin-form');
    await signInWith(user, 'grace@example.com', PASSWORD);
    expect(await screen.findByTestId('composer-input')).toHaveValue('');
  });
});
