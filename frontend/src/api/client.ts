/**
 * REST client for the chat gateway. All URLs are relative (same origin); the
 * gateway sets the session cookie itself, so requests just carry cookies.
 */
import type {
  AppConfig,
  ClearedOut,
  ConfigOut,
  ErrorCode,
  FileLimits,
  HistoryOut,
  Job,
  JobAccepted,
  JobEnvelope,
  Profile,
} from '../types';

/** A code of the gateway's `ErrorCode` list, or one this UI does not know yet. */
export type ApiErrorCode = ErrorCode | (string & {});

/**
 * An error answered by the server (`{"success": false, "error": "...", "code": "..."}`) or a
 * network failure.
 */
export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached at all. */
  readonly status: number;
  /** The body's machine-readable `code`; null for network failures and bodies without one. */
  readonly code: ApiErrorCode | null;

  constructor(message: string, status: number, code: ApiErrorCode | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** True when no HTTP answer arrived (offline, server down, connection reset). */
  get isNetworkError(): boolean {
    return this.status === 0;
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
  const finalHeaders = new Headers(headers);
  finalHeaders.set('Accept', 'application/json');
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
    throw new ApiError(
      errorMessageFromBody(parsed, response.status),
      response.ok ? 400 : response.status,
      errorCodeFromBody(parsed),
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

export async function getProfile(fetchImpl?: FetchLike): Promise<Profile> {
  const body = await request<{ profile?: Partial<Profile> | null }>('/chat/profile', { fetchImpl });
  const profile = body.profile ?? {};
  return {
    facts: Array.isArray(profile.facts) ? profile.facts : [],
    summary: typeof profile.summary === 'string' ? profile.summary : '',
  };
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
  /** Called with the fraction sent, 0..1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** Injectable for tests. */
  xhrFactory?: () => XMLHttpRequest;
}

export function uploadFile(file: File, options: UploadOptions): Promise<SubmitResponse> {
  const xhr = options.xhrFactory ? options.xhrFactory() : new XMLHttpRequest();
  return new Promise<SubmitResponse>((resolve, reject) => {
    xhr.open('POST', '/files');
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Idempotency-Key', options.idempotencyKey);
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
        reject(new ApiError(errorMessageFromBody(parsed, xhr.status), xhr.status || 400, errorCodeFromBody(parsed)));
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
