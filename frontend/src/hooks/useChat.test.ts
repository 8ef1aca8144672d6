/** useChat's parts working together: streams, history resume, clear, retry, dismiss, unmount. */
import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from '../api/client';
import type { JobStream, JobStreamOptions } from '../api/events';
import { makeJob } from '../test/fakes';
import type { AppConfig, Job, JobAccepted } from '../types';
import { useChat } from './useChat';

vi.mock('../api/client', async (importOriginal) => {
  const original = await importOriginal<typeof import('../api/client')>();
  return { ...original, getHistory: vi.fn(), postMessage: vi.fn(), uploadFile: vi.fn(), clearChat: vi.fn() };
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

async function renderChat() {
  const hook = renderHook(() => useChat({ config: CONFIG, streamFactory }));
  await waitFor(() => expect(hook.result.current.historyState).toBe('ready'));
  return hook;
}

beforeEach(() => {
  streams = [];
  vi.mocked(api.getHistory).mockResolvedValue([]);
  vi.mocked(api.clearChat).mockResolvedValue(0);
});

afterEach(() => {
  vi.clearAllMocks();
});

describe('useChat', () => {
  it('resumes unfinished jobs from the history, not finished ones', async () => {
    vi.mocked(api.getHistory).mockResolvedValue([
      makeJob({ id: 'done-1', status: 'done' }),
      makeJob({ id: 'live-1', status: 'processing' }),
    ]);
    const { result } = await renderChat();
    expect(result.current.turns.map((t) => t.jobId)).toEqual(['done-1', 'live-1']);
    expect(streams.map((s) => s.options.jobId)).toEqual(['live-1']);
    expect(streams[0].options).toMatchObject({ afterSeq: 0, initialText: '', initialStatus: 'processing' });
    expect(streams[0].start).toHaveBeenCalledOnce();
  });

  it('follows an accepted message and closes its stream on unmount', async () => {
    vi.mocked(api.postMessage).mockResolvedValue(acceptedJob(makeJob({ id: 'm-1' })));
    const { result, unmount } = await renderChat();
    act(() => result.current.sendMessage('Hello'));
    await waitFor(() => expect(streams).toHaveLength(1));
    expect(streams[0].options.jobId).toBe('m-1');
    expect(result.current.turns[0]).toMatchObject({ jobId: 'm-1', phase: 'pending', text: 'Hello' });
    unmount();
    expect(streams[0].close).toHaveBeenCalled();
  });

  it('ignores an answer that arrives after the chat was cleared', async () => {
    const answer = deferred<JobAccepted>();
    vi.mocked(api.postMessage).mockReturnValue(answer.promise);
    const { result } = await renderChat();
    act(() => result.current.sendMessage('Hello'));
    expect(result.current.turns).toHaveLength(1);
    await act(() => result.current.clear());
    expect(result.current.turns).toEqual([]);
    await act(async () => answer.resolve(acceptedJob(makeJob({ id: 'late' }))));
    expect(result.current.turns).toEqual([]);
    expect(streams).toHaveLength(0);
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
    expect(signals).toHaveLength(2);
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
