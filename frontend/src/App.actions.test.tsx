/** Actions on messages and conversations (issue #13): stop, regenerate, alternatives, edit, export, import, profile facts. */
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App';
import { FakeBackend, makeFakeXHR } from './test/fakeBackend';
import { FakeEventSource, doneJob, makeJob, makeResult } from './test/fakes';
import type { Job } from './types';

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

async function renderApp() {
  const user = userEvent.setup();
  render(<App />);
  await waitFor(() => expect(backend.requestsTo('GET', '/conversations')).toHaveLength(1));
  const latest = backend.mostRecent();
  if (latest) {
    const path = `/conversations/${latest.conversation.id}/messages`;
    await waitFor(() => expect(backend.requestsTo('GET', path)).toHaveLength(1));
  }
  await screen.findByText(/max 1000 B/);
  await waitFor(() => expect(screen.getByTestId('profile-panel')).not.toHaveTextContent('Loading…'));
  await waitFor(() => expect(screen.queryByText(/Loading your conversation/)).toBeNull());
  return user;
}

async function streamFor(jobId: string): Promise<FakeEventSource> {
  let es: FakeEventSource | undefined;
  await waitFor(() => {
    es = FakeEventSource.instances.find((e) => e.url.startsWith(`/messages/${jobId}/events`) && !e.closed);
    expect(es).toBeDefined();
  });
  return es as FakeEventSource;
}

const userTexts = () => screen.queryAllByTestId('message-user').map((m) => m.textContent);
const replies = () => screen.queryAllByTestId('message-assistant');
const position = (turn: HTMLElement) => within(turn).getByTestId('alternative-position').getAttribute('data-position');
const turnOf = (jobId: string) => document.querySelector(`li.turn[data-job-id="${jobId}"]`) as HTMLElement;

function stoppedJob(id: string, text: string, reply: string): Job {
  return makeJob({ id, text, status: 'done', result: makeResult({ reply, stopped: true }) });
}

/** The job ends on the server, and its stream says so. */
function finish(es: FakeEventSource, seq: number, job: Job) {
  const stored = backend.update(job.id, { status: job.status, result: job.result, error: job.error });
  act(() => es.emit('status', seq, { status: job.status, job: { ...job, alternative_ids: stored.alternative_ids }, error: null }));
}

/** The job starts being written on the server, and its stream says so. */
function processing(es: FakeEventSource, seq: number, jobId: string) {
  backend.update(jobId, { status: 'processing' });
  act(() => es.emit('status', seq, { status: 'processing', job: null, error: null }));
}

