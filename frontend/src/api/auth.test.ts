/** The API client's part in accounts: the CSRF header of writes, "the session ended", Retry-After, `/auth` calls. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  createApiKey,
  csrfHeaders,
  getAuthConfig,
  onSessionEnded,
  parseRetryAfter,
  postMessage,
  readCookie,
  request,
  signIn,
} from './client';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

function setCookie(value: string | null) {
  document.cookie = value === null ? 'chat_csrf=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT' : `chat_csrf=${value}; path=/`;
}

afterEach(() => setCookie(null));

describe('CSRF', () => {
  it('reads the chat_csrf cookie at request time and sends it on writes only', async () => {
    const fetchImpl = vi.fn(async (_url: string, _init?: RequestInit) => jsonResponse(200, { success: true }));
    await request('/x', { method: 'POST', fetchImpl });
    expect(new Headers(fetchImpl.mock.calls[0][1]?.headers).get('X-CSRF-Token')).toBeNull();

    setCookie('abc%3D1');
    expect(readCookie('chat_csrf')).toBe('abc=1');
    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE', 'GET']) await request('/x', { method, fetchImpl });
    const sent = fetchImpl.mock.calls.slice(1).map(([, init]) => new Headers(init?.headers).get('X-CSRF-Token'));
    expect(sent).toEqual(['abc=1', 'abc=1', 'abc=1', 'abc=1', null]);
    expect(csrfHeaders('head')).toEqual({});
  });

  it('goes with the other headers of a write (idempotency key)', async () => {
    setCookie('tok');
    const fetchImpl = vi.fn(async (_url: string, _init?: RequestInit) =>
      jsonResponse(202, { success: true, job_id: 'j', status: 'pending', job: null }),
    );
    await postMessage('hi', 'key-1', fetchImpl);
    const headers = new Headers(fetchImpl.mock.calls[0][1]?.headers);
    expect(headers.get('X-CSRF-Token')).toBe('tok');
    expect(headers.get('Idempotency-Key')).toBe('key-1');
  });
});

describe('the session ended', () => {
  it('is reported for 401 unauthenticated and 403 csrf_failed, not for other refusals', async () => {
    const events: unknown[] = [];
    const stop = onSessionEnded((e) => events.push(e));
    const answer = (status: number, code: string) => vi.fn(async () => jsonResponse(status, { success: false, error: 'No.', code }));
    await expect(request('/conversations', { fetchImpl: answer(401, 'unauthenticated') })).rejects.toMatchObject({
      status: 401,
      code: 'unauthenticated',
      isSessionEnded: true,
    });
    await expect(request('/m', { method: 'POST', fetchImpl: answer(403, 'csrf_failed') })).rejects.toBeInstanceOf(ApiError);
    await expect(request('/auth/login', { method: 'POST', fetchImpl: answer(401, 'invalid_credentials') })).rejects.toMatchObject({
      isSessionEnded: false,
    });
    await expect(request('/x', { fetchImpl: answer(403, 'forbidden') })).rejects.toBeInstanceOf(ApiError);
    stop();
    await expect(request('/y', { fetchImpl: answer(401, 'unauthenticated') })).rejects.toBeInstanceOf(ApiError);
    expect(events).toEqual([
      { method: 'GET', path: '/conversations', status: 401, code: 'unauthenticated' },
      { method: 'POST', path: '/m', status: 403, code: 'csrf_failed' },
    ]);
  });
});

describe('Retry-After', () => {
  it('reads seconds or an HTTP date', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter('soon')).toBeNull();
    const inTen = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter(inTen)).toBeGreaterThanOrEqual(9);
    expect(parseRetryAfter(inTen)).toBeLessThanOrEqual(11);
  });

  it('is on the error of a 429', async () => {
    const fetchImpl = vi.fn(async () =>
      jsonResponse(429, { success: false, error: 'Slow down.', code: 'too_many_attempts' }, { 'Retry-After': '42' }),
    );
    await expect(signIn({ email: 'a@b.c', password: 'x' }, fetchImpl)).rejects.toMatchObject({
      status: 429,
      code: 'too_many_attempts',
      retryAfter: 42,
      message: 'Slow down.',
    });
  });
});

describe('/auth', () => {
  it('reads the configuration, guest mode by default', async () => {
    const full = vi.fn(async () =>
      jsonResponse(200, {
        success: true,
        mode: 'accounts',
        allow_guests: true,
        password_min_length: 12,
        providers: [{ id: 'corp', name: 'Corp SSO', login_url: '/auth/oidc/corp/login' }],
      }),
    );
    expect(await getAuthConfig(full)).toEqual({
      success: true,
      mode: 'accounts',
      allow_guests: true,
      password_min_length: 12,
      providers: [{ id: 'corp', name: 'Corp SSO', login_url: '/auth/oidc/corp/login' }],
    });
    const bare = vi.fn(async () => jsonResponse(200, { success: true }));
    expect(await getAuthConfig(bare)).toMatchObject({ mode: 'guest', allow_guests: false, providers: [] });
    const missing = vi.fn(async () => jsonResponse(404, { success: false, error: 'Not found.', code: 'not_found' }));
    await expect(getAuthConfig(missing)).rejects.toMatchObject({ isUnsupported: true });
  });

  it('creates an API key: the key and its secret', async () => {
    const key = { id: 'k1', name: 'CI', prefix: 'ck_ab12', created_at: '2024-05-01T10:00:00Z', last_used_at: null };
    const fetchImpl = vi.fn(async (_url: string, _init?: RequestInit) => jsonResponse(201, { success: true, key, secret: 'ck_ab12secret' }));
    expect(await createApiKey('CI', fetchImpl)).toEqual({ key, secret: 'ck_ab12secret' });
    expect(fetchImpl.mock.calls[0][0]).toBe('/auth/api-keys');
    expect(fetchImpl.mock.calls[0][1]?.method).toBe('POST');
    expect(fetchImpl.mock.calls[0][1]?.body).toBe('{"name":"CI"}');
  });
});
