/**
 * REST client for the chat gateway. All URLs are relative (same origin); the
 * gateway sets the session cookie itself, so requests just carry cookies.
 *
 * With accounts, every write (POST, PATCH, PUT, DELETE; uploads too) sends the `chat_csrf`
 * cookie's value back as `X-CSRF-Token`, and an answer saying the session ended (401
 * `unauthenticated`, 403 `csrf_failed`) is reported to {@link onSessionEnded}'s listeners.
 */
import type {
  AccountEnvelope,
  AccountOut,
  ApiKeyCreated,
  ApiKeyIn,
  ApiKeyOut,
  ApiKeysOut,
  AppConfig,
  AuthConfigOut,
  AuthErrorCode,
  ClearedOut,
  ConfigOut,
  Conversation,
  ConversationEnvelope,
  ConversationsOut,
  Credentials,
  DeletedOut,
  ErrorCode,
  ExportFormat,
  FactDeletedOut,
  FactEnvelope,
  FileLimits,
  HistoryOut,
  Job,
  JobAccepted,
  JobEnvelope,
  MessagesPageOut,
  Profile,
  ProfileFact,
} from '../types';

/** A code of the gateway's `ErrorCode` list (or of the accounts endpoints), or one this UI does not know yet. */
export type ApiErrorCode = ErrorCode | AuthErrorCode | (string & {});

/**
 * An error answered by the server (`{"success": false, "error": "...", "code": "..."}`) or a
 * network failure.
 */
export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached at all. */
  readonly status: number;
  /** The body's machine-readable `code`; null for network failures and bodies without one. */
  readonly code: ApiErrorCode | null;
  /** Seconds to wait before trying again (the `Retry-After` header of a 429 or 503); null when not said. */
  readonly retryAfter: number | null;

  constructor(message: string, status: number, code: ApiErrorCode | null = null, retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** True when the answer says the user is not signed in (any more): sign in again. */
  get isSessionEnded(): boolean {
    return isSessionEndedAnswer(this.status, this.code);
  }

  /** True when no HTTP answer arrived (offline, server down, connection reset). */
  get isNetworkError(): boolean {
    return this.status === 0;
  }

  /**
   * True when the server has no such endpoint (404/405 with no more specific code): a gateway
   * older than this UI. A 404 about a missing conversation or job is not one.
   */
  get isUnsupported(): boolean {
    return (
      (this.status === 404 || this.status === 405) &&
      (this.code === null || this.code === 'not_found' || this.code === 'method_not_allowed')
    );
  }
}

export const NETWORK_ERROR_MESSAGE = 'Could not reach the server. Check your connection and try again.';

/* ------------------------------------------------------------------------ */
/* Reachability: every request reports whether the server answered.          */
/* ------------------------------------------------------------------------ */

type ReachabilityListener = (reachable: boolean) => void;
const reachabilityListeners = new Set<ReachabilityListener>();

/** Subscribe to "the server answered" (true) / "the server could not be reached" (false). */
export function onReachability(listener: ReachabilityListener): () => void {
  reachabilityListeners.add(listener);
  return () => {
    reachabilityListeners.delete(listener);
  };
}

export function reportReachability(reachable: boolean): void {
  for (const listener of reachabilityListeners) listener(reachable);
}

/* ------------------------------------------------------------------------ */
/* Accounts: the session ended; the CSRF token of writes.                     */
/* ------------------------------------------------------------------------ */

/** 401 `unauthenticated` (signed out, session expired or revoked) or 403 `csrf_failed` (its token went with it). */
export function isSessionEndedAnswer(status: number, code: string | null): boolean {
  return (status === 401 && code === 'unauthenticated') || (status === 403 && code === 'csrf_failed');
}

/** What answered that the session ended. */
export interface SessionEndedEvent {
  method: string;
  path: string;
  status: number;
  code: string;
}

type SessionEndedListener = (event: SessionEndedEvent) => void;
const sessionEndedListeners = new Set<SessionEndedListener>();

/** Subscribe to "a request was answered: not signed in" (the app then shows the sign-in page). */
export function onSessionEnded(listener: SessionEndedListener): () => void {
  sessionEndedListeners.add(listener);
  return () => {
    sessionEndedListeners.delete(listener);
  };
}

function reportIfSessionEnded(method: string, path: string, status: number, code: string | null): void {
  if (!code || !isSessionEndedAnswer(status, code)) return;
  const event: SessionEndedEvent = { method, path, status, code };
  for (const listener of [...sessionEndedListeners]) listener(event);
}

