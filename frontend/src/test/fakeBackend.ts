/** An in-memory stand-in for the gateway, for App-level tests (fetch + XHR); its answers are typed by the generated API types. */
import { vi } from 'vitest';
import type {
  ClearedOut,
  ConfigOut,
  ErrorCode,
  ErrorOut,
  HistoryOut,
  Job,
  JobAccepted,
  JobEnvelope,
  Profile,
  ProfileOut,
} from '../types';
import { makeJob } from './fakes';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Headers;
  body: unknown;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function error(status: number, message: string, code: ErrorCode): Response {
  return json(status, { success: false, error: message, code } satisfies ErrorOut);
}

export const FAKE_CONFIG: ConfigOut = {
  success: true,
  max_upload_bytes: 1000,
  allowed_extensions: ['txt', 'pdf', 'png'],
  max_message_chars: 8000,
  local_model: '',
  local_model_title: '',
  file_limits: {
    max_chars: 20000,
    max_pages: 50,
    max_ocr_pages: 20,
    ocr_min_chars: 20,
    max_render_pixels: 2500000,
    max_image_pixels: 40000000,
    max_rows: 500,
    max_expanded_bytes: 104857600,
  },
};

export class FakeBackend {
  history: Job[] = [];
  profile: Profile = { facts: [], summary: '' };
  requests: RecordedRequest[] = [];
  /** When set, every fetch fails like a dead network. */
  down = false;
  /** Next POST /messages answers with this error instead of a job. */
  messageError: { status: number; error: string; code?: ErrorCode } | null = null;
  /** Answer for POST /files. */
  fileAnswer: { status: number; body: JobAccepted | ErrorOut } | null = null;
  jobsById = new Map<string, Job>();
  private seq = 0;

  fetch = vi.fn(async (input: string, init: RequestInit = {}): Promise<Response> => {
    const method = (init.method ?? 'GET').toUpperCase();
    const url = String(input);
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body;
    this.requests.push({ method, url, headers: new Headers(init.headers), body });
    if (this.down) throw new TypeError('Failed to fetch');
    if (url === '/config') return json(200, FAKE_CONFIG);
    if (url === '/chat/history') return json(200, { success: true, items: this.history } satisfies HistoryOut);
    if (url === '/chat/profile') return json(200, { success: true, profile: this.profile } satisfies ProfileOut);
    if (url === '/chat/clear' && method === 'DELETE') {
      const cleared = this.history.length;
      this.history = [];
      return json(200, { success: true, cleared } satisfies ClearedOut);
    }
    if (url === '/messages' && method === 'POST') {
      if (this.messageError) {
        const e = this.messageError;
        this.messageError = null;
        return error(e.status, e.error, e.code ?? 'invalid_request');
      }
      this.seq += 1;
      const job = makeJob({ id: `srv-${this.seq}`, text: (body as { text: string }).text, status: 'pending' });
      this.jobsById.set(job.id, job);
      this.history.push(job);
      return json(202, { success: true, job_id: job.id, status: 'pending', job } satisfies JobAccepted);
    }
    const m = /^\/messages\/([^/]+)$/.exec(url);
    if (m && method === 'GET') {
      const job = this.jobsById.get(decodeURIComponent(m[1]));
      return job ? json(200, { success: true, job } satisfies JobEnvelope) : error(404, 'Job not found', 'job_not_found');
    }
    return error(404, `No route ${method} ${url}`, 'not_found');
  });

  requestsTo(method: string, url: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.url === url);
  }
}

/** XMLHttpRequest double answering POST /files from the backend's `fileAnswer`. */
export function makeFakeXHR(backend: FakeBackend) {
  return class FakeXHR {
    static instances: FakeXHR[] = [];
    status = 0;
    responseText = '';
    withCredentials = false;
    headers: Record<string, string> = {};
    upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    body: FormData | null = null;
    constructor() {
      FakeXHR.instances.push(this);
    }
    open() {}
    setRequestHeader(k: string, v: string) {
      this.headers[k] = v;
    }
    send(body: FormData) {
      this.body = body;
    }
    abort() {
      this.onabort?.();
    }
    progress(loaded: number, total: number) {
      this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
    }
    finish() {
      const answer = backend.fileAnswer ?? { status: 500, body: { success: false, error: 'no answer set', code: 'internal_error' } };
      this.status = answer.status;
      this.responseText = JSON.stringify(answer.body);
      this.onload?.();
    }
  };
}
