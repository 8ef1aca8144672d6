import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './client';
import { JobStream, type JobStreamOptions, type StreamSnapshot } from './events';
import { FakeEventSource, doneJob, makeJob } from '../test/fakes';
import type { Job } from '../types';

function setup(overrides: Partial<JobStreamOptions> = {}) {
  const updates: StreamSnapshot[] = [];
  const onFinal = vi.fn<(job: Job) => void>();
  const onRestart = vi.fn();
  const fetchJob = vi.fn<(id: string) => Promise<Job>>();
  const stream = new JobStream({
    jobId: 'job-1',
    eventSourceFactory: (url) => new FakeEventSource(url),
    fetchJob,
    onUpdate: (s) => updates.push(s),
    onFinal,
    onRestart,
    pollIntervalMs: 1000,
    reconnectDelayMs: 500,
    ...overrides,
  });
  return { stream, updates, onFinal, onRestart, fetchJob, last: () => updates[updates.length - 1] };
}

beforeEach(() => {
  FakeEventSource.reset();
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('JobStream', () => {
  it('opens the job event stream and applies status and deltas in order', () => {
    const { stream, last, onFinal } = setup();
    stream.start();
    const es = FakeEventSource.last();
    expect(es.url).toBe('/messages/job-1/events');
    es.open();
    es.emit('status', 1, { status: 'processing', job: null, error: null });
    expect(last().status).toBe('processing');
    es.emit('delta', 2, { text: 'Hel' });
    es.emit('delta', 3, { text: 'lo ' });
    es.emit('delta', 4, { text: 'world' });
    expect(last().text).toBe('Hello world');
    expect(last().lastSeq).toBe(4);
    expect(last().mode).toBe('live');
    expect(onFinal).not.toHaveBeenCalled();
  });

  it('finishes on the terminal status event, closes the stream and reports the full job', () => {
    const { stream, last, onFinal } = setup();
    stream.start();
    const es = FakeEventSource.last();
    es.emit('delta', 1, { text: 'Hi' });
    const job = doneJob({ id: 'job-1' }, 'Hi there!');
    es.emit('status', 2, { status: 'done', job, error: null });
    expect(onFinal).toHaveBeenCalledTimes(1);
    expect(onFinal).toHaveBeenCalledWith(job);
    expect(last().status).toBe('done');
    expect(last().text).toBe('Hi there!');
    expect(es.closed).toBe(true);
    expect(stream.isClosed).toBe(true);
    // Nothing is applied after the end.
    es.emit('delta', 3, { text: 'late' });
    expect(last().text).toBe('Hi there!');
  });

  it('ignores events it already applied (replays carry old seqs)', () => {
    const { stream, last } = setup();
    stream.start();
    const es = FakeEventSource.last();
    es.emit('delta', 1, { text: 'a' });
    es.emit('delta', 2, { text: 'b' });
    // Server replays from the start after a reconnect.
    es.emit('delta', 1, { text: 'a' });
    es.emit('delta', 2, { text: 'b' });
    es.emit('delta', 3, { text: 'c' });
    expect(last().text).toBe('abc');
    expect(last().lastSeq).toBe(3);
  });

  it('discards the partial reply on restart and streams the new one', () => {
    const { stream, last, onRestart, onFinal } = setup();
    stream.start();
    const es = FakeEventSource.last();
    es.emit('status', 1, { status: 'processing', job: null, error: null });
    es.emit('delta', 2, { text: 'Partial answer from gem' });
    expect(last().text).toBe('Partial answer from gem');
    es.emit('restart', 3, { failed_provider: 'gemini', reason: 'timeout' });
    expect(last().text).toBe('');
    expect(onRestart).toHaveBeenCalledWith({ failed_provider: 'gemini', reason: 'timeout' });
    es.emit('delta', 4, { text: 'Fresh ' });
    es.emit('delta', 5, { text: 'answer' });
    expect(last().text).toBe('Fresh answer');
    const job = doneJob({ id: 'job-1' }, 'Fresh answer');
    es.emit('status', 6, { status: 'done', job, error: null });
    expect(onFinal).toHaveBeenCalledWith(job);
  });

  it('dispatches reading progress until the first delta', () => {
    const { stream, last, updates } = setup();
    stream.start();
    const es = FakeEventSource.last();
    es.emit('status', 1, { status: 'processing', job: null, error: null });
    expect(last().progress).toBeNull();
    es.emit('progress', 2, { text: 'reading page 3 of 12', done: 3, total: 12, at_ms: 1764690000000 });
    expect(last()).toMatchObject({
      status: 'processing',
      lastSeq: 2,
      progress: { text: 'reading page 3 of 12', done: 3, total: 12, at_ms: 1764690000000 },
    });
    es.emit('progress', 3, { text: 'reading page 4 of 12', done: 4, total: 12 });
    expect(last().progress).toMatchObject({ text: 'reading page 4 of 12', done: 4, total: 12 });
    es.emit('delta', 4, { text: 'The report' });
    expect(last().progress).toBeNull();
    expect(last().text).toBe('The report');
    // A stray progress after the reply started does not bring the display back.
    const before = updates.length;
    es.emit('progress', 5, { text: 'reading page 5 of 12', done: 5, total: 12 });
    expect(updates).toHaveLength(before);
    expect(last().progress).toBeNull();
  });

  it('keeps progress with an unknown total as text only and ignores malformed progress', () => {
    const { stream, last } = setup();
    stream.start();
    const es = FakeEventSource.last();
    es.emit('progress', 1, { text: 'reading text in the image', done: 0, total: 0 });
    // A progress event implies the worker is processing.
    expect(last().status).toBe('processing');
    expect(last().progress).toMatchObject({ text: 'reading text in the image', done: 0, total: 0 });
    es.emit('progress', 2, 'not json');
    es.emit('progress', 3, { done: 1, total: 2 });
    expect(last().progress?.text).toBe('reading text in the image');
  });

  it('clears progress on restart and on the terminal status', () => {
    const { stream, last, onFinal } = setup();
    stream.start();
    const es = FakeEventSource.last();
    es.emit('progress', 1, { text: 'reading slide 2 of 5', done: 2, total: 5 });
    es.emit('restart', 2, { failed_provider: 'gemini', reason: 'timeout' });
    expect(last().progress).toBeNull();
    es.emit('progress', 3, { text: 'reading sheet 1 of 3', done: 1, total: 3 });
    expect(last().progress?.text).toBe('reading sheet 1 of 3');
    const job = makeJob({ id: 'job-1', status: 'error', error: 'Could not read the file' });
    es.emit('status', 4, { status: 'error', job, error: 'Could not read the file' });
    expect(onFinal).toHaveBeenCalledWith(job);
    expect(last().progress).toBeNull();
  });

  it('does not re-apply replayed progress after a reconnect', () => {
    const { stream, last, updates } = setup();
    stream.start();
    const es = FakeEventSource.last();
    es.emit('progress', 1, { text: 'reading page 1 of 2', done: 1, total: 2 });
    es.emit('progress', 2, { text: 'reading page 2 of 2', done: 2, total: 2 });
    es.fail(false);
    es.open();
    const before = updates.length;
    es.emit('progress', 1, { text: 'reading page 1 of 2', done: 1, total: 2 });
    expect(updates).toHaveLength(before);
    expect(last().progress).toMatchObject({ text: 'reading page 2 of 2', done: 2 });
  });

  it('lets the browser reconnect by itself (Last-Event-ID) while the EventSource is reconnecting', () => {
    const { stream, last } = setup();
    stream.start();
    const es = FakeEventSource.last();
    es.emit('delta', 1, { text: 'x' });
    es.fail(false);
    expect(last().mode).toBe('reconnecting');
    vi.advanceTimersByTime(10_000);
    // No second EventSource: the native one retries and sends Last-Event-ID.
    expect(FakeEventSource.instances).toHaveLength(1);
    es.open();
    es.emit('delta', 1, { text: 'x' }); // replayed, ignored
    es.emit('delta', 2, { text: 'y' });
    expect(last().text).toBe('xy');
    expect(last().mode).toBe('live');
  });

  it('opens a fresh stream resuming after the last seq when the EventSource gives up', () => {
    const { stream, last } = setup();
    stream.start();
    const first = FakeEventSource.last();
    first.emit('delta', 1, { text: 'Hello' });
    first.emit('delta', 2, { text: ', ' });
    first.fail(true);
    expect(first.closed).toBe(true);
    expect(FakeEventSource.instances).toHaveLength(1);
    vi.advanceTimersByTime(500);
    expect(FakeEventSource.instances).toHaveLength(2);
    const second = FakeEventSource.last();
    expect(second.url).toBe('/messages/job-1/events?after=2');
    // Events from the dead connection are ignored.
    first.emit('delta', 3, { text: 'stale' });
    second.emit('delta', 3, { text: 'world' });
    expect(last().text).toBe('Hello, world');
  });

  it('resumes with ?after= when created for a job already partly shown', () => {
    const { stream, last } = setup({ afterSeq: 7, initialText: 'Already ', initialStatus: 'processing' });
    stream.start();
    const es = FakeEventSource.last();
    expect(es.url).toBe('/messages/job-1/events?after=7');
    es.emit('delta', 8, { text: 'here' });
    expect(last().text).toBe('Already here');
  });

  it('falls back to polling after repeated stream failures, until the job is done', async () => {
    const { stream, fetchJob, onFinal, last } = setup({ maxStreamFailures: 3 });
    fetchJob
      .mockResolvedValueOnce(makeJob({ id: 'job-1', status: 'processing' }))
      .mockRejectedValueOnce(new ApiError('offline', 0))
      .mockResolvedValueOnce(doneJob({ id: 'job-1' }, 'Polled reply'));
    stream.start();
    const es = FakeEventSource.last();
    es.fail(false);
    es.fail(false);
    expect(fetchJob).not.toHaveBeenCalled();
    es.fail(false);
    expect(es.closed).toBe(true);
    expect(last().mode).toBe('polling');
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchJob).toHaveBeenCalledTimes(1);
    expect(last().status).toBe('processing');
    await vi.advanceTimersByTimeAsync(1000); // transient failure: keeps polling
    expect(fetchJob).toHaveBeenCalledTimes(2);
    expect(onFinal).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchJob).toHaveBeenCalledTimes(3);
    expect(onFinal).toHaveBeenCalledTimes(1);
    expect(last().text).toBe('Polled reply');
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetchJob).toHaveBeenCalledTimes(3);
  });

  it('polls straight away when EventSource is not available', async () => {
    const { stream, fetchJob, onFinal } = setup({ eventSourceFactory: null });
    fetchJob.mockResolvedValue(doneJob({ id: 'job-1' }));
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeEventSource.instances).toHaveLength(0);
    expect(fetchJob).toHaveBeenCalledWith('job-1');
    expect(onFinal).toHaveBeenCalledTimes(1);
  });

  it('gives up when polling finds the job gone (404)', async () => {
    const onGiveUp = vi.fn();
    const { stream, fetchJob, last } = setup({ eventSourceFactory: null, onGiveUp });
    fetchJob.mockRejectedValue(new ApiError('Job not found', 404));
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(onGiveUp).toHaveBeenCalledWith('Job not found');
    expect(last().status).toBe('error');
    expect(last().error).toBe('Job not found');
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetchJob).toHaveBeenCalledTimes(1);
  });

  it('fetches the job when the terminal status event does not carry it', async () => {
    const { stream, fetchJob, onFinal } = setup();
    const job = makeJob({ id: 'job-1', status: 'error', error: 'All providers failed' });
    fetchJob.mockResolvedValue(job);
    stream.start();
    FakeEventSource.last().emit('status', 1, { status: 'error', job: null, error: 'All providers failed' });
    await vi.advanceTimersByTimeAsync(0);
    expect(onFinal).toHaveBeenCalledWith(job);
  });

  it('stops calling back once closed', () => {
    const { stream, updates } = setup();
    stream.start();
    const es = FakeEventSource.last();
    stream.close();
    expect(es.closed).toBe(true);
    const before = updates.length;
    es.emit('delta', 1, { text: 'x' });
    expect(updates).toHaveLength(before);
  });
});
