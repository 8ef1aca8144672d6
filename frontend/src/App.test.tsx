import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App';
import { FakeBackend, makeFakeXHR } from './test/fakeBackend';
import { FakeEventSource, doneJob, makeJob, makeResult } from './test/fakes';

let backend: FakeBackend;
let XHR: ReturnType<typeof makeFakeXHR>;

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
});

async function renderApp() {
  const user = userEvent.setup();
  render(<App />);
  // Settle the start-up requests: conversations (then the latest one's messages), config (limits shown) and profile.
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

/** The message posts (`POST /conversations/{id}/messages`), in order. */
function messagePosts() {
  return backend.requests.filter((r) => r.method === 'POST' && /^\/conversations\/[^/]+\/messages$/.test(r.path));
}

/** The EventSource opened for a job. */
async function streamFor(jobId: string): Promise<FakeEventSource> {
  let es: FakeEventSource | undefined;
  await waitFor(() => {
    es = FakeEventSource.instances.find((e) => e.url.startsWith(`/messages/${jobId}/events`) && !e.closed);
    expect(es).toBeDefined();
  });
  return es as FakeEventSource;
}

describe('App', () => {
  it('has the product title and the main controls', async () => {
    await renderApp();
    expect(screen.getByRole('heading', { name: 'Assistant' })).toBeInTheDocument();
    expect(screen.getByTestId('composer-input')).toBeInTheDocument();
    expect(screen.getByTestId('delete-chat-button')).toBeInTheDocument();
    expect(screen.getByTestId('new-chat-button')).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Conversations' })).toBeInTheDocument();
    expect(screen.getByTestId('profile-panel')).toBeInTheDocument();
    expect(screen.queryByTestId('offline-banner')).toBeNull();
  });

  it('shows the history and resumes streaming an unfinished reply', async () => {
    const finished = doneJob({ id: 'old-1', text: 'What is 2+2?' }, 'It is **4**.');
    const running = makeJob({ id: 'run-1', text: 'Tell me a story', status: 'processing' });
    backend.history = [finished, running];
    await renderApp();

    const users = await screen.findAllByTestId('message-user');
    expect(users.map((u) => u.textContent)).toEqual(['What is 2+2?', 'Tell me a story']);
    const replies = screen.getAllByTestId('message-assistant');
    expect(within(replies[0]).getByText('4').tagName).toBe('STRONG');
    expect(within(replies[0]).getByTestId('status-chip')).toHaveAttribute('data-status', 'done');
    expect(within(replies[1]).getByTestId('status-chip')).toHaveAttribute('data-status', 'processing');

    const es = await streamFor('run-1');
    expect(es.url).toBe('/messages/run-1/events');
    act(() => {
      es.emit('delta', 1, { text: 'Once upon ' });
      es.emit('delta', 2, { text: 'a time' });
    });
    expect(screen.getAllByTestId('message-assistant')[1]).toHaveTextContent('Once upon a time');
  });

  it('shows the message at once, streams the reply, then marks it done with its provider', async () => {
    backend.profile = { facts: [], summary: '' };
    const user = await renderApp();
    await user.type(screen.getByTestId('composer-input'), 'Hi, I am Alice{Enter}');

    // Optimistic: the bubble is there before the server answered anything about it.
    expect(screen.getByTestId('message-user')).toHaveTextContent('Hi, I am Alice');
    const post = await waitFor(() => {
      const reqs = messagePosts();
      expect(reqs).toHaveLength(1);
      return reqs[0];
    });
    // No conversation yet: the first message creates it.
    expect(backend.requestsTo('POST', '/conversations')).toHaveLength(1);
    expect(post.path).toBe('/conversations/conv-1/messages');
    expect(post.body).toEqual({ text: 'Hi, I am Alice' });
    expect(post.headers.get('Idempotency-Key')).toMatch(/[0-9a-f-]{36}/);

    const es = await streamFor('srv-1');
    const reply = screen.getByTestId('message-assistant');
    act(() => {
      es.open();
      es.emit('status', 1, { status: 'processing', job: null, error: null });
      es.emit('delta', 2, { text: 'Nice to meet ' });
    });
    expect(within(reply).getByTestId('status-chip')).toHaveAttribute('data-status', 'processing');
    expect(reply).toHaveTextContent('Nice to meet');

    backend.profile = {
      facts: [
        { key: 'name', value: 'Alice', confidence: 0.9, source_turn: 'srv-1', updated_at: '2024-05-01T10:00:00Z', edited: false },
      ],
      summary: '',
    };
    const profileCallsBefore = backend.requestsTo('GET', '/profile').length;
    const final = doneJob({ id: 'srv-1', text: 'Hi, I am Alice' }, 'Nice to meet you, Alice!');
    act(() => {
      es.emit('status', 3, { status: 'done', job: final, error: null });
    });
    expect(within(reply).getByTestId('status-chip')).toHaveAttribute('data-status', 'done');
    expect(within(reply).getByTestId('provider-badge')).toHaveTextContent('Gemini');
    expect(reply).toHaveTextContent('Nice to meet you, Alice!');
    expect(es.closed).toBe(true);

    // The profile is refreshed after the completed reply.
    await waitFor(() => expect(backend.requestsTo('GET', '/profile').length).toBe(profileCallsBefore + 1));
    expect(await within(screen.getByTestId('profile-panel')).findByText('Alice')).toBeInTheDocument();

    // Context view: tokens, reduction and the turns that were included.
    expect(screen.queryByTestId('context-view')).toBeNull();
    await user.click(within(reply).getByTestId('context-toggle'));
    const ctx = screen.getByTestId('context-view');
    expect(ctx).toHaveTextContent('900');
    expect(ctx).toHaveTextContent('5,000');
    expect(ctx).toHaveTextContent('82%');
    expect(ctx).toHaveTextContent('My name is Alice');
    expect(ctx).toHaveTextContent('Relevant');
    expect(ctx).toHaveTextContent('score 0.73');
    expect(within(reply).getByTestId('context-toggle')).toHaveAttribute('aria-expanded', 'true');
  });

  it('shows a discarded partial reply notice on restart', async () => {
    const user = await renderApp();
    await user.type(screen.getByTestId('composer-input'), 'Question{Enter}');
    const es = await streamFor('srv-1');
    act(() => {
      es.emit('delta', 1, { text: 'Broken partial' });
      es.emit('restart', 2, { failed_provider: 'gemini', reason: 'timeout' });
      es.emit('delta', 3, { text: 'Good answer' });
    });
    const reply = screen.getByTestId('message-assistant');
    expect(reply).not.toHaveTextContent('Broken partial');
    expect(reply).toHaveTextContent('Good answer');
    expect(reply).toHaveTextContent(/gemini stopped mid-reply/i);
  });

  it('marks fallback answers', async () => {
    backend.history = [
      doneJob({
        id: 'fb',
        text: 'hello',
        result: makeResult({ reply: 'Canned answer', provider: 'fallback', fallback: true }),
      }),
    ];
    await renderApp();
    const badge = await screen.findByTestId('provider-badge');
    expect(badge).toHaveAttribute('data-fallback', 'true');
    expect(badge).toHaveTextContent('Fallback reply');
    expect(screen.getByTestId('message-assistant')).toHaveTextContent(/fallback/i);
  });

  it("shows the server's message inline when a file is rejected", async () => {
    backend.fileAnswer = {
      status: 415,
      body: { success: false, error: 'Files of type .exe are not accepted', code: 'unsupported_type' },
    };
    const user = await renderApp();
    // Like a browser test's setInputFiles, bypass the picker's `accept` filter.
    const exe = new File(['MZ'], 'tool.exe', { type: 'application/octet-stream' });
    fireEvent.change(screen.getByTestId('file-input'), { target: { files: [exe] } });
    void user;
    const card = await screen.findByTestId('file-card');
    expect(card).toHaveTextContent('tool.exe');
    await waitFor(() => expect(XHR.instances).toHaveLength(1));
    await act(async () => XHR.instances[0].finish());
    expect(await screen.findByTestId('upload-error')).toHaveTextContent('Files of type .exe are not accepted');
    expect(screen.queryByTestId('message-assistant')).toBeNull();
  });

  it('refuses files over the size limit before uploading', async () => {
    const user = await renderApp();
    await user.upload(screen.getByTestId('file-input'), new File(['x'.repeat(2000)], 'big.txt', { type: 'text/plain' }));
    expect(await screen.findByTestId('upload-error')).toHaveTextContent(/maximum upload size/i);
    expect(XHR.instances).toHaveLength(0);
  });

  it('accepts a file dropped onto the chat and shows the allowed types while dragging', async () => {
    await renderApp();
    const chat = screen.getByRole('main', { name: 'Chat' });
    const file = new File(['hello'], 'dropped.txt', { type: 'text/plain' });
    const dataTransfer = { types: ['Files'], files: [file], dropEffect: 'none' };
    fireEvent.dragEnter(chat, { dataTransfer });
    expect(screen.getByText('Drop a file to analyse it')).toBeInTheDocument();
    expect(screen.getByText(/txt, pdf, png · up to 1000 B/)).toBeInTheDocument();
    fireEvent.drop(chat, { dataTransfer });
    expect(screen.queryByText('Drop a file to analyse it')).toBeNull();
    expect(await screen.findByTestId('file-card')).toHaveTextContent('dropped.txt');
    await waitFor(() => expect(XHR.instances).toHaveLength(1));
    expect(XHR.instances[0].url).toBe('/conversations/conv-1/files');
    expect(XHR.instances[0].body?.get('file')).toBeInstanceOf(File);
  });

  it('uploads with progress, then shows the file card followed by its analysis', async () => {
    const job = makeJob({
      id: 'file-1',
      kind: 'file',
      text: '',
      file: { name: 'notes.txt', media_type: 'text/plain', size_bytes: 5 },
    });
    backend.fileAnswer = { status: 202, body: { success: true, job_id: 'file-1', status: 'pending', job } };
    const user = await renderApp();
    await user.upload(screen.getByTestId('file-input'), new File(['hello'], 'notes.txt', { type: 'text/plain' }));
    await waitFor(() => expect(XHR.instances).toHaveLength(1));
    const xhr = XHR.instances[0];
    expect(xhr.headers['Idempotency-Key']).toBeTruthy();
    act(() => xhr.progress(3, 10));
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '30');
    await act(async () => xhr.finish());
    const es = await streamFor('file-1');
    expect(screen.queryByRole('progressbar')).toBeNull();
    act(() => {
      es.emit('status', 1, {
        status: 'done',
        job: { ...doneJob({}, 'This file contains a greeting.'), id: 'file-1', kind: 'file', text: '', file: job.file },
        error: null,
      });
    });
    const turn = screen.getByTestId('file-card').closest('li') as HTMLElement;
    expect(within(turn).getByTestId('message-assistant')).toHaveTextContent('This file contains a greeting.');
    // The completed analysis refreshes the profile too.
    await waitFor(() => expect(backend.requestsTo('GET', '/profile')).toHaveLength(2));
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
  });

  it('shows on the file card how far the server has read the file, until the reply starts', async () => {
    const file = { name: 'scan.pdf', media_type: 'application/pdf', size_bytes: 5 };
    const job = makeJob({ id: 'file-2', kind: 'file', text: '', file });
    backend.fileAnswer = { status: 202, body: { success: true, job_id: 'file-2', status: 'pending', job } };
    const user = await renderApp();
    await user.upload(screen.getByTestId('file-input'), new File(['%PDF-'], 'scan.pdf', { type: 'application/pdf' }));
    await waitFor(() => expect(XHR.instances).toHaveLength(1));
    await act(async () => XHR.instances[0].finish());
    const es = await streamFor('file-2');
    act(() => {
      es.emit('status', 1, { status: 'processing', job: null, error: null });
      es.emit('progress', 2, { text: 'reading page 3 of 12', done: 3, total: 12, at_ms: 1764690000000 });
    });
    const card = screen.getByTestId('file-card');
    expect(within(card).getByTestId('file-reading')).toHaveTextContent('reading page 3 of 12');
    expect(within(card).getByRole('progressbar', { name: 'Reading scan.pdf' })).toHaveAttribute('aria-valuenow', '3');
    act(() => es.emit('progress', 3, { text: 'reading page 4 of 12', done: 4, total: 12 }));
    expect(within(card).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '4');
    act(() => es.emit('delta', 4, { text: 'This scan is a contract.' }));
    expect(within(card).queryByTestId('file-reading')).toBeNull();
    expect(within(card).queryByRole('progressbar')).toBeNull();
    expect(screen.getByTestId('message-assistant')).toHaveTextContent('This scan is a contract.');
  });

  it('shows why a job failed and retries the same text with a new idempotency key', async () => {
    const user = await renderApp();
    await user.type(screen.getByTestId('composer-input'), 'Please answer{Enter}');
    const es = await streamFor('srv-1');
    const failed = makeJob({ id: 'srv-1', text: 'Please answer', status: 'error', error: 'All providers are unavailable' });
    act(() => es.emit('status', 1, { status: 'error', job: failed, error: failed.error }));
    const reply = screen.getByTestId('message-assistant');
    expect(within(reply).getByTestId('status-chip')).toHaveAttribute('data-status', 'error');
    expect(reply).toHaveTextContent('All providers are unavailable');

    await user.click(within(reply).getByRole('button', { name: /retry/i }));
    await waitFor(() => expect(messagePosts()).toHaveLength(2));
    const [first, second] = messagePosts();
    expect(second.body).toEqual({ text: 'Please answer' });
    expect(second.headers.get('Idempotency-Key')).not.toBe(first.headers.get('Idempotency-Key'));
    await streamFor('srv-2');
    expect(screen.getAllByTestId('message-user')).toHaveLength(1);
    expect(within(screen.getByTestId('message-assistant')).getByTestId('status-chip')).toHaveAttribute(
      'data-status',
      'pending',
    );
  });

  it('shows a rejected message with the server reason and a retry', async () => {
    backend.messageError = { status: 429, error: 'Too many messages, wait a minute' };
    const user = await renderApp();
    await user.type(screen.getByTestId('composer-input'), 'spam{Enter}');
    const reply = await screen.findByTestId('message-assistant');
    await waitFor(() => expect(reply).toHaveTextContent('Too many messages, wait a minute'));
    expect(within(reply).getByRole('button', { name: /retry/i })).toBeInTheDocument();
  });

  it('deletes the shown chat only after confirmation', async () => {
    backend.addConversation({ id: 'older', title: 'Older chat', jobs: [doneJob({ id: 'o', text: 'older message' })] });
    backend.addConversation({ id: 'shown', title: 'Shown chat', jobs: [doneJob({ id: 'a', text: 'first' })] });
    const user = await renderApp();
    await screen.findByText('first');

    await user.click(screen.getByTestId('delete-chat-button'));
    expect(screen.getByRole('alertdialog')).toHaveTextContent('“Shown chat” will be deleted');
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(backend.requestsTo('DELETE', '/conversations/shown')).toHaveLength(0);

    await user.click(screen.getByTestId('delete-chat-button'));
    await user.click(screen.getByTestId('confirm-delete'));
    await waitFor(() => expect(screen.queryByText('first')).toBeNull());
    expect(backend.requestsTo('DELETE', '/conversations/shown')).toHaveLength(1);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    // The next most recent chat is shown.
    expect(await screen.findByText('older message')).toBeInTheDocument();
    expect(screen.getByTestId('conversation-title')).toHaveTextContent('Older chat');
  });

  it('closes the delete dialog with Escape', async () => {
    backend.addConversation({ title: 'A chat' });
    const user = await renderApp();
    await user.click(screen.getByTestId('delete-chat-button'));
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('cannot delete a chat when there is none yet', async () => {
    await renderApp();
    expect(screen.getByTestId('delete-chat-button')).toBeDisabled();
  });

  it('shows a banner when the server cannot be reached, and hides it when it is back', async () => {
    backend.down = true;
    render(<App />);
    expect(await screen.findByTestId('offline-banner')).toHaveTextContent(/can.t reach the server/i);
    backend.down = false;
    await userEvent.click(screen.getByRole('button', { name: /retry now/i }));
    await waitFor(() => expect(screen.queryByTestId('offline-banner')).toBeNull());
    // Recovery reloads the conversations.
    await waitFor(() => expect(backend.requestsTo('GET', '/conversations').length).toBeGreaterThanOrEqual(2));
  });

  it('shows the banner when the browser goes offline', async () => {
    await renderApp();
    act(() => {
      window.dispatchEvent(new Event('offline'));
    });
    expect(screen.getByTestId('offline-banner')).toHaveTextContent(/offline/i);
    act(() => {
      window.dispatchEvent(new Event('online'));
    });
    await waitFor(() => expect(screen.queryByTestId('offline-banner')).toBeNull());
  });
});
