/** The conversations sidebar with the chat: selection, paging, search, rename, delete, new chat. */
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App';
import { FakeBackend, makeFakeXHR } from './test/fakeBackend';
import { FakeEventSource, doneJob, makeJob } from './test/fakes';

let backend: FakeBackend;

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

/** A local date-time `days` calendar days before today, at `hour`. */
function daysAgo(days: number, hour = 12): string {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - days, hour).toISOString();
}

async function renderApp() {
  const user = userEvent.setup();
  render(<App />);
  await waitFor(() => expect(backend.requestsTo('GET', '/conversations')).toHaveLength(1));
  await screen.findByText(/max 1000 B/);
  await waitFor(() => expect(screen.getByTestId('profile-panel')).not.toHaveTextContent('Loading…'));
  await waitFor(() => expect(screen.queryByText(/Loading your conversation/)).toBeNull());
  return user;
}

const sidebar = () => screen.getByTestId('conversation-sidebar');
const items = () => within(sidebar()).queryAllByTestId('conversation-item');
const itemTitles = () => items().map((i) => within(i).getByTestId('conversation-select').textContent);
const item = (title: string) => {
  const found = items().find((i) => within(i).getByTestId('conversation-select').textContent === title);
  if (!found) throw new Error(`no conversation "${title}" in ${JSON.stringify(itemTitles())}`);
  return found;
};
const selectButton = (title: string) => within(item(title)).getByTestId('conversation-select');
const userTexts = () => screen.queryAllByTestId('message-user').map((m) => m.textContent);

async function streamFor(jobId: string): Promise<FakeEventSource> {
  let es: FakeEventSource | undefined;
  await waitFor(() => {
    es = FakeEventSource.instances.find((e) => e.url.startsWith(`/messages/${jobId}/events`) && !e.closed);
    expect(es).toBeDefined();
  });
  return es as FakeEventSource;
}