/** The cookie the gateway sets next to the session cookie; its value goes back in {@link CSRF_HEADER}. */
export const CSRF_COOKIE = 'chat_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** A cookie's value, read now (null when it is not set). */
export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

function isWrite(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/** The CSRF header a write must carry: the `chat_csrf` cookie's value, when there is one. */
export function csrfHeaders(method: string): Record<string, string> {
  if (!isWrite(method)) return {};
  const token = readCookie(CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}

/** Seconds of a `Retry-After` header (a number of seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/* ------------------------------------------------------------------------ */

/** A random UUID v4, also outside secure contexts where `crypto.randomUUID` is missing. */
export function newIdempotencyKey(): string {
  const c: Crypto | undefined = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function fallbackMessage(status: number): string {
  switch (status) {
    case 400:
      return 'The request was not accepted.';
    case 404:
      return 'Not found.';
    case 413:
      return 'The upload is too large.';
    case 415:
      return 'This file type is not supported.';
    case 422:
      return 'The request was not valid.';
    case 429:
      return 'Too many requests — please wait a moment and try again.';
    case 503:
      return 'The service is temporarily unavailable. Please try again shortly.';
    default:
      return `The server answered with an error (HTTP ${status}).`;
  }
}

/** Extract the human readable `error` of an error body, whatever its shape. */
export function errorMessageFromBody(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.error === 'string' && b.error.trim()) return b.error;
    if (typeof b.detail === 'string' && b.detail.trim()) return b.detail;
    if (Array.isArray(b.detail) && b.detail.length > 0) {
      const first = b.detail[0] as Record<string, unknown> | undefined;
      if (first && typeof first.msg === 'string') return first.msg;
    }
  }
  return fallbackMessage(status);
}

/** The `code` of an error body (`ErrorOut`); null when it has none. */
export function errorCodeFromBody(body: unknown): ApiErrorCode | null {
  if (body && typeof body === 'object') {
    const code = (body as Record<string, unknown>).code;
    if (typeof code === 'string' && code.trim()) return code;
  }
  return null;
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface RequestOptions extends Omit<RequestInit, 'body'> {
  json?: unknown;
  fetchImpl?: FetchLike;
}

/** Perform a request and return the parsed success body, or throw an {@link ApiError}. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { json, fetchImpl, headers, ...init } = options;
  const doFetch: FetchLike = fetchImpl ?? ((input, reqInit) => fetch(input, reqInit));
  const method = (init.method ?? 'GET').toUpperCase();
  const finalHeaders = new Headers(headers);
  finalHeaders.set('Accept', 'application/json');
  for (const [name, value] of Object.entries(csrfHeaders(method))) finalHeaders.set(name, value);
  let body: BodyInit | undefined;
  if (json !== undefined) {
    finalHeaders.set('Content-Type', 'application/json');
    body = JSON.stringify(json);
  }
  let response: Response;
  try {
    response = await doFetch(path, { credentials: 'same-origin', ...init, headers: finalHeaders, body });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    reportReachability(false);
    throw new ApiError(NETWORK_ERROR_MESSAGE, 0);
  }
  const text = await response.text().catch(() => '');
  const parsed = parseJson(text);
  // Gateway errors in front of the app (502/504 from a proxy) mean "unreachable" too.
  reportReachability(!(response.status === 502 || response.status === 504));
  if (!response.ok || (parsed && typeof parsed === 'object' && (parsed as { success?: unknown }).success === false)) {
    const status = response.ok ? 400 : response.status;
    const code = errorCodeFromBody(parsed);
    reportIfSessionEnded(method, path, status, code);
    throw new ApiError(
      errorMessageFromBody(parsed, response.status),
      status,
      code,
      parseRetryAfter(response.headers.get('Retry-After')),
    );
  }
  if (parsed === null || typeof parsed !== 'object') {
    throw new ApiError('The server sent an unexpected answer.', response.status);
  }
  return parsed as T;
}

/* ------------------------------------------------------------------------ */
/* Endpoints                                                                */
/* ------------------------------------------------------------------------ */

export const DEFAULT_CONFIG: AppConfig = {
  max_upload_bytes: 10 * 1024 * 1024,
  // Keep in step with the gateway's allowed extension list (used until `/config` loads).
  allowed_extensions: [
    'c', 'cpp', 'css', 'csv', 'docx', 'gif', 'go', 'h', 'htm', 'html', 'java', 'jpeg', 'jpg', 'js', 'json',
    'log', 'md', 'pdf', 'png', 'pptx', 'py', 'rb', 'rs', 'sh', 'sql', 'toml', 'ts', 'txt', 'webp', 'xlsx',
    'xml', 'yaml', 'yml',
  ],
  max_message_chars: 8000,
};

const FILE_LIMIT_KEYS: readonly (keyof FileLimits)[] = [
  'max_chars',
  'max_pages',
  'max_ocr_pages',
  'ocr_min_chars',
  'max_render_pixels',
  'max_image_pixels',
  'max_rows',
  'max_expanded_bytes',
];

/** The numeric limits of `file_limits`; undefined when the server sends none. */
function parseFileLimits(raw: unknown): FileLimits | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const limits: FileLimits = {};
  for (const key of FILE_LIMIT_KEYS) {
    const value = (raw as Record<string, unknown>)[key];
    if (typeof value === 'number' && Number.isFinite(value)) limits[key] = value;
  }
  return limits;
}

export async function getConfig(fetchImpl?: FetchLike): Promise<AppConfig> {
  const body = await request<Partial<ConfigOut>>('/config', { fetchImpl });
  const config: AppConfig = {
    max_upload_bytes:
      typeof body.max_upload_bytes === 'number' ? body.max_upload_bytes : DEFAULT_CONFIG.max_upload_bytes,
    allowed_extensions: Array.isArray(body.allowed_extensions)
      ? body.allowed_extensions.map((e) => String(e).replace(/^\./, '').toLowerCase())
      : DEFAULT_CONFIG.allowed_extensions,
    max_message_chars:
      typeof body.max_message_chars === 'number' ? body.max_message_chars : DEFAULT_CONFIG.max_message_chars,
  };
  const fileLimits = parseFileLimits(body.file_limits);
  if (fileLimits) config.file_limits = fileLimits;
  return config;
}

/** The answer to `POST /messages` and `POST /files`. */
export type SubmitResponse = JobAccepted;

export function postMessage(text: string, idempotencyKey: string, fetchImpl?: FetchLike): Promise<SubmitResponse> {
  return request<SubmitResponse>('/messages', {
    method: 'POST',
    json: { text },
    headers: { 'Idempotency-Key': idempotencyKey },
    fetchImpl,
  });
}

export async function getJob(id: string, fetchImpl?: FetchLike): Promise<Job> {
  const body = await request<JobEnvelope>(`/messages/${encodeURIComponent(id)}`, { fetchImpl });
  return body.job;
}

export async function getHistory(fetchImpl?: FetchLike): Promise<Job[]> {
  const body = await request<Partial<HistoryOut>>('/chat/history', { fetchImpl });
  return Array.isArray(body.items) ? body.items : [];
}

export async function clearChat(fetchImpl?: FetchLike): Promise<number> {
  const body = await request<Partial<ClearedOut>>('/chat/clear', { method: 'DELETE', fetchImpl });
  return typeof body.cleared === 'number' ? body.cleared : 0;
}

function profileOf(body: { profile?: Partial<Profile> | null }): Profile {
  const profile = body.profile ?? {};
  return {
    facts: Array.isArray(profile.facts) ? profile.facts : [],
    summary: typeof profile.summary === 'string' ? profile.summary : '',
  };
}

/** `GET /chat/profile`: what was learned in the most recent conversation. */
export async function getProfile(fetchImpl?: FetchLike): Promise<Profile> {
  return profileOf(await request<{ profile?: Partial<Profile> | null }>('/chat/profile', { fetchImpl }));
}

/** `GET /profile`: the owner's facts across all conversations (a gateway without it answers 404). */
export async function getOwnerProfile(fetchImpl?: FetchLike): Promise<Profile> {
  return profileOf(await request<{ profile?: Partial<Profile> | null }>('/profile', { fetchImpl }));
}

function factPath(key: string): string {
  return `/profile/facts/${encodeURIComponent(key)}`;
}

/** `PATCH /profile/facts/{key}`: the fact with its new value. */
export async function updateFact(key: string, value: string, fetchImpl?: FetchLike): Promise<ProfileFact> {
  const body = await request<Partial<FactEnvelope>>(factPath(key), { method: 'PATCH', json: { value }, fetchImpl });
  if (body.fact && typeof body.fact === 'object') return body.fact;
  return { key, value, confidence: 1, source_turn: '', updated_at: new Date().toISOString(), edited: true };
}

/** `DELETE /profile/facts/{key}`: the assistant never uses the fact again. */
export async function deleteFact(key: string, fetchImpl?: FetchLike): Promise<void> {
  await request<Partial<FactDeletedOut>>(factPath(key), { method: 'DELETE', fetchImpl });
}

/* ------------------------------------------------------------------------ */
/* Conversations                                                            */
/* ------------------------------------------------------------------------ */

/** A page of a list, and the cursor of the next one (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `?a=1&b=2` from the parameters that have a value ('' when none has). */
function queryString(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function conversationPath(id: string): string {
  return `/conversations/${encodeURIComponent(id)}`;
}

function pageOf<T>(body: { items?: T[] | null; next_cursor?: string | null }): Page<T> {
  return {
    items: Array.isArray(body.items) ? body.items : [],
    nextCursor: typeof body.next_cursor === 'string' && body.next_cursor ? body.next_cursor : null,
  };
}

export interface ListConversationsParams {
  /** Full-text search over titles and messages. */
  q?: string;
  cursor?: string | null;
  limit?: number;
}

/** `GET /conversations`: most recently active first. */
export async function listConversations(
  params: ListConversationsParams = {},
  fetchImpl?: FetchLike,
): Promise<Page<Conversation>> {
  const q = params.q?.trim();
  const body = await request<Partial<ConversationsOut>>(
    `/conversations${queryString({ q, cursor: params.cursor, limit: params.limit })}`,
    { fetchImpl },
  );
  return pageOf(body);
}

/** `POST /conversations`: a new conversation, which becomes the most recent one. */
export async function createConversation(title?: string, fetchImpl?: FetchLike): Promise<Conversation> {
  const body = await request<ConversationEnvelope>('/conversations', {
    method: 'POST',
    json: title ? { title } : {},
    fetchImpl,
  });
  return body.conversation;
}

export async function getConversation(id: string, fetchImpl?: FetchLike): Promise<Conversation> {
  const body = await request<ConversationEnvelope>(conversationPath(id), { fetchImpl });
  return body.conversation;
}

/** `PATCH /conversations/{id}`: the title, 1–200 characters. */
export async function renameConversation(id: string, title: string, fetchImpl?: FetchLike): Promise<Conversation> {
  const body = await request<ConversationEnvelope>(conversationPath(id), {
    method: 'PATCH',
    json: { title },
    fetchImpl,
  });
  return body.conversation;
}

/** `DELETE /conversations/{id}`: the number of messages deleted with it. */
export async function deleteConversation(id: string, fetchImpl?: FetchLike): Promise<number> {
  const body = await request<Partial<DeletedOut>>(conversationPath(id), { method: 'DELETE', fetchImpl });
  return typeof body.deleted_messages === 'number' ? body.deleted_messages : 0;
}

export interface ListMessagesParams {
  /** `next_cursor` of the page after this one (in time): pages go back to older messages. */
  cursor?: string | null;
  limit?: number;
}

/** `GET /conversations/{id}/messages`: the latest messages (oldest first), or older ones with a cursor. */
export async function listMessages(id: string, params: ListMessagesParams = {}, fetchImpl?: FetchLike): Promise<Page<Job>> {
  const body = await request<Partial<MessagesPageOut>>(
    `${conversationPath(id)}/messages${queryString({ cursor: params.cursor, limit: params.limit })}`,
    { fetchImpl },
  );
  return pageOf(body);
}

/** `POST /conversations/{id}/messages`: like {@link postMessage}, in that conversation. */
export function postConversationMessage(
  conversationId: string,
  text: string,
  idempotencyKey: string,
  fetchImpl?: FetchLike,
): Promise<SubmitResponse> {
  return request<SubmitResponse>(`${conversationPath(conversationId)}/messages`, {
    method: 'POST',
    json: { text },
    headers: { 'Idempotency-Key': idempotencyKey },
    fetchImpl,
  });
}

/* ------------------------------------------------------------------------ */
/* Actions on a message: stop, regenerate, edit, choose an alternative        */
/* ------------------------------------------------------------------------ */

export function messagePath(jobId: string): string {
  return `/messages/${encodeURIComponent(jobId)}`;
}

/** `POST /messages/{id}/stop`: the job as it is now (a running one ends `done`, `stopped`, within a second). */
export async function stopMessage(jobId: string, fetchImpl?: FetchLike): Promise<Job> {
  const body = await request<JobEnvelope>(`${messagePath(jobId)}/stop`, { method: 'POST', fetchImpl });
  return body.job;
}

/** `POST /messages/{id}/regenerate`: a new reply to the same message, an alternative beside it. */
export function regenerateMessage(jobId: string, idempotencyKey: string, fetchImpl?: FetchLike): Promise<SubmitResponse> {
  return request<SubmitResponse>(`${messagePath(jobId)}/regenerate`, {
    method: 'POST',
    headers: { 'Idempotency-Key': idempotencyKey },
    fetchImpl,
  });
}

/** `PATCH /messages/{id}`: the message edited and sent again, an alternative beside it. */
export function editMessage(
  jobId: string,
  text: string,
  idempotencyKey: string,
  fetchImpl?: FetchLike,
): Promise<SubmitResponse> {
  return request<SubmitResponse>(messagePath(jobId), {
    method: 'PATCH',
    json: { text },
    headers: { 'Idempotency-Key': idempotencyKey },
    fetchImpl,
  });
}

/** `POST /messages/{id}/select`: show the branch through this alternative. */
export async function selectMessage(jobId: string, fetchImpl?: FetchLike): Promise<Conversation> {
  const body = await request<ConversationEnvelope>(`${messagePath(jobId)}/select`, { method: 'POST', fetchImpl });
  return body.conversation;
}

/* ------------------------------------------------------------------------ */
/* Export and import                                                        */
/* ------------------------------------------------------------------------ */

export function exportUrl(conversationId: string, format: ExportFormat): string {
  return `${conversationPath(conversationId)}/export${queryString({ format })}`;
}

export interface ExportedFile {
  blob: Blob;
  filename: string;
}

/** The file name of a `Content-Disposition: attachment; filename…` header; null when it names none. */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)?'[^']*'([^;]+)/.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  const name = plain ? (plain[2] ?? plain[1]).trim() : '';
  // Only a name, never a path.
  return name ? (name.split(/[\\/]/).pop() ?? null) : null;
}

