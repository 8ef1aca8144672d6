/**
 * Event-stream client for one job: `GET /messages/{id}/events`.
 *
 * - Applies events in sequence order and drops any event whose seq it has
 *   already applied (the server replays after a reconnect).
 * - `delta` appends to the reply; `restart` discards the partial reply.
 * - `progress` (an uploaded file being read: OCR, pages, sheets) is kept as the
 *   latest one until the first `delta`, a `restart` or the end of the job.
 * - The browser's own EventSource reconnects send `Last-Event-ID`; when the
 *   EventSource gives up (closed) a fresh one is opened with `?after=<seq>`.
 * - After repeated failures without any event it falls back to polling
 *   `GET /messages/{id}` until the job is done or errored.
 *
 * EventSource, the job fetcher and the timers are injectable for tests.
 */
import { ApiError, eventsUrl, getJob } from './client';
import type { DeltaEventData, Job, JobStatus, ProgressEventData, RestartEventData, StatusEventData } from '../types';
import { isTerminal } from '../types';

/** The part of the EventSource interface this client uses. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((this: EventSource, ev: Event) => unknown) | null;
  onerror: ((this: EventSource, ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

/** EventSource.CLOSED; literal so it also works where EventSource is undefined (tests, old browsers). */
const ES_CLOSED = 2;

export type StreamMode = 'connecting' | 'live' | 'reconnecting' | 'polling' | 'closed';

export interface StreamSnapshot {
  status: JobStatus;
  /** The reply text streamed so far (or the final reply). */
  text: string;
  /** The seq of the last applied event (0 = none). */
  lastSeq: number;
  mode: StreamMode;
  /** The full job once the server sent it (terminal status event or a poll). */
  job: Job | null;
  error: string | null;
  /** The latest `progress` while the uploaded file is being read; null once the reply starts. */
  progress: ProgressEventData | null;
}

export interface JobStreamOptions {
  jobId: string;
  /** Seq already displayed: resume after it with `?after=` (0/undefined = replay everything). */
  afterSeq?: number;
  /** Text already displayed up to `afterSeq`. */
  initialText?: string;
  initialStatus?: JobStatus;
  /** Progress already displayed up to `afterSeq`. */
  initialProgress?: ProgressEventData | null;
  /** Called after every change with a fresh snapshot. */
  onUpdate?: (snapshot: StreamSnapshot) => void;
  /** A provider failed mid-stream; the partial text was discarded. */
  onRestart?: (info: RestartEventData) => void;
  /** The job reached done/error; the stream is closed afterwards. */
  onFinal?: (job: Job) => void;
  /** The job cannot be followed (e.g. 404 while polling); the stream is closed afterwards. */
  onGiveUp?: (message: string) => void;
  eventSourceFactory?: EventSourceFactory | null;
  fetchJob?: (id: string) => Promise<Job>;
  pollIntervalMs?: number;
  /** Consecutive stream failures (without any event in between) before polling. */
  maxStreamFailures?: number;
  /** Base delay before re-opening a closed EventSource (grows linearly with failures). */
  reconnectDelayMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

function defaultEventSourceFactory(): EventSourceFactory | null {
  if (typeof EventSource === 'undefined') return null;
  return (url) => new EventSource(url, { withCredentials: true }) as unknown as EventSourceLike;
}

function parseData<T>(event: MessageEvent): T | null {
  if (typeof event.data !== 'string') return null;
  try {
    return JSON.parse(event.data) as T;
  } catch {
    return null;
  }
}

export class JobStream {
  private readonly opts: JobStreamOptions;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly factory: EventSourceFactory | null;
  private readonly fetchJob: (id: string) => Promise<Job>;

  private es: EventSourceLike | null = null;
  private timer: unknown = null;
  private failures = 0;
  private stopped = false;
  private pollInFlight = false;

  private status: JobStatus;
  private text: string;
  private lastSeq: number;
  private mode: StreamMode = 'connecting';
  private job: Job | null = null;
  private error: string | null = null;
  private progress: ProgressEventData | null;