describe('stop', () => {
  it('turns Send into Stop while a reply streams; Stop keeps the partial reply, marked stopped', async () => {
    const user = await renderApp();
    expect(screen.queryByTestId('stop-button')).toBeNull();
    await user.type(screen.getByTestId('composer-input'), 'Tell me a long story{Enter}');
    const es = await streamFor('srv-1');
    processing(es, 1, 'srv-1');
    act(() => es.emit('delta', 2, { text: 'Once upon a time' }));
    const stop = screen.getByTestId('stop-button');
    expect(stop).toHaveAccessibleName('Stop the reply');
    expect(stop).toBeEnabled();
    expect(screen.queryByTestId('send-button')).toBeNull();

    await user.click(stop);
    await waitFor(() => expect(backend.requestsTo('POST', '/messages/srv-1/stop')).toHaveLength(1));
    // Until the job ends: stopping, and no second stop.
    expect(await screen.findByText('Stopping…')).toBeInTheDocument();
    expect(screen.getByTestId('stop-button')).toBeDisabled();

    finish(es, 3, stoppedJob('srv-1', 'Tell me a long story', 'Once upon a time'));
    const reply = replies()[0];
    expect(within(reply).getByTestId('stopped-marker')).toHaveTextContent('Stopped');
    expect(reply).toHaveTextContent('Once upon a time');
    expect(within(reply).getByTestId('status-chip')).toHaveAttribute('data-status', 'done');
    expect(screen.queryByText('Stopping…')).toBeNull();
    expect(screen.queryByTestId('stop-button')).toBeNull();
    expect(screen.getByTestId('send-button')).toBeInTheDocument();
    // A stopped reply is a reply: the profile and the conversation are read again.
    await waitFor(() => expect(backend.requestsTo('GET', '/profile')).toHaveLength(2));
    await waitFor(() => expect(backend.requestsTo('GET', '/conversations/conv-1')).toHaveLength(2));
    await screen.findByText('Tell me a long story', { selector: '[data-testid="conversation-select"] *' });
  });

  it('stops with Escape, and a queued job ends at once with the stop answer', async () => {
    const user = await renderApp();
    await user.type(screen.getByTestId('composer-input'), 'Write an essay{Enter}');
    await streamFor('srv-1');
    // Still pending (nothing streamed): the stop answer already says it is done.
    await user.keyboard('{Escape}');
    await waitFor(() => expect(backend.requestsTo('POST', '/messages/srv-1/stop')).toHaveLength(1));
    const reply = replies()[0];
    expect(await within(reply).findByTestId('stopped-marker')).toBeInTheDocument();
    expect(reply).toHaveTextContent('Stopped before the assistant wrote anything.');
    expect(FakeEventSource.instances.every((e) => e.closed)).toBe(true);
    expect(screen.getByTestId('send-button')).toBeInTheDocument();
  });

  it('does not stop on Escape in another field, and says why a stop failed', async () => {
    backend.addConversation({ id: 'c', title: 'Chat' });
    const user = await renderApp();
    await user.type(screen.getByTestId('composer-input'), 'Hello{Enter}');
    const es = await streamFor('srv-1');
    processing(es, 1, 'srv-1');
    await user.click(screen.getByRole('searchbox', { name: 'Search conversations' }));
    await user.keyboard('{Escape}');
    expect(backend.stopped).toEqual([]);

    backend.failNext = { method: 'POST', path: '/messages/srv-1/stop', status: 503, error: 'Try again shortly.', code: 'service_unavailable' };
    await user.click(screen.getByTestId('stop-button'));
    expect(await screen.findByTestId('chat-alert')).toHaveTextContent('Could not stop the reply: Try again shortly.');
    // It can be asked again.
    expect(screen.getByTestId('stop-button')).toBeEnabled();
  });

  it('shows the stopped marker of a stopped reply from history', async () => {
    backend.history = [stoppedJob('s1', 'Long one', 'Partial text')];
    await renderApp();
    expect(await screen.findByTestId('stopped-marker')).toBeInTheDocument();
    expect(replies()[0]).toHaveTextContent('Partial text');
  });
});