/** `GET /conversations/{id}/export?format=…`: the file the server offers for download. */
export async function exportConversation(
  conversationId: string,
  format: ExportFormat,
  fetchImpl?: FetchLike,
): Promise<ExportedFile> {
  const doFetch: FetchLike = fetchImpl ?? ((input, reqInit) => fetch(input, reqInit));
  let response: Response;
  try {
    response = await doFetch(exportUrl(conversationId, format), { credentials: 'same-origin' });
  } catch {
    reportReachability(false);
    throw new ApiError(NETWORK_ERROR_MESSAGE, 0);
  }
  reportReachability(!(response.status === 502 || response.status === 504));
  if (!response.ok) {
    const parsed = parseJson(await response.text().catch(() => ''));
    const code = errorCodeFromBody(parsed);
    reportIfSessionEnded('GET', exportUrl(conversationId, format), response.status, code);
    throw new ApiError(errorMessageFromBody(parsed, response.status), response.status, code);
  }
  const blob = await response.blob();
  const fallback = `conversation.${format === 'markdown' ? 'md' : 'json'}`;
  return { blob, filename: filenameFromDisposition(response.headers.get('Content-Disposition')) ?? fallback };
}

/** `POST /conversations/import` with a JSON export: the new conversation. */
export async function importConversation(data: unknown, fetchImpl?: FetchLike): Promise<Conversation> {
  const body = await request<ConversationEnvelope>('/conversations/import', { method: 'POST', json: data, fetchImpl });
  return body.conversation;
}