  constructor(options: JobStreamOptions) {
    this.opts = options;
    this.status = options.initialStatus ?? 'pending';
    this.text = options.initialText ?? '';
    this.lastSeq = options.afterSeq ?? 0;
    this.progress = options.initialProgress ?? null;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.factory = options.eventSourceFactory === undefined ? defaultEventSourceFactory() : options.eventSourceFactory;
    this.fetchJob = options.fetchJob ?? ((id) => getJob(id));
  }

  /** Open the stream (or start polling when no EventSource is available). */
  start(): this {
    if (this.stopped) return this;
    if (this.factory) this.open();
    else this.startPolling();
    return this;
  }

  /** Stop everything; no callback fires afterwards. */
  close(): void {
    this.stopped = true;
    this.teardownSource();
    this.cancelTimer();
    this.mode = 'closed';
  }

  snapshot(): StreamSnapshot {
    return {
      status: this.status,
      text: this.text,
      lastSeq: this.lastSeq,
      mode: this.mode,
      job: this.job,
      error: this.error,
      progress: this.progress,
    };
  }

  get isClosed(): boolean {
    return this.stopped;
  }

  /* -------------------------------------------------------------- */

  private emit(): void {
    if (!this.stopped) this.opts.onUpdate?.(this.snapshot());
  }

  private setMode(mode: StreamMode): void {
    if (this.mode === mode) return;
    this.mode = mode;
    this.emit();
  }

  private cancelTimer(): void {
    if (this.timer !== null) {
      this.clearTimer(this.timer);
      this.timer = null;
    }
  }

  private teardownSource(): void {
    if (this.es) {
      this.es.onopen = null;
      this.es.onerror = null;
      this.es.close();
      this.es = null;
    }
  }

  private open(): void {
    if (this.stopped || !this.factory) return;
    this.teardownSource();
    let es: EventSourceLike;
    try {
      es = this.factory(eventsUrl(this.opts.jobId, this.lastSeq));
    } catch {
      this.startPolling();
      return;
    }
    this.es = es;
    es.onopen = () => {
      if (this.es !== es) return;
      this.setMode('live');
    };
    es.onerror = () => {
      if (this.es !== es) return;
      this.handleStreamError(es);
    };
    const listen = (type: string, apply: (event: MessageEvent) => void) =>
      es.addEventListener(type, (event: MessageEvent) => {
        if (this.es !== es || this.stopped) return;
        this.handleEvent(event, apply);
      });
    listen('status', (e) => this.applyStatus(e));
    listen('delta', (e) => this.applyDelta(e));
    listen('restart', (e) => this.applyRestart(e));
    listen('progress', (e) => this.applyProgress(e));
  }

  private handleStreamError(es: EventSourceLike): void {
    if (this.stopped) return;
    this.failures += 1;
    const limit = this.opts.maxStreamFailures ?? 3;
    if (this.failures >= limit) {
      this.teardownSource();
      this.startPolling();
      return;
    }
    this.setMode('reconnecting');
    if (es.readyState === ES_CLOSED) {
      // The browser gave up on this EventSource: open a fresh one that
      // resumes after the last applied seq.
      this.teardownSource();
      this.cancelTimer();
      const delay = (this.opts.reconnectDelayMs ?? 1000) * this.failures;
      this.timer = this.setTimer(() => {
        this.timer = null;
        this.open();
      }, delay);
    }
    // Otherwise (CONNECTING) the EventSource reconnects by itself and sends Last-Event-ID.
  }

  private handleEvent(event: MessageEvent, apply: (event: MessageEvent) => void): void {
    const seq = Number.parseInt(event.lastEventId, 10);
    if (Number.isFinite(seq)) {
      // Already applied (replayed after a reconnect): ignore.
      if (seq <= this.lastSeq) return;
      this.lastSeq = seq;
    }
    this.failures = 0;
    if (this.mode !== 'live') this.mode = 'live';
    apply(event);
  }