describe('regenerate and alternatives', () => {
  it('offers Regenerate on the latest finished reply only, and streams the new one in its place', async () => {
    backend.addConversation({
      id: 'c',
      title: 'Colours',
      jobs: [doneJob({ id: 'a1', text: 'Hi' }, 'Hello!'), doneJob({ id: 'a2', text: 'Name a colour' }, 'Blue.')],
    });
    const user = await renderApp();
    await waitFor(() => expect(userTexts()).toEqual(['Hi', 'Name a colour']));
    expect(within(replies()[0]).queryByTestId('regenerate-button')).toBeNull();
    const regenerate = within(replies()[1]).getByTestId('regenerate-button');
    expect(regenerate).toHaveAccessibleName('Regenerate the reply');

    await user.click(regenerate);
    await waitFor(() => expect(backend.requestsTo('POST', '/messages/a2/regenerate')).toHaveLength(1));
    expect(backend.requestsTo('POST', '/messages/a2/regenerate')[0].headers.get('Idempotency-Key')).toMatch(/[0-9a-f-]{36}/);
    const es = await streamFor('srv-1');
    // The new exchange is in the old one's place: the same message, once.
    expect(userTexts()).toEqual(['Hi', 'Name a colour']);
    expect(screen.queryByText('Blue.')).toBeNull();
    const turn = turnOf('srv-1');
    expect(position(turn)).toBe('2/2');
    // Not while it is written.
    expect(within(turn).queryByTestId('regenerate-button')).toBeNull();
    act(() => es.emit('delta', 1, { text: 'Green.' }));
    finish(es, 2, doneJob({ id: 'srv-1', text: 'Name a colour' }, 'Green.'));
    expect(replies()[1]).toHaveTextContent('Green.');
    expect(within(replies()[1]).getByTestId('regenerate-button')).toBeInTheDocument();
    expect(position(turnOf('srv-1'))).toBe('2/2');
    // The conversation moves up in the list.
    await waitFor(() => expect(backend.requestsTo('GET', '/conversations/c').length).toBeGreaterThan(0));
  });

  it('moves between the alternatives with ‹ ›, selecting each and loading the branch again', async () => {
    backend.addConversation({
      id: 'c',
      title: 'Colours',
      jobs: [doneJob({ id: 'a1', text: 'Hi' }, 'Hello!'), doneJob({ id: 'a2', text: 'Name a colour' }, 'Blue.')],
    });
    const user = await renderApp();
    await waitFor(() => expect(userTexts()).toHaveLength(2));
    await user.click(within(replies()[1]).getByTestId('regenerate-button'));
    const es = await streamFor('srv-1');
    finish(es, 1, doneJob({ id: 'srv-1', text: 'Name a colour' }, 'Green.'));
    const listed = backend.requestsTo('GET', '/conversations/c/messages').length;

    const next = within(turnOf('srv-1')).getByTestId('alternative-next');
    expect(next).toBeDisabled();
    await user.click(within(turnOf('srv-1')).getByRole('button', { name: 'Previous version' }));
    await waitFor(() => expect(backend.requestsTo('POST', '/messages/a2/select')).toHaveLength(1));
    await waitFor(() => expect(turnOf('a2')).not.toBeNull());
    expect(backend.requestsTo('GET', '/conversations/c/messages')).toHaveLength(listed + 1);
    expect(turnOf('srv-1')).toBeNull();
    expect(userTexts()).toEqual(['Hi', 'Name a colour']);
    expect(replies()[1]).toHaveTextContent('Blue.');
    expect(position(turnOf('a2'))).toBe('1/2');
    expect(within(turnOf('a2')).getByTestId('alternative-prev')).toBeDisabled();
    // The focus stays on the arrows (on the one still usable).
    expect(within(turnOf('a2')).getByTestId('alternative-next')).toHaveFocus();

    await user.click(within(turnOf('a2')).getByTestId('alternative-next'));
    await waitFor(() => expect(backend.requestsTo('POST', '/messages/srv-1/select')).toHaveLength(1));
    await waitFor(() => expect(turnOf('srv-1')).not.toBeNull());
    expect(replies()[1]).toHaveTextContent('Green.');
    expect(position(turnOf('srv-1'))).toBe('2/2');
  });

  it('shows the branch of the alternative chosen, with its own later exchanges', async () => {
    const x = doneJob({ id: 'x', text: 'Plan a trip', alternative_ids: ['x', 'y'] }, 'To Rome.');
    const xLater = doneJob({ id: 'x2', text: 'How long?', parent_id: 'x', alternative_ids: ['x2'] }, 'A week.');
    const y = doneJob({ id: 'y', text: 'Plan a trip', alternative_ids: ['x', 'y'] }, 'To Oslo.');
    const entry = backend.addConversation({ id: 'c', title: 'Trips', jobs: [y, x, xLater] });
    // Shown: y; x's branch (x, x2) is off screen.
    entry.jobs = [backend.jobsById.get('y') as Job];
    entry.tails.set('x', [backend.jobsById.get('x') as Job, backend.jobsById.get('x2') as Job]);
    const user = await renderApp();
    await waitFor(() => expect(userTexts()).toEqual(['Plan a trip']));
    expect(position(turnOf('y'))).toBe('2/2');

    await user.click(within(turnOf('y')).getByTestId('alternative-prev'));
    await waitFor(() => expect(userTexts()).toEqual(['Plan a trip', 'How long?']));
    expect(replies().map((r) => r.textContent)).toEqual([expect.stringContaining('To Rome.'), expect.stringContaining('A week.')]);
    // A single exchange has no navigation.
    expect(within(turnOf('x2')).queryByTestId('alternatives')).toBeNull();
  });

  it('says why an alternative could not be shown', async () => {
    backend.history = [
      doneJob({ id: 'p', text: 'Q', alternative_ids: ['p', 'q'] }, 'one'),
    ];
    const user = await renderApp();
    backend.failNext = { method: 'POST', path: '/messages/q/select', status: 404, error: 'Job not found', code: 'job_not_found' };
    await user.click(await screen.findByTestId('alternative-next'));
    expect(await screen.findByText('Job not found')).toBeInTheDocument();
    expect(userTexts()).toEqual(['Q']);
  });

  it('does not offer Regenerate for a file', async () => {
    backend.history = [
      doneJob({ id: 'f', kind: 'file', text: '', file: { name: 'a.txt', media_type: 'text/plain', size_bytes: 3 } }, 'A text file.'),
    ];
    await renderApp();
    await screen.findByTestId('file-card');
    expect(screen.queryByTestId('regenerate-button')).toBeNull();
    expect(screen.queryByTestId('edit-message')).toBeNull();
  });
});