export function eventsUrl(jobId: string, afterSeq?: number): string {
  const base = `/messages/${encodeURIComponent(jobId)}/events`;
  return afterSeq !== undefined && afterSeq > 0 ? `${base}?after=${afterSeq}` : base;
}

/* ------------------------------------------------------------------------ */
/* Upload (XMLHttpRequest, for upload progress)                              */
/* ------------------------------------------------------------------------ */

export interface UploadOptions {
  idempotencyKey: string;
  /** Upload into this conversation (`POST /conversations/{id}/files`) rather than the most recent one (`POST /files`). */
  conversationId?: string | null;
  /** Called with the fraction sent, 0..1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** Injectable for tests. */
  xhrFactory?: () => XMLHttpRequest;
}

export function uploadFile(file: File, options: UploadOptions): Promise<SubmitResponse> {
  const xhr = options.xhrFactory ? options.xhrFactory() : new XMLHttpRequest();
  const path = options.conversationId ? `${conversationPath(options.conversationId)}/files` : '/files';
  return new Promise<SubmitResponse>((resolve, reject) => {
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Idempotency-Key', options.idempotencyKey);
    for (const [name, value] of Object.entries(csrfHeaders('POST'))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event: ProgressEvent) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(Math.min(1, event.loaded / event.total));
    };
    xhr.onload = () => {
      const parsed = parseJson(xhr.responseText);
      reportReachability(!(xhr.status === 502 || xhr.status === 504));
      const failed = parsed && typeof parsed === 'object' && (parsed as { success?: unknown }).success === false;
      if (xhr.status >= 200 && xhr.status < 300 && !failed && parsed && typeof parsed === 'object') {
        options.onProgress?.(1);
        resolve(parsed as SubmitResponse);
      } else {
        const status = xhr.status || 400;
        const code = errorCodeFromBody(parsed);
        reportIfSessionEnded('POST', path, status, code);
        reject(new ApiError(errorMessageFromBody(parsed, xhr.status), status, code));
      }
    };
    xhr.onerror = () => {
      reportReachability(false);
      reject(new ApiError(NETWORK_ERROR_MESSAGE, 0));
    };
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    if (options.signal) {
      if (options.signal.aborted) {
        xhr.abort();
        return;
      }
      options.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/* ------------------------------------------------------------------------ */
/* Accounts (`/auth/...`)                                                   */
/* ------------------------------------------------------------------------ */

/** `GET /auth/config` (public). A gateway without accounts answers 404: see {@link ApiError.isUnsupported}. */
export async function getAuthConfig(fetchImpl?: FetchLike): Promise<AuthConfigOut> {
  const body = await request<Partial<AuthConfigOut>>('/auth/config', { fetchImpl });
  return {
    success: true,
    mode: body.mode === 'accounts' ? 'accounts' : 'guest',
    allow_guests: body.allow_guests === true,
    password_min_length: typeof body.password_min_length === 'number' ? body.password_min_length : 0,
    providers: Array.isArray(body.providers) ? body.providers.filter((p) => p && p.id && p.login_url) : [],
  };
}

/** `GET /auth/me`: the signed-in account (401 `unauthenticated` when no one is). */
export async function getMe(fetchImpl?: FetchLike): Promise<AccountOut> {
  return (await request<AccountEnvelope>('/auth/me', { fetchImpl })).account;
}

/** `POST /auth/login`. */
export async function signIn(credentials: Credentials, fetchImpl?: FetchLike): Promise<AccountOut> {
  return (await request<AccountEnvelope>('/auth/login', { method: 'POST', json: credentials, fetchImpl })).account;
}

/** `POST /auth/signup`: the new account, signed in. */
export async function signUp(credentials: Credentials, fetchImpl?: FetchLike): Promise<AccountOut> {
  return (await request<AccountEnvelope>('/auth/signup', { method: 'POST', json: credentials, fetchImpl })).account;
}

/** `POST /auth/logout`. */
export async function signOut(fetchImpl?: FetchLike): Promise<void> {
  await request<{ success: boolean }>('/auth/logout', { method: 'POST', fetchImpl });
}

/** `DELETE /auth/me`: the account with every conversation, file and API key. */
export async function deleteAccount(fetchImpl?: FetchLike): Promise<void> {
  await request<{ success: boolean }>('/auth/me', { method: 'DELETE', fetchImpl });
}

/** `GET /auth/api-keys`. */
export async function listApiKeys(fetchImpl?: FetchLike): Promise<ApiKeyOut[]> {
  const body = await request<Partial<ApiKeysOut>>('/auth/api-keys', { fetchImpl });
  return Array.isArray(body.items) ? body.items : [];
}

/** `POST /auth/api-keys`: the key, and its secret (never shown again). */
export async function createApiKey(name: string, fetchImpl?: FetchLike): Promise<{ key: ApiKeyOut; secret: string }> {
  const json: ApiKeyIn = { name };
  const body = await request<ApiKeyCreated>('/auth/api-keys', { method: 'POST', json, fetchImpl });
  return { key: body.key, secret: body.secret };
}

/** `DELETE /auth/api-keys/{id}`: requests with it are refused from now on. */
export async function revokeApiKey(id: string, fetchImpl?: FetchLike): Promise<void> {
  await request<{ success: boolean }>(`/auth/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE', fetchImpl });
}
