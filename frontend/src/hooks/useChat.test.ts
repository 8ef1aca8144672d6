/** useChat's parts working together: streams, history pages and resume, conversations, retry, dismiss, unmount. */
import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from '../api/client';
import type { JobStream, JobStreamOptions } from '../api/events';
import { doneJob, makeJob } from '../test/fakes';
import type { AppConfig, Conversation, Job, JobAccepted } from '../types';
import { useChat, type UseChatOptions } from './useChat';

vi.mock('../api/client', async (importOriginal) => {
  const original = await importOriginal<typeof import('../api/client')>();
  return {
    ...original,
    listMessages: vi.fn(),
    postConversationMessage: vi.fn(),
    uploadFile: vi.fn(),
    createConversation: vi.fn(),
  };
});

const CONFIG: AppConfig = { max_upload_bytes: 1000, allowed_extensions: ['txt'], max_message_chars: 8000 };

interface FakeStream {
  options: JobStreamOptions;
  start: ReturnType<typeof vi.fn>;
  close: ReturnType<typeof vi.fn>;
}

let streams: FakeStream[];
const streamFactory = (options: JobStreamOptions) => {
  const stream: FakeStream = { options, start: vi.fn(), close: vi.fn() };
  streams.push(stream);
  return stream as unknown as JobStream;
};