describe('conversations', () => {
  it('lists the conversations by day, most recent first, and shows the most recent one', async () => {
    backend.addConversation({ id: 'old', title: 'Tax return', updated_at: daysAgo(40) });
    backend.addConversation({ id: 'week', title: 'Trip ideas', updated_at: daysAgo(3) });
    backend.addConversation({ id: 'yday', title: 'Bread recipe', updated_at: daysAgo(1) });
    backend.addConversation({ id: 'week2', title: 'Garden plan', updated_at: daysAgo(6) });
    backend.addConversation({
      id: 'today',
      title: 'Rust lifetimes',
      updated_at: new Date().toISOString(),
      jobs: [doneJob({ id: 't1', text: 'What is a lifetime?' })],
    });
    await renderApp();

    const groups = within(sidebar()).getAllByTestId('conversation-group');
    expect(groups.map((g) => g.textContent)).toEqual(['Today', 'Yesterday', 'Previous 7 days', 'Older']);
    const inGroup = (label: string) => {
      const section = groups.find((g) => g.textContent === label)?.closest('section') as HTMLElement;
      return within(section)
        .getAllByTestId('conversation-select')
        .map((b) => b.textContent);
    };
    expect(inGroup('Today')).toEqual(['Rust lifetimes']);
    expect(inGroup('Yesterday')).toEqual(['Bread recipe']);
    expect(inGroup('Previous 7 days')).toEqual(['Trip ideas', 'Garden plan']);
    expect(inGroup('Older')).toEqual(['Tax return']);

    // The most recent one is selected and shown.
    expect(selectButton('Rust lifetimes')).toHaveAttribute('aria-current', 'page');
    expect(selectButton('Bread recipe')).not.toHaveAttribute('aria-current');
    expect(await screen.findByText('What is a lifetime?')).toBeInTheDocument();
    expect(backend.requestsTo('GET', '/conversations/today/messages')).toHaveLength(1);
    expect(screen.getByTestId('conversation-title')).toHaveTextContent('Rust lifetimes');
  });

  it('loads the messages of the conversation selected, and only them', async () => {
    backend.addConversation({ id: 'a', title: 'Alpha', jobs: [doneJob({ id: 'a1', text: 'alpha question' }, 'alpha answer')] });
    backend.addConversation({ id: 'b', title: 'Beta', jobs: [doneJob({ id: 'b1', text: 'beta question' }, 'beta answer')] });
    const user = await renderApp();
    await waitFor(() => expect(userTexts()).toEqual(['beta question']));

    await user.click(selectButton('Alpha'));
    await waitFor(() => expect(userTexts()).toEqual(['alpha question']));
    expect(backend.requestsTo('GET', '/conversations/a/messages')).toHaveLength(1);
    expect(screen.getByTestId('message-assistant')).toHaveTextContent('alpha answer');
    expect(screen.queryByText('beta answer')).toBeNull();
    expect(selectButton('Alpha')).toHaveAttribute('aria-current', 'page');
    expect(selectButton('Beta')).not.toHaveAttribute('aria-current');
  });

  it('keeps a streaming reply in its own conversation when another one is selected', async () => {
    backend.addConversation({ id: 'a', title: 'Alpha', jobs: [doneJob({ id: 'a1', text: 'alpha question' })] });
    backend.addConversation({ id: 'b', title: 'Beta', jobs: [doneJob({ id: 'b1', text: 'beta question' })] });
    const user = await renderApp();
    await user.click(selectButton('Alpha'));
    await waitFor(() => expect(userTexts()).toEqual(['alpha question']));

    await user.type(screen.getByTestId('composer-input'), 'more alpha{Enter}');
    const es = await streamFor('srv-1');
    expect(backend.requestsTo('POST', '/conversations/a/messages')).toHaveLength(1);
    act(() => es.emit('delta', 1, { text: 'Alpha streaming' }));
    expect(screen.getAllByTestId('message-assistant')[1]).toHaveTextContent('Alpha streaming');
    // It had a message: it moves to the top of the list.
    await waitFor(() => expect(itemTitles()).toEqual(['Alpha', 'Beta']));

    await user.click(selectButton('Beta'));
    expect(es.closed).toBe(true);
    await waitFor(() => expect(userTexts()).toEqual(['beta question']));
    act(() => es.emit('delta', 2, { text: ' still going' }));
    expect(screen.queryByText(/Alpha streaming/)).toBeNull();
    expect(userTexts()).toEqual(['beta question']);

    // Back to Alpha: its message is there, and the unfinished reply is followed again.
    await user.click(selectButton('Alpha'));
    await waitFor(() => expect(userTexts()).toEqual(['alpha question', 'more alpha']));
    const again = await streamFor('srv-1');
    expect(again).not.toBe(es);
  });

  it('loads earlier messages on request and when scrolled to the top, keeping the reader in place', async () => {
    backend.messagesPageSize = 2;
    backend.addConversation({
      id: 'long',
      title: 'Long chat',
      jobs: [1, 2, 3, 4, 5].map((n) => doneJob({ id: `m${n}`, text: `message ${n}` })),
    });
    const user = await renderApp();
    await waitFor(() => expect(userTexts()).toEqual(['message 4', 'message 5']));

    // The list is 100px a message, in a 100px high view.
    const region = screen.getByRole('region', { name: 'Messages' });
    Object.defineProperty(region, 'scrollHeight', {
      configurable: true,
      get: () => region.querySelectorAll('[data-testid="message-user"]').length * 100,
    });
    Object.defineProperty(region, 'clientHeight', { configurable: true, get: () => 100 });
    region.scrollTop = 100;
    fireEvent.scroll(region);
    expect(backend.requestsTo('GET', '/conversations/long/messages')).toHaveLength(1);
    // Scrolling up to the top loads the page before.
    region.scrollTop = 10;
    fireEvent.scroll(region);
    await waitFor(() => expect(userTexts()).toEqual(['message 2', 'message 3', 'message 4', 'message 5']));
    const paged = backend.requestsTo('GET', '/conversations/long/messages');
    expect(paged).toHaveLength(2);
    expect(paged[1].query.get('cursor')).toBe('3');
    // What was 10px from the top is still 10px from the top: 200px of earlier messages came above.
    expect(region.scrollTop).toBe(210);

    await user.click(screen.getByTestId('load-earlier'));
    await waitFor(() => expect(userTexts()).toEqual(['message 1', 'message 2', 'message 3', 'message 4', 'message 5']));
    expect(screen.queryByTestId('load-earlier')).toBeNull();
  });

  it('searches with q once typing pauses, and lists every conversation again when the box is emptied', async () => {
    backend.addConversation({ id: 'a', title: 'Lisbon trip' });
    backend.addConversation({ id: 'b', title: 'Bread', jobs: [makeJob({ id: 'b1', text: 'sourdough starter', status: 'done' })] });
    backend.addConversation({ id: 'c', title: 'Taxes' });
    const user = await renderApp();
    expect(itemTitles()).toEqual(['Taxes', 'Bread', 'Lisbon trip']);

    await user.type(screen.getByRole('searchbox', { name: 'Search conversations' }), 'sourdough');
    await waitFor(() => expect(itemTitles()).toEqual(['Bread']));
    const searches = backend.requestsTo('GET', '/conversations').filter((r) => r.query.has('q'));
    // One search for what was typed, not one per key.
    expect(searches.map((r) => r.query.get('q'))).toEqual(['sourdough']);
    // The chat shown does not change.
    expect(selectButton('Bread')).not.toHaveAttribute('aria-current');

    await user.clear(screen.getByRole('searchbox', { name: 'Search conversations' }));
    await user.type(screen.getByRole('searchbox', { name: 'Search conversations' }), 'zzz');
    expect(await within(sidebar()).findByTestId('conversation-empty')).toHaveTextContent('No chats match “zzz”.');

    await user.keyboard('{Escape}');
    await waitFor(() => expect(itemTitles()).toEqual(['Taxes', 'Bread', 'Lisbon trip']));
    expect(backend.requestsTo('GET', '/conversations').at(-1)?.query.has('q')).toBe(false);
  });

  it('renames a conversation in place with PATCH, and Escape cancels', async () => {
    backend.addConversation({ id: 'a', title: 'Alpha' });
    backend.addConversation({ id: 'b', title: 'Beta' });
    const user = await renderApp();

    await user.click(within(item('Alpha')).getByRole('button', { name: 'Rename “Alpha”' }));
    let input = within(sidebar()).getByRole('textbox', { name: 'Chat title' });
    expect(input).toHaveValue('Alpha');
    expect(input).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(within(sidebar()).queryByRole('textbox', { name: 'Chat title' })).toBeNull();
    expect(backend.requestsTo('PATCH', '/conversations/a')).toHaveLength(0);
    expect(selectButton('Alpha')).toHaveFocus();

    await user.click(within(item('Alpha')).getByRole('button', { name: 'Rename “Alpha”' }));
    input = within(sidebar()).getByRole('textbox', { name: 'Chat title' });
    await user.clear(input);
    await user.type(input, '  Holiday plans {Enter}');
    await waitFor(() => expect(backend.requestsTo('PATCH', '/conversations/a')).toHaveLength(1));
    expect(backend.requestsTo('PATCH', '/conversations/a')[0].body).toEqual({ title: 'Holiday plans' });
    // A rename is activity: the list's order moves it up, as the server's does.
    await waitFor(() => expect(itemTitles()).toEqual(['Holiday plans', 'Beta']));
    expect(backend.find('a')?.conversation.title).toBe('Holiday plans');
  });

  it('deletes a conversation from the list after confirmation; the one shown goes to the next', async () => {
    backend.addConversation({ id: 'a', title: 'Alpha', jobs: [doneJob({ id: 'a1', text: 'alpha question' })] });
    backend.addConversation({ id: 'b', title: 'Beta', jobs: [doneJob({ id: 'b1', text: 'beta question' })] });
    backend.addConversation({ id: 'c', title: 'Gamma', jobs: [doneJob({ id: 'c1', text: 'gamma question' })] });
    const user = await renderApp();
    await waitFor(() => expect(userTexts()).toEqual(['gamma question']));

    // Not the one shown: the chat stays.
    await user.click(within(item('Beta')).getByRole('button', { name: 'Delete “Beta”' }));
    expect(screen.getByRole('alertdialog')).toHaveTextContent('“Beta” will be deleted');
    await user.click(screen.getByTestId('confirm-delete'));
    await waitFor(() => expect(itemTitles()).toEqual(['Gamma', 'Alpha']));
    expect(backend.requestsTo('DELETE', '/conversations/b')).toHaveLength(1);
    expect(userTexts()).toEqual(['gamma question']);

    // The one shown: the next most recent is shown.
    await user.click(within(item('Gamma')).getByRole('button', { name: 'Delete “Gamma”' }));
    await user.click(screen.getByTestId('confirm-delete'));
    await waitFor(() => expect(itemTitles()).toEqual(['Alpha']));
    await waitFor(() => expect(userTexts()).toEqual(['alpha question']));
    expect(selectButton('Alpha')).toHaveAttribute('aria-current', 'page');

    // The last one: nothing left to show.
    await user.click(within(item('Alpha')).getByRole('button', { name: 'Delete “Alpha”' }));
    await user.click(screen.getByTestId('confirm-delete'));
    expect(await within(sidebar()).findByTestId('conversation-empty')).toHaveTextContent('No chats yet');
    // The chat clears in the effect after the list's render, so wait for it as for the others.
    await waitFor(() => expect(userTexts()).toEqual([]));
    expect(screen.getByText('How can I help today?')).toBeInTheDocument();
  });

  it('starts a new chat, and the first message names it and moves it to the top', async () => {
    backend.addConversation({ id: 'old', title: 'Old chat', jobs: [doneJob({ id: 'o1', text: 'old question' })] });
    const user = await renderApp();
    await waitFor(() => expect(userTexts()).toEqual(['old question']));

    await user.click(screen.getByTestId('new-chat-button'));
    await waitFor(() => expect(backend.requestsTo('POST', '/conversations')).toHaveLength(1));
    await waitFor(() => expect(userTexts()).toEqual([]));
    expect(screen.getByText('How can I help today?')).toBeInTheDocument();
    expect(itemTitles()).toEqual(['New chat', 'Old chat']);
    expect(selectButton('New chat')).toHaveAttribute('aria-current', 'page');

    await user.type(screen.getByTestId('composer-input'), 'Plan a weekend in Lisbon with two kids in spring{Enter}');
    await waitFor(() => expect(backend.requestsTo('POST', '/conversations/conv-2/messages')).toHaveLength(1));
    await waitFor(() => expect(itemTitles()).toEqual(['Plan a weekend in Lisbon with two kids…', 'Old chat']));
    expect(selectButton('Plan a weekend in Lisbon with two kids…')).toHaveAttribute('aria-current', 'page');
  });

  it('without any conversation, shows the welcome and creates one with the first message', async () => {
    const user = await renderApp();
    expect(within(sidebar()).getByTestId('conversation-empty')).toHaveTextContent('No chats yet');
    expect(screen.getByText('How can I help today?')).toBeInTheDocument();
    expect(backend.requests.filter((r) => r.path.endsWith('/messages'))).toHaveLength(0);

    await user.type(screen.getByTestId('composer-input'), 'Hello there{Enter}');
    await waitFor(() => expect(backend.requestsTo('POST', '/conversations/conv-1/messages')).toHaveLength(1));
    await waitFor(() => expect(itemTitles()).toEqual(['Hello there']));
    expect(selectButton('Hello there')).toHaveAttribute('aria-current', 'page');
    expect(userTexts()).toEqual(['Hello there']);
    // The new conversation is not loaded over what is shown.
    await streamFor('srv-1');
    expect(userTexts()).toEqual(['Hello there']);
  });

  it('loads more conversations with the cursor', async () => {
    backend.listPageSize = 2;
    backend.addConversation({ id: 'a', title: 'Alpha' });
    backend.addConversation({ id: 'b', title: 'Beta' });
    backend.addConversation({ id: 'c', title: 'Gamma' });
    const user = await renderApp();
    expect(itemTitles()).toEqual(['Gamma', 'Beta']);
    await user.click(within(sidebar()).getByTestId('conversation-load-more'));
    await waitFor(() => expect(itemTitles()).toEqual(['Gamma', 'Beta', 'Alpha']));
    expect(backend.requestsTo('GET', '/conversations').at(-1)?.query.get('cursor')).toBe('2');
    expect(within(sidebar()).queryByTestId('conversation-load-more')).toBeNull();
  });

  it('moves between conversations with the arrow keys and selects with Enter', async () => {
    backend.addConversation({ id: 'a', title: 'Alpha', jobs: [doneJob({ id: 'a1', text: 'alpha question' })] });
    backend.addConversation({ id: 'b', title: 'Beta' });
    const user = await renderApp();
    selectButton('Beta').focus();
    await user.keyboard('{ArrowDown}');
    expect(selectButton('Alpha')).toHaveFocus();
    await user.keyboard('{ArrowUp}');
    expect(selectButton('Beta')).toHaveFocus();
    await user.keyboard('{End}{Enter}');
    await waitFor(() => expect(userTexts()).toEqual(['alpha question']));
    expect(selectButton('Alpha')).toHaveAttribute('aria-current', 'page');
  });

  it('is a drawer on a narrow screen: closed at first, toggled from the top bar, closed once a chat is chosen', async () => {
    vi.stubGlobal('matchMedia', (query: string) => ({ matches: false, media: query }) as MediaQueryList);
    backend.addConversation({ id: 'a', title: 'Alpha', jobs: [doneJob({ id: 'a1', text: 'alpha question' })] });
    backend.addConversation({ id: 'b', title: 'Beta' });
    const user = await renderApp();
    const toggle = screen.getByTestId('sidebar-toggle');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(toggle).toHaveAccessibleName('Show chats');
    expect(sidebar()).not.toHaveClass('sidebar--open');

    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(sidebar()).toHaveClass('sidebar--open');
    expect(toggle).toHaveAttribute('aria-controls', sidebar().id);

    await user.click(selectButton('Alpha'));
    expect(sidebar()).not.toHaveClass('sidebar--open');
    await waitFor(() => expect(userTexts()).toEqual(['alpha question']));

    // Escape closes it too.
    await user.click(toggle);
    await user.click(screen.getByRole('searchbox', { name: 'Search conversations' }));
    await user.keyboard('{Escape}');
    expect(sidebar()).not.toHaveClass('sidebar--open');
  });
});
