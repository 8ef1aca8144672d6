import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  DEFAULT_CONFIG,
  editMessage,
  errorCodeFromBody,
  eventsUrl,
  exportConversation,
  exportUrl,
  filenameFromDisposition,
  getConfig,
  getHistory,
  newIdempotencyKey,
  onReachability,
  postMessage,
  regenerateMessage,
  selectMessage,
  stopMessage,
  uploadFile,
} from './client';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

class FakeXHR {
  static last: FakeXHR;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  status = 0;
  responseText = '';
  withCredentials = false;
  body: unknown = null;
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXHR.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('REST client', () => {
  it('posts a message as JSON with an Idempotency-Key', async () => {
    const fetchMock = vi.fn(async () => jsonResponse(202, { success: true, job_id: 'j1', status: 'pending', job: { id: 'j1' } }));
    const res = await postMessage('hi', 'key-1', fetchMock);
    expect(res.job_id).toBe('j1');
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/messages');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(JSON.parse(init.body as string)).toEqual({ text: 'hi' });
    const headers = new Headers(init.headers);
    expect(headers.get('Idempotency-Key')).toBe('key-1');
    expect(headers.get('Content-Type')).toBe('application/json');
  });

  it('surfaces the server error message and status', async () => {
    const fetchMock = vi.fn(async () => jsonResponse(429, { success: false, error: 'Slow down: 5 messages per minute' }));
    const err = await postMessage('hi', 'k', fetchMock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(429);
    expect((err as ApiError).message).toBe('Slow down: 5 messages per minute');
  });

  it("exposes the error body's code alongside status and message", async () => {
    const fetchMock = vi.fn(async () =>
      jsonResponse(429, { success: false, error: 'Too many messages, wait a minute', code: 'rate_limited' }),
    );
    const err = await postMessage('hi', 'k', fetchMock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, message: 'Too many messages, wait a minute', code: 'rate_limited' });
  });

  it('keeps the code of a success: false answer sent with HTTP 200', async () => {
    const fetchMock = vi.fn(async () => jsonResponse(200, { success: false, error: 'No such job', code: 'job_not_found' }));
    const err = await getHistory(fetchMock).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, message: 'No such job', code: 'job_not_found' });
  });

  it('has a null code when the body has none, is not JSON, or never arrived', async () => {
    const noCode = await postMessage('hi', 'k', vi.fn(async () => jsonResponse(422, { detail: [{ msg: 'Field required' }] })))
      .catch((e: unknown) => e);
    expect(noCode).toMatchObject({ status: 422, message: 'Field required', code: null });
    const html = await getHistory(vi.fn(async () => new Response('<html>Bad gateway</html>', { status: 502 })))
      .catch((e: unknown) => e);
    expect(html).toMatchObject({ status: 502, code: null });
    const offline = await getHistory(
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).catch((e: unknown) => e);
    expect(offline).toMatchObject({ status: 0, code: null });
    expect(new ApiError('x', 500).code).toBeNull();
  });

  it('reads only a non-empty string code', () => {
    expect(errorCodeFromBody({ success: false, error: 'x', code: 'not_found' })).toBe('not_found');
    expect(errorCodeFromBody({ code: 'a_code_this_ui_does_not_know' })).toBe('a_code_this_ui_does_not_know');
    expect(errorCodeFromBody({ code: 404 })).toBeNull();
    expect(errorCodeFromBody({ code: ' ' })).toBeNull();
    expect(errorCodeFromBody(null)).toBeNull();
    expect(errorCodeFromBody('rate_limited')).toBeNull();
  });

  it('turns network failures into status-0 errors and reports the server unreachable', async () => {
    const seen: boolean[] = [];
    const off = onReachability((r) => seen.push(r));
    const fetchMock = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const err = await getHistory(fetchMock).catch((e: unknown) => e);
    expect((err as ApiError).isNetworkError).toBe(true);
    expect(seen).toEqual([false]);
    await getHistory(vi.fn(async () => jsonResponse(200, { success: true, items: [] })));
    expect(seen).toEqual([false, true]);
    off();
  });