describe('edit', () => {
  it('edits a message in place: Save sends it again, the later exchanges leave, the new reply streams', async () => {
    backend.addConversation({
      id: 'c',
      title: 'Me',
      jobs: [
        doneJob({ id: 'm1', text: 'I have a cat' }, 'Nice.'),
        doneJob({ id: 'm2', text: 'I live in Oslo' }, 'Cold!'),
        doneJob({ id: 'm3', text: 'I like tea' }, 'Good.'),
      ],
    });
    const user = await renderApp();
    await waitFor(() => expect(userTexts()).toEqual(['I have a cat', 'I live in Oslo', 'I like tea']));

    // Cancel leaves it as it was.
    await user.click(within(turnOf('m2')).getByRole('button', { name: 'Edit message' }));
    let box = within(turnOf('m2')).getByTestId('edit-input');
    expect(box).toHaveValue('I live in Oslo');
    expect(box).toHaveFocus();
    expect(within(turnOf('m2')).getByTestId('edit-save')).toBeDisabled();
    await user.click(within(turnOf('m2')).getByRole('button', { name: 'Cancel' }));
    expect(within(turnOf('m2')).queryByTestId('edit-input')).toBeNull();
    expect(userTexts()).toEqual(['I have a cat', 'I live in Oslo', 'I like tea']);

    await user.click(within(turnOf('m2')).getByRole('button', { name: 'Edit message' }));
    box = within(turnOf('m2')).getByTestId('edit-input');
    await user.clear(box);
    await user.type(box, 'I live in Bergen');
    await user.click(within(turnOf('m2')).getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(backend.requestsTo('PATCH', '/messages/m2')).toHaveLength(1));
    const patch = backend.requestsTo('PATCH', '/messages/m2')[0];
    expect(patch.body).toEqual({ text: 'I live in Bergen' });
    expect(patch.headers.get('Idempotency-Key')).toMatch(/[0-9a-f-]{36}/);
    const es = await streamFor('srv-1');
    expect(userTexts()).toEqual(['I have a cat', 'I live in Bergen']);
    expect(screen.queryByText('Good.')).toBeNull();
    expect(position(turnOf('srv-1'))).toBe('2/2');
    act(() => {
      es.emit('delta', 1, { text: 'Rainy!' });
    });
    expect(replies()[1]).toHaveTextContent('Rainy!');

    // The original is there to go back to, with what followed it.
    finish(es, 2, doneJob({ id: 'srv-1', text: 'I live in Bergen' }, 'Rainy!'));
    await user.click(within(turnOf('srv-1')).getByTestId('alternative-prev'));
    await waitFor(() => expect(userTexts()).toEqual(['I have a cat', 'I live in Oslo', 'I like tea']));
  });

  it('keeps the box open with the reason when the server refuses the edit; Escape cancels', async () => {
    backend.history = [doneJob({ id: 'm1', text: 'Hello' }, 'Hi!')];
    const user = await renderApp();
    await user.click(await screen.findByRole('button', { name: 'Edit message' }));
    const box = screen.getByTestId('edit-input');
    await user.clear(box);
    await user.type(box, 'Hello again');
    backend.failNext = { method: 'PATCH', path: '/messages/m1', status: 413, error: 'The message is too long.', code: 'message_too_long' };
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('The message is too long.');
    expect(screen.getByTestId('edit-input')).toHaveValue('Hello again');
    expect(userTexts()).toEqual([]);

    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('edit-input')).toBeNull();
    expect(userTexts()).toEqual(['Hello']);
  });

  it('offers no Edit while the reply is written', async () => {
    backend.history = [makeJob({ id: 'r1', text: 'Busy', status: 'processing' })];
    await renderApp();
    await screen.findByText('Busy');
    expect(screen.queryByRole('button', { name: 'Edit message' })).toBeNull();
  });
});