  private applyStatus(event: MessageEvent): void {
    const data = parseData<StatusEventData>(event);
    if (!data || typeof data.status !== 'string') return;
    this.status = data.status;
    if (data.error) this.error = data.error;
    if (data.job) {
      this.job = data.job;
      if (data.job.error) this.error = data.job.error;
    }
    if (isTerminal(data.status)) {
      this.progress = null;
      if (data.job?.result?.reply !== undefined && data.job.result !== null) this.text = data.job.result.reply;
      this.finish(data.job);
      return;
    }
    this.emit();
  }

  private applyDelta(event: MessageEvent): void {
    const data = parseData<DeltaEventData>(event);
    if (!data || typeof data.text !== 'string') return;
    this.text += data.text;
    this.progress = null;
    if (this.status === 'pending') this.status = 'processing';
    this.emit();
  }

  private applyProgress(event: MessageEvent): void {
    const data = parseData<ProgressEventData>(event);
    if (!data || typeof data.text !== 'string') return;
    // The reply has started: the file has been read already.
    if (this.text) return;
    const count = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0);
    this.progress = {
      text: data.text,
      done: count(data.done),
      total: count(data.total),
      ...(typeof data.at_ms === 'number' ? { at_ms: data.at_ms } : {}),
    };
    if (this.status === 'pending') this.status = 'processing';
    this.emit();
  }

  private applyRestart(event: MessageEvent): void {
    const data = parseData<RestartEventData>(event) ?? { failed_provider: '', reason: '' };
    this.text = '';
    this.progress = null;
    this.emit();
    if (!this.stopped) this.opts.onRestart?.(data);
  }

  /** Terminal state: close the stream, fetching the full job if the event lacked it. */
  private finish(job: Job | null): void {
    this.teardownSource();
    this.cancelTimer();
    if (job) {
      this.complete(job);
      return;
    }
    // A terminal status without the job: fetch it once (polling handles failures).
    this.startPolling();
  }

  private complete(job: Job): void {
    if (this.stopped) return;
    this.job = job;
    this.status = job.status;
    if (job.result && typeof job.result.reply === 'string') this.text = job.result.reply;
    if (job.error) this.error = job.error;
    this.progress = null;
    this.mode = 'closed';
    this.emit();
    this.stopped = true;
    this.opts.onFinal?.(job);
  }

  /** The job cannot be followed any more (e.g. it no longer exists). */
  private fail(message: string): void {
    if (this.stopped) return;
    this.teardownSource();
    this.cancelTimer();
    this.status = 'error';
    this.error = message;
    this.progress = null;
    this.mode = 'closed';
    this.emit();
    this.stopped = true;
    this.opts.onGiveUp?.(message);
  }

  /* ---------------------------- polling ---------------------------- */

  private startPolling(): void {
    if (this.stopped) return;
    this.teardownSource();
    this.cancelTimer();
    // Polling cannot follow the reading progress: drop it rather than show a stale one.
    this.progress = null;
    this.setMode('polling');
    void this.poll();
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.cancelTimer();
    this.timer = this.setTimer(() => {
      this.timer = null;
      void this.poll();
    }, this.opts.pollIntervalMs ?? 1000);
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.pollInFlight) return;
    this.pollInFlight = true;
    let job: Job | null = null;
    let fatal: string | null = null;
    try {
      job = await this.fetchJob(this.opts.jobId);
    } catch (err) {
      // Network trouble, 429 and 5xx are transient: try again on the next tick.
      // Any other client error (e.g. 404: the job is gone) will not get better.
      const status = err instanceof ApiError ? err.status : 0;
      if (status >= 400 && status < 500 && status !== 429 && status !== 408) {
        fatal = err instanceof Error ? err.message : 'The job could not be loaded.';
      }
    } finally {
      this.pollInFlight = false;
    }
    if (this.stopped) return;
    if (fatal !== null) {
      this.fail(fatal);
      return;
    }
    if (job) {
      if (isTerminal(job.status)) {
        this.complete(job);
        return;
      }
      if (job.status !== this.status) {
        this.status = job.status;
        this.job = job;
        this.emit();
      }
    }
    this.schedulePoll();
  }
}

/** Convenience: create and start a stream. */
export function watchJob(options: JobStreamOptions): JobStream {
  return new JobStream(options).start();
}