  it('normalises the config', async () => {
    const cfg = await getConfig(
      vi.fn(async () =>
        jsonResponse(200, { success: true, max_upload_bytes: 5, allowed_extensions: ['.PDF', 'txt'], max_message_chars: 9 }),
      ),
    );
    expect(cfg).toEqual({ max_upload_bytes: 5, allowed_extensions: ['pdf', 'txt'], max_message_chars: 9 });
  });

  it('passes the file limits through, keeping only numbers', async () => {
    const cfg = await getConfig(
      vi.fn(async () =>
        jsonResponse(200, {
          success: true,
          max_upload_bytes: 5,
          allowed_extensions: ['xlsx', 'pptx', 'htm'],
          max_message_chars: 9,
          file_limits: { max_pages: 50, max_rows: 500, max_chars: 'many', unknown_limit: 3 },
        }),
      ),
    );
    expect(cfg.allowed_extensions).toEqual(['xlsx', 'pptx', 'htm']);
    expect(cfg.file_limits).toEqual({ max_pages: 50, max_rows: 500 });
  });

  it('falls back to the gateway extension list when the config has none', async () => {
    const cfg = await getConfig(vi.fn(async () => jsonResponse(200, { success: true })));
    expect(cfg.allowed_extensions).toEqual(DEFAULT_CONFIG.allowed_extensions);
    expect(cfg.file_limits).toBeUndefined();
    expect([...DEFAULT_CONFIG.allowed_extensions].sort()).toEqual(
      'c cpp css csv docx gif go h htm html java jpeg jpg js json log md pdf png pptx py rb rs sh sql toml ts txt webp xlsx xml yaml yml'.split(' '),
    );
  });

  it('builds event-stream URLs with ?after= only when resuming', () => {
    expect(eventsUrl('a/b')).toBe('/messages/a%2Fb/events');
    expect(eventsUrl('j', 0)).toBe('/messages/j/events');
    expect(eventsUrl('j', 12)).toBe('/messages/j/events?after=12');
  });

  it('makes distinct UUID-shaped idempotency keys, even without crypto.randomUUID', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    vi.stubGlobal('crypto', { getRandomValues: (b: Uint8Array) => b.fill(7) });
    const b = newIdempotencyKey();
    expect(b).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b).not.toBe(a);
  });
});

describe('uploadFile', () => {
  const file = new File(['hello'], 'notes.txt', { type: 'text/plain' });

  it('sends multipart form data with progress and resolves with the job', async () => {
    const progress: number[] = [];
    const promise = uploadFile(file, {
      idempotencyKey: 'k-up',
      onProgress: (f) => progress.push(f),
      xhrFactory: () => new FakeXHR() as unknown as XMLHttpRequest,
    });
    const xhr = FakeXHR.last;
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/files');
    expect(xhr.headers['Idempotency-Key']).toBe('k-up');
    expect(xhr.body).toBeInstanceOf(FormData);
    expect((xhr.body as FormData).get('file')).toBeInstanceOf(File);
    xhr.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 } as ProgressEvent);
    xhr.respond(202, { success: true, job_id: 'f1', status: 'pending', job: { id: 'f1' } });
    await expect(promise).resolves.toMatchObject({ job_id: 'f1' });
    expect(progress).toEqual([0.5, 1]);
  });

  it("rejects with the server's message when the file is refused", async () => {
    const promise = uploadFile(file, {
      idempotencyKey: 'k',
      xhrFactory: () => new FakeXHR() as unknown as XMLHttpRequest,
    });
    FakeXHR.last.respond(415, { success: false, error: 'File type .exe is not allowed' });
    await expect(promise).rejects.toMatchObject({ status: 415, message: 'File type .exe is not allowed', code: null });
  });

  it('carries the code of a refused upload', async () => {
    const promise = uploadFile(file, {
      idempotencyKey: 'k',
      xhrFactory: () => new FakeXHR() as unknown as XMLHttpRequest,
    });
    FakeXHR.last.respond(413, { success: false, error: 'File too large', code: 'file_too_large' });
    await expect(promise).rejects.toMatchObject({ status: 413, message: 'File too large', code: 'file_too_large' });
  });

  it('reports network errors', async () => {
    const promise = uploadFile(file, {
      idempotencyKey: 'k',
      xhrFactory: () => new FakeXHR() as unknown as XMLHttpRequest,
    });
    FakeXHR.last.onerror?.();
    await expect(promise).rejects.toMatchObject({ status: 0, code: null });
  });
});