describe('export and import', () => {
  it('offers the export URLs as download links, and downloads the file the server names', async () => {
    backend.addConversation({ id: 'c', title: 'Trip plan', jobs: [doneJob({ id: 't1', text: 'Plan it' }, 'Sure.')] });
    const created = vi.fn((blob: Blob) => {
      void blob;
      return 'blob:export-1';
    });
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    const downloads: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      downloads.push(`${this.download} ${this.href}`);
    });
    const user = await renderApp();

    await user.click(screen.getByTestId('export-menu-button'));
    const menu = screen.getByRole('menu', { name: 'Export or import' });
    const markdown = within(menu).getByRole('menuitem', { name: /Export as Markdown/ });
    const json = within(menu).getByRole('menuitem', { name: /Export as JSON/ });
    expect(markdown).toHaveAttribute('href', '/conversations/c/export?format=markdown');
    expect(json).toHaveAttribute('href', '/conversations/c/export?format=json');
    expect(markdown).toHaveFocus();

    await user.click(markdown);
    await waitFor(() => expect(downloads).toEqual(['Trip-plan.md blob:export-1']));
    expect(backend.requestsTo('GET', '/conversations/c/export')[0].query.get('format')).toBe('markdown');
    expect(await (created.mock.calls[0][0] as Blob).text()).toContain('**You:** Plan it');
    expect(screen.queryByRole('menu')).toBeNull();

    await user.click(screen.getByTestId('export-menu-button'));
    await user.click(screen.getByTestId('export-json'));
    await waitFor(() => expect(downloads).toHaveLength(2));
    expect(downloads[1]).toBe('Trip-plan.json blob:export-1');
    const exported = JSON.parse(await (created.mock.calls[1][0] as Blob).text());
    expect(exported.format).toBe('chat-assistant.conversation');
    expect(screen.queryByTestId('chat-alert')).toBeNull();
  });

  it('says clearly when the server has no export, and closes the menu with Escape', async () => {
    backend.transferApi = false;
    backend.addConversation({ id: 'c', title: 'Chat' });
    const user = await renderApp();
    await user.click(screen.getByTestId('export-menu-button'));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).toBeNull();
    expect(screen.getByTestId('export-menu-button')).toHaveFocus();

    await user.click(screen.getByTestId('export-menu-button'));
    await user.click(screen.getByTestId('export-json'));
    expect(await screen.findByTestId('chat-alert')).toHaveTextContent('Exporting conversations is not available on this server.');
    await user.click(within(screen.getByTestId('chat-alert')).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('chat-alert')).toBeNull();
  });

  it('cannot export when there is no chat, but can import', async () => {
    const user = await renderApp();
    await user.click(screen.getByTestId('export-menu-button'));
    expect(screen.getByTestId('export-markdown')).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByTestId('export-markdown')).not.toHaveAttribute('href');
    expect(screen.getByTestId('import-conversation')).not.toHaveAttribute('aria-disabled');
  });

  it('imports a JSON export and selects the new conversation', async () => {
    backend.addConversation({ id: 'old', title: 'Old chat', jobs: [doneJob({ id: 'o1', text: 'old question' })] });
    const user = await renderApp();
    await waitFor(() => expect(userTexts()).toEqual(['old question']));
    const exported = {
      format: 'chat-assistant.conversation',
      version: 1,
      conversation: { id: 'elsewhere', title: 'Recipes', created_at: '', updated_at: '' },
      leaf_id: 'e1',
      messages: [{ id: 'e1', parent_id: null, kind: 'message', text: 'How do I bake bread?', status: 'done', result: { reply: 'Knead it.' } }],
    };
    const picker = screen.getByTestId('import-input');
    expect(picker).toHaveAttribute('accept', '.json,application/json');
    const clicked = vi.spyOn(picker, 'click');
    await user.click(screen.getByTestId('export-menu-button'));
    await user.click(screen.getByRole('menuitem', { name: /Import conversation/ }));
    expect(clicked).toHaveBeenCalled();
    fireEvent.change(picker, { target: { files: [new File([JSON.stringify(exported)], 'recipes.json', { type: 'application/json' })] } });

    await waitFor(() => expect(backend.requestsTo('POST', '/conversations/import')).toHaveLength(1));
    expect(backend.requestsTo('POST', '/conversations/import')[0].body).toEqual(exported);
    const sidebar = screen.getByTestId('conversation-sidebar');
    await waitFor(() =>
      expect(within(sidebar).getByRole('button', { name: 'Recipes' })).toHaveAttribute('aria-current', 'page'),
    );
    await waitFor(() => expect(userTexts()).toEqual(['How do I bake bread?']));
    expect(screen.getByTestId('conversation-title')).toHaveTextContent('Recipes');
  });

  it('refuses a file that is not JSON, and says what the server said of a foreign one', async () => {
    const user = await renderApp();
    const picker = screen.getByTestId('import-input');
    fireEvent.change(picker, { target: { files: [new File(['not json'], 'notes.json', { type: 'application/json' })] } });
    expect(await screen.findByTestId('chat-alert')).toHaveTextContent('“notes.json” is not a JSON export of a conversation.');
    expect(backend.requestsTo('POST', '/conversations/import')).toHaveLength(0);

    fireEvent.change(picker, { target: { files: [new File(['{"hello": 1}'], 'other.json', { type: 'application/json' })] } });
    await waitFor(() =>
      expect(screen.getByTestId('chat-alert')).toHaveTextContent('This is not a conversation export of this assistant.'),
    );
    void user;
  });

  it('says clearly when the server cannot import', async () => {
    backend.transferApi = false;
    await renderApp();
    fireEvent.change(screen.getByTestId('import-input'), {
      target: { files: [new File(['{"format": "chat-assistant.conversation"}'], 'x.json')] },
    });
    expect(await screen.findByTestId('chat-alert')).toHaveTextContent('Importing conversations is not available on this server.');
  });
});

