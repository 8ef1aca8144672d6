/** Test doubles: a controllable EventSource and job factories (typed by the generated API types). */
import type { EventSourceLike } from '../api/events';
import type { Job, JobResult } from '../types';

type Listener = (event: MessageEvent) => void;

export class FakeEventSource implements EventSourceLike {
  static instances: FakeEventSource[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;

  readonly url: string;
  readyState = 0;
  closed = false;
  onopen: ((this: EventSource, ev: Event) => unknown) | null = null;
  onerror: ((this: EventSource, ev: Event) => unknown) | null = null;
  private listeners = new Map<string, Listener[]>();

  constructor(url: string) {
    this.url = url;
    FakeEventSource.instances.push(this);
  }

  static reset(): void {
    FakeEventSource.instances = [];
  }

  static last(): FakeEventSource {
    const es = FakeEventSource.instances[FakeEventSource.instances.length - 1];
    if (!es) throw new Error('no EventSource was opened');
    return es;
  }

  addEventListener(type: string, listener: Listener): void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener);
    this.listeners.set(type, list);
  }

  removeEventListener(): void {}

  close(): void {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }

  open(): void {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.call(this as unknown as EventSource, new Event('open'));
  }

  /** Deliver one server-sent event. */
  emit(type: string, seq: number | null, data: unknown): void {
    const event = new MessageEvent(type, {
      data: typeof data === 'string' ? data : JSON.stringify(data),
      lastEventId: seq === null ? '' : String(seq),
    });
    for (const l of this.listeners.get(type) ?? []) l(event);
  }

  /** Simulate a connection error; `closed` = the browser gave up (no auto-reconnect). */
  fail(closed = false): void {
    this.readyState = closed ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING;
    this.onerror?.call(this as unknown as EventSource, new Event('error'));
  }
}

let counter = 0;

export function makeJob(overrides: Partial<Job> = {}): Job {
  counter += 1;
  const now = new Date('2024-05-01T10:00:00Z').toISOString();
  return {
    id: overrides.id ?? `job-${counter}`,
    conversation_id: 'conv-1',
    parent_id: null,
    alternative_ids: [],
    kind: 'message',
    status: 'pending',
    text: 'Hello',
    file: null,
    result: null,
    error: null,
    attempts: 1,
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

export function makeResult(overrides: Partial<JobResult> = {}): JobResult {
  return {
    reply: 'Hi there!',
    provider: 'gemini',
    model: 'gemini-2.0-flash',
    fallback: false,
    stopped: false,
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    latency_ms: 1200,
    first_token_ms: 200,
    context: {
      full_history_tokens: 5000,
      context_tokens: 900,
      reduction_ratio: 0.82,
      turns_total: 40,
      summary_used: true,
      selected: [
        { turn_id: 't1', score: 0.73, reason: 'relevance', tokens: 40, preview: 'My name is Alice' },
        { turn_id: 't2', score: 0.5, reason: 'pinned-recent', tokens: 20, preview: 'What is the weather?' },
      ],
    },
    ...overrides,
  };
}

export function doneJob(overrides: Partial<Job> = {}, reply = 'Hi there!'): Job {
  return makeJob({ status: 'done', result: makeResult({ reply }), ...overrides });
}