describe('actions on messages, export and import', () => {
  it('posts stop, regenerate (with its key), edit (with its key) and select to the message', async () => {
    const job = { id: 'j/1', status: 'done' };
    const fetchImpl = vi.fn(async (url: string, init?: RequestInit) => {
      void url;
      void init;
      return jsonResponse(200, { success: true, job, job_id: 'n1', status: 'pending', conversation: { id: 'c' } });
    });
    expect(await stopMessage('j/1', fetchImpl)).toEqual(job);
    await regenerateMessage('j/1', 'key-1', fetchImpl);
    await editMessage('j/1', 'new text', 'key-2', fetchImpl);
    expect(await selectMessage('j/1', fetchImpl)).toEqual({ id: 'c' });
    const calls = fetchImpl.mock.calls.map(([url, init]) => [init?.method, url, new Headers(init?.headers).get('Idempotency-Key'), init?.body ?? null]);
    expect(calls).toEqual([
      ['POST', '/messages/j%2F1/stop', null, null],
      ['POST', '/messages/j%2F1/regenerate', 'key-1', null],
      ['PATCH', '/messages/j%2F1', 'key-2', JSON.stringify({ text: 'new text' })],
      ['POST', '/messages/j%2F1/select', null, null],
    ]);
  });

  it('knows an endpoint the server does not have from a missing thing', () => {
    expect(new ApiError('Not found.', 404, 'not_found').isUnsupported).toBe(true);
    expect(new ApiError('Method not allowed.', 405, 'method_not_allowed').isUnsupported).toBe(true);
    expect(new ApiError('Not Found', 404).isUnsupported).toBe(true);
    expect(new ApiError('Conversation not found.', 404, 'conversation_not_found').isUnsupported).toBe(false);
    expect(new ApiError('Bad.', 400, 'invalid_argument').isUnsupported).toBe(false);
  });

  it('reads the download name of a Content-Disposition header', () => {
    expect(filenameFromDisposition('attachment; filename="Trip plan.md"')).toBe('Trip plan.md');
    expect(filenameFromDisposition("attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.json")).toBe('Résumé.json');
    expect(filenameFromDisposition('attachment; filename=notes.json')).toBe('notes.json');
    expect(filenameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(filenameFromDisposition('attachment')).toBeNull();
    expect(filenameFromDisposition(null)).toBeNull();
  });

  it('fetches an export as a file, and turns an error answer into an ApiError', async () => {
    expect(exportUrl('c 1', 'markdown')).toBe('/conversations/c%201/export?format=markdown');
    const ok = vi.fn(async () => new Response('# Title', { status: 200, headers: { 'Content-Disposition': 'attachment; filename="t.md"' } }));
    const file = await exportConversation('c1', 'markdown', ok);
    expect(file.filename).toBe('t.md');
    expect(await file.blob.text()).toBe('# Title');
    const unnamed = vi.fn(async () => new Response('{}', { status: 200 }));
    expect((await exportConversation('c1', 'json', unnamed)).filename).toBe('conversation.json');
    const missing = vi.fn(async () => jsonResponse(404, { success: false, error: 'Conversation not found.', code: 'conversation_not_found' }));
    await expect(exportConversation('c1', 'json', missing)).rejects.toMatchObject({
      status: 404,
      code: 'conversation_not_found',
      message: 'Conversation not found.',
    });
  });
});