describe('profile facts', () => {
  const fact = (key: string, value: string) => ({
    key,
    value,
    confidence: 0.8,
    source_turn: 'j1',
    updated_at: '2024-05-01T10:00:00Z',
    edited: false,
  });
  const panel = () => screen.getByTestId('profile-panel');
  const factRow = (key: string) => panel().querySelector(`[data-fact-key="${key}"]`) as HTMLElement;

  it('reads the owner profile from GET /profile and edits a value in place', async () => {
    backend.profile = { facts: [fact('name', 'Alice'), fact('location', 'Oslo')], summary: '' };
    const user = await renderApp();
    expect(backend.requestsTo('GET', '/profile')).toHaveLength(1);
    expect(backend.requestsTo('GET', '/chat/profile')).toHaveLength(0);
    expect(panel()).toHaveTextContent('across your chats');

    await user.click(within(panel()).getByRole('button', { name: 'Edit Location' }));
    const input = within(panel()).getByRole('textbox', { name: 'Value of Location' });
    expect(input).toHaveValue('Oslo');
    await user.keyboard('{Escape}');
    expect(within(panel()).queryByRole('textbox')).toBeNull();
    expect(backend.requestsTo('PATCH', '/profile/facts/location')).toHaveLength(0);

    await user.click(within(panel()).getByRole('button', { name: 'Edit Location' }));
    await user.clear(within(panel()).getByRole('textbox', { name: 'Value of Location' }));
    await user.type(within(panel()).getByRole('textbox', { name: 'Value of Location' }), 'Bergen{Enter}');
    await waitFor(() => expect(backend.requestsTo('PATCH', '/profile/facts/location')).toHaveLength(1));
    expect(backend.requestsTo('PATCH', '/profile/facts/location')[0].body).toEqual({ value: 'Bergen' });
    await waitFor(() => expect(within(factRow('location')).getByTestId('profile-fact-value')).toHaveTextContent('Bergen'));
    expect(factRow('location')).toHaveTextContent('set by you');
    expect(within(factRow('location')).getByRole('button', { name: 'Edit Location' })).toHaveFocus();
    expect(factRow('name')).toHaveTextContent('Alice');
  });

  it('shows why a value was refused, keeping the box', async () => {
    backend.profile = { facts: [fact('name', 'Alice')], summary: '' };
    const user = await renderApp();
    await user.click(within(panel()).getByRole('button', { name: 'Edit Name' }));
    backend.failNext = { method: 'PATCH', path: '/profile/facts/name', status: 422, error: 'value is too long', code: 'invalid_argument' };
    await user.type(within(panel()).getByRole('textbox', { name: 'Value of Name' }), 'x{Enter}');
    expect(await within(panel()).findByRole('alert')).toHaveTextContent('value is too long');
    expect(within(panel()).getByRole('textbox', { name: 'Value of Name' })).toHaveValue('Alicex');
  });

  it('deletes a fact after confirmation', async () => {
    backend.profile = { facts: [fact('name', 'Alice'), fact('likes', 'tea')], summary: '' };
    const user = await renderApp();
    await user.click(within(panel()).getByRole('button', { name: 'Delete Likes' }));
    const dialog = screen.getByRole('alertdialog');
    expect(dialog).toHaveTextContent('“tea”');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(backend.requestsTo('DELETE', '/profile/facts/likes')).toHaveLength(0);
    expect(factRow('likes')).not.toBeNull();

    await user.click(within(panel()).getByRole('button', { name: 'Delete Likes' }));
    await user.click(screen.getByTestId('confirm-delete-fact'));
    await waitFor(() => expect(factRow('likes')).toBeNull());
    expect(backend.requestsTo('DELETE', '/profile/facts/likes')).toHaveLength(1);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(factRow('name')).toHaveTextContent('Alice');
    // A reload agrees.
    await user.click(within(panel()).getByRole('button', { name: 'Refresh profile' }));
    await waitFor(() => expect(backend.requestsTo('GET', '/profile')).toHaveLength(2));
    expect(factRow('likes')).toBeNull();
  });

  it('falls back to GET /chat/profile on a server without GET /profile (read only)', async () => {
    backend.profileApi = false;
    backend.profile = { facts: [fact('name', 'Alice')], summary: '' };
    const user = await renderApp();
    expect(factRow('name')).toHaveTextContent('Alice');
    expect(backend.requestsTo('GET', '/profile')).toHaveLength(1);
    expect(backend.requestsTo('GET', '/chat/profile')).toHaveLength(1);
    expect(panel()).toHaveTextContent('in your latest chat');
    expect(within(panel()).queryByRole('button', { name: 'Edit Name' })).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    // Later loads go straight to /chat/profile.
    await user.click(within(panel()).getByRole('button', { name: 'Refresh profile' }));
    await waitFor(() => expect(backend.requestsTo('GET', '/chat/profile')).toHaveLength(2));
    expect(backend.requestsTo('GET', '/profile')).toHaveLength(1);
  });
});