function acceptedJob(job: Job): JobAccepted {
  return { success: true, job_id: job.id, status: job.status, job };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function conversation(id: string): Conversation {
  const at = '2024-05-01T10:00:00.000Z';
  return { id, title: '', created_at: at, updated_at: at, message_count: 0 };
}

type Props = Partial<Omit<UseChatOptions, 'config' | 'streamFactory'>>;

async function renderChat(props: Props = { conversationId: 'c1' }) {
  const hook = renderHook((p: Props) => useChat({ config: CONFIG, streamFactory, conversationId: undefined, ...p }), {
    initialProps: props,
  });
  await waitFor(() => expect(hook.result.current.historyState).toBe('ready'));
  return hook;
}

beforeEach(() => {
  streams = [];
  vi.mocked(api.listMessages).mockResolvedValue({ items: [], nextCursor: null });
});

afterEach(() => {
  vi.clearAllMocks();
});

describe('useChat', () => {
  it('resumes unfinished jobs from the history, not finished ones', async () => {
    vi.mocked(api.listMessages).mockResolvedValue({
      items: [makeJob({ id: 'done-1', status: 'done' }), makeJob({ id: 'live-1', status: 'processing' })],
      nextCursor: null,
    });
    const { result } = await renderChat();
    expect(api.listMessages).toHaveBeenCalledWith('c1');
    expect(result.current.turns.map((t) => t.jobId)).toEqual(['done-1', 'live-1']);
    expect(streams.map((s) => s.options.jobId)).toEqual(['live-1']);
    expect(streams[0].options).toMatchObject({ afterSeq: 0, initialText: '', initialStatus: 'processing' });
    expect(streams[0].start).toHaveBeenCalledOnce();
  });

  it('posts to the shown conversation, follows the accepted message and closes its stream on unmount', async () => {
    vi.mocked(api.postConversationMessage).mockResolvedValue(acceptedJob(makeJob({ id: 'm-1' })));
    const onSubmitted = vi.fn();
    const { result, unmount } = await renderChat({ conversationId: 'c1', onSubmitted });
    act(() => result.current.sendMessage('Hello'));
    await waitFor(() => expect(streams).toHaveLength(1));
    expect(vi.mocked(api.postConversationMessage).mock.calls[0].slice(0, 2)).toEqual(['c1', 'Hello']);
    expect(onSubmitted).toHaveBeenCalledWith('c1');
    expect(streams[0].options.jobId).toBe('m-1');
    expect(result.current.turns[0]).toMatchObject({ jobId: 'm-1', phase: 'pending', text: 'Hello' });
    unmount();
    expect(streams[0].close).toHaveBeenCalled();
  });

  it('shows another conversation without anything of the first: its stream closes, late answers are ignored', async () => {
    vi.mocked(api.listMessages).mockImplementation(async (id) =>
      id === 'c1'
        ? { items: [makeJob({ id: 'a-1', text: 'In A', status: 'processing', conversation_id: 'c1' })], nextCursor: null }
        : { items: [doneJob({ id: 'b-1', text: 'In B', conversation_id: 'c2' }, 'B reply')], nextCursor: null },
    );
    const answer = deferred<JobAccepted>();
    vi.mocked(api.postConversationMessage).mockReturnValue(answer.promise);
    const { result, rerender } = await renderChat({ conversationId: 'c1' });
    expect(streams.map((s) => s.options.jobId)).toEqual(['a-1']);
    act(() => result.current.sendMessage('Also in A'));
    expect(result.current.turns.map((t) => t.text)).toEqual(['In A', 'Also in A']);

    rerender({ conversationId: 'c2' });
    expect(result.current.turns).toEqual([]);
    expect(streams[0].close).toHaveBeenCalled();
    await waitFor(() => expect(result.current.turns.map((t) => t.text)).toEqual(['In B']));

    // A's reply keeps streaming into a closed stream, and A's post is answered: B stays B.
    const onUpdate = streams[0].options.onUpdate;
    expect(onUpdate).toBeTypeOf('function');
    act(() => {
      onUpdate?.({
        status: 'processing',
        text: 'A reply',
        lastSeq: 1,
        mode: 'live',
        job: null,
        error: null,
        progress: null,
      });
    });
    await act(async () => answer.resolve(acceptedJob(makeJob({ id: 'a-2', conversation_id: 'c1' }))));
    expect(result.current.turns.map((t) => t.text)).toEqual(['In B']);
    expect(result.current.turns[0].reply).toBe('B reply');
    expect(streams).toHaveLength(1);
  });

  it('creates the conversation for the first send when there is none, once for sends in a row', async () => {
    const created = deferred<Conversation>();
    vi.mocked(api.createConversation).mockReturnValue(created.promise);
    vi.mocked(api.postConversationMessage).mockImplementation(async (_id, text) =>
      acceptedJob(makeJob({ id: `m-${text}`, text, conversation_id: 'new-1' })),
    );
    const onConversationCreated = vi.fn();
    const { result, rerender } = await renderChat({ conversationId: null, onConversationCreated });
    expect(api.listMessages).not.toHaveBeenCalled();
    act(() => result.current.sendMessage('one'));
    act(() => result.current.sendMessage('two'));
    await act(async () => created.resolve(conversation('new-1')));
    await waitFor(() => expect(api.postConversationMessage).toHaveBeenCalledTimes(2));
    expect(api.createConversation).toHaveBeenCalledTimes(1);
    expect(vi.mocked(api.postConversationMessage).mock.calls.map((c) => c[0])).toEqual(['new-1', 'new-1']);
    expect(onConversationCreated).toHaveBeenCalledWith(conversation('new-1'), true);

    // Selecting it (as the app does) keeps what is on screen.
    rerender({ conversationId: 'new-1', onConversationCreated });
    await waitFor(() => expect(result.current.turns.map((t) => t.jobId)).toEqual(['m-one', 'm-two']));
    expect(result.current.turns.map((t) => t.text)).toEqual(['one', 'two']);
  });

  it('loads earlier messages before the ones shown, until the first one', async () => {
    vi.mocked(api.listMessages).mockImplementation(async (_id, params) =>
      params?.cursor === 'older'
        ? { items: [makeJob({ id: 'j1', status: 'done' }), makeJob({ id: 'j2', status: 'done' })], nextCursor: null }
        : { items: [makeJob({ id: 'j3', status: 'done' }), makeJob({ id: 'j4', status: 'done' })], nextCursor: 'older' },
    );
    const { result } = await renderChat();
    expect(result.current.turns.map((t) => t.jobId)).toEqual(['j3', 'j4']);
    expect(result.current.hasEarlier).toBe(true);
    await act(() => result.current.loadEarlier());
    expect(api.listMessages).toHaveBeenLastCalledWith('c1', { cursor: 'older' });
    expect(result.current.turns.map((t) => t.jobId)).toEqual(['j1', 'j2', 'j3', 'j4']);
    expect(result.current.hasEarlier).toBe(false);
    // Nothing further back: no more requests.
    await act(() => result.current.loadEarlier());
    expect(api.listMessages).toHaveBeenCalledTimes(2);
  });

  it('aborts an upload in flight on dismiss, and every upload on unmount', async () => {
    const signals: AbortSignal[] = [];
    vi.mocked(api.uploadFile).mockImplementation((_file, options) => {
      if (options.signal) signals.push(options.signal);
      return new Promise<JobAccepted>(() => {});
    });
    const { result, unmount } = await renderChat();
    act(() => result.current.uploadFile(new File(['a'], 'a.txt')));
    act(() => result.current.uploadFile(new File(['b'], 'b.txt')));
    await waitFor(() => expect(signals).toHaveLength(2));
    expect(vi.mocked(api.uploadFile).mock.calls.map((c) => c[1].conversationId)).toEqual(['c1', 'c1']);
    act(() => result.current.dismiss(result.current.turns[0].localId));
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
    expect(result.current.turns.map((t) => t.file?.name)).toEqual(['b.txt']);
    unmount();
    expect(signals[1].aborted).toBe(true);
  });

  it('retries a failed upload with the same file and a new idempotency key', async () => {
    vi.mocked(api.uploadFile)
      .mockRejectedValueOnce(new api.ApiError('The service is temporarily unavailable.', 503, 'service_unavailable'))
      .mockResolvedValueOnce(acceptedJob(makeJob({ id: 'f-1', kind: 'file' })));
    const file = new File(['hello'], 'notes.txt', { type: 'text/plain' });
    const { result } = await renderChat();
    act(() => result.current.uploadFile(file));
    await waitFor(() => expect(result.current.turns[0].phase).toBe('error'));
    const turn = result.current.turns[0];
    expect(result.current.canRetry(turn)).toBe(true);
    act(() => result.current.retry(turn.localId));
    await waitFor(() => expect(streams.map((s) => s.options.jobId)).toEqual(['f-1']));
    const [first, second] = vi.mocked(api.uploadFile).mock.calls;
    expect(second[0]).toBe(file);
    expect(second[1].idempotencyKey).not.toBe(first[1].idempotencyKey);
  });

  it('refuses a file over the size limit without uploading it, and cannot retry it', async () => {
    const { result } = await renderChat();
    act(() => result.current.uploadFile(new File(['x'.repeat(2000)], 'big.txt')));
    const turn = result.current.turns[0];
    expect(turn.phase).toBe('rejected');
    expect(turn.error).toMatch(/^File too large/);
    expect(result.current.canRetry(turn)).toBe(false);
    expect(api.uploadFile).not.toHaveBeenCalled();
  });
});
