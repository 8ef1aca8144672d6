/**
 * An in-memory stand-in for the gateway, for App-level tests (fetch + XHR); its answers are typed by
 * the generated API types. Each conversation's `jobs` is the branch on show; a regenerate or an
 * edit puts a new alternative in place of an exchange (the old branch from there is kept, by the
 * id of the exchange it starts with, and shown again by a select).
 */
import { vi } from 'vitest';
import type {
  AccountEnvelope,
  AccountOut,
  ApiKeyCreated,
  ApiKeyOut,
  ApiKeysOut,
  AuthConfigOut,
  AuthErrorCode,
  ClearedOut,
  ConfigOut,
  Conversation,
  ConversationEnvelope,
  ConversationExport,
  ConversationsOut,
  DeletedOut,
  ErrorCode,
  ErrorOut,
  FactDeletedOut,
  FactEnvelope,
  HistoryOut,
  Job,
  JobAccepted,
  JobEnvelope,
  MessagesPageOut,
  OwnerProfileOut,
  Profile,
  ProfileOut,
} from '../types';
import { makeJob, makeResult } from './fakes';

export interface RecordedRequest {
  method: string;
  url: string;
  /** The URL without its query string. */
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

/** One conversation and its messages (oldest first). */
export interface FakeConversation {
  conversation: Conversation;
  /** The branch on show, oldest first. */
  jobs: Job[];
  /** The branches not on show: from an exchange (the key) to the branch's end. */
  tails: Map<string, Job[]>;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** Any code the gateway answers: its `ErrorCode` list, and the accounts' codes (not generated yet). */
export type FakeErrorCode = ErrorCode | AuthErrorCode;

function error(status: number, message: string, code: FakeErrorCode, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ success: false, error: message, code }), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** An account of the fake gateway, with its password. */
export interface FakeAccount {
  account: AccountOut;
  password: string;
}

/** The cookie whose value writes send back as `X-CSRF-Token` (set on sign-in, as the gateway does). */
export const FAKE_CSRF_COOKIE = 'chat_csrf';

function setCsrfCookie(value: string | null): void {
  document.cookie = value
    ? `${FAKE_CSRF_COOKIE}=${encodeURIComponent(value)}; path=/`
    : `${FAKE_CSRF_COOKIE}=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

/** Passwords the fake's sign-up refuses as too common. */
const COMMON_PASSWORDS = new Set(['password', 'password123', '12345678', 'qwertyuiop']);

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

/** The first words of the first message, as the job service names a conversation. */
function firstWords(text: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  return words.slice(0, 8).join(' ') + (words.length > 8 ? '…' : '');
}

/** An offset cursor, or null when it is not one (the gateway answers 400 `invalid_cursor`). */
function offsetOf(cursor: string | null): number | null {
  if (cursor === null || cursor === '') return 0;
  return /^\d+$/.test(cursor) ? Number(cursor) : null;
}

export class FakeBackend {
  conversations: FakeConversation[] = [];
  profile: Profile = { facts: [], summary: '' };
  requests: RecordedRequest[] = [];
  /** When set, every fetch fails like a dead network. */
  down = false;
  /** Next message POST answers with this error instead of a job. */
  messageError: { status: number; error: string; code?: ErrorCode } | null = null;
  /** The next request to this method and path answers with this error (`retryAfter`: its `Retry-After` seconds). */
  failNext: { method: string; path: string; status: number; error: string; code: FakeErrorCode; retryAfter?: number } | null =
    null;
  /** Answer for file uploads. */
  fileAnswer: { status: number; body: JobAccepted | ErrorOut } | null = null;
  /** The gateway has `GET /profile` and `/profile/facts/{key}` (false: they answer 404, as before #13). */
  profileApi = true;
  /** The gateway has `GET /conversations/{id}/export` and `POST /conversations/import`. */
  transferApi = true;
  /** Page sizes of `GET /conversations` and `GET /conversations/{id}/messages` (when no `limit` is asked). */
  listPageSize = 20;
  messagesPageSize = 50;

  /*
   * Accounts (`/auth/...`). `authMode` null: `GET /auth/config` answers 404, as a gateway before
   * accounts. With `accounts`, a request without a session answers 401 `unauthenticated` unless
   * guests are allowed (`/config` and `/auth/*` always answer); a write with a session must carry
   * `X-CSRF-Token` equal to the `chat_csrf` cookie set at sign-in, or it answers 403 `csrf_failed`.
   */
  authMode: AuthConfigOut['mode'] | null = 'guest';
  allowGuests = false;
  passwordMinLength = 10;
  providers: AuthConfigOut['providers'] = [];
  accounts: FakeAccount[] = [];
  /** The account the session signs in; null when signed out (set it to null to end the session). */
  signedIn: AccountOut | null = null;
  /** The CSRF token of the session (also in the `chat_csrf` cookie). */
  csrfToken: string | null = null;
  apiKeys: ApiKeyOut[] = [];
  /** Secrets handed out by `POST /auth/api-keys`, in order. */
  apiKeySecrets: string[] = [];
  private accountSeq = 0;
  jobsById = new Map<string, Job>();
  private seq = 0;
  private conversationSeq = 0;
  private clock = Date.now();

  /** A later time at each call: the latest activity is always the newest. */
  private now(): string {
    this.clock = Math.max(this.clock + 1000, Date.now());
    return new Date(this.clock).toISOString();
  }

  addConversation(init: Partial<Conversation> & { jobs?: Job[] } = {}): FakeConversation {
    this.conversationSeq += 1;
    const id = init.id ?? `conv-${this.conversationSeq}`;
    const at = init.updated_at ?? this.now();
    const jobs = (init.jobs ?? []).map((j) => ({ ...j, conversation_id: id }));
    for (const job of jobs) this.jobsById.set(job.id, job);
    const entry: FakeConversation = {
      conversation: {
        id,
        title: init.title ?? '',
        created_at: init.created_at ?? at,
        updated_at: at,
        message_count: jobs.length,
      },
      jobs,
      tails: new Map(),
    };
    this.conversations.push(entry);
    return entry;
  }

  /** Most recently active first, as the gateway lists them. */
  ordered(): FakeConversation[] {
    return [...this.conversations].sort(
      (a, b) =>
        Date.parse(b.conversation.updated_at) - Date.parse(a.conversation.updated_at) ||
        (a.conversation.id < b.conversation.id ? 1 : -1),
    );
  }

  mostRecent(): FakeConversation | undefined {
    return this.ordered()[0];
  }

  find(id: string): FakeConversation | undefined {
    return this.conversations.find((c) => c.conversation.id === id);
  }

  /** The most recent conversation's messages (what `GET /chat/history` lists). */
  get history(): Job[] {
    return this.mostRecent()?.jobs ?? [];
  }

  /** Make these the messages of the most recent conversation (created if there is none). */
  set history(jobs: Job[]) {
    const entry = this.mostRecent() ?? this.addConversation();
    entry.jobs = jobs.map((j) => ({ ...j, conversation_id: entry.conversation.id }));
    for (const job of entry.jobs) this.jobsById.set(job.id, job);
    entry.conversation.message_count = entry.jobs.length;
  }

  private submitMessage(entry: FakeConversation, text: string): Response {
    if (this.messageError) {
      const e = this.messageError;
      this.messageError = null;
      return error(e.status, e.error, e.code ?? 'invalid_request');
    }
    this.seq += 1;
    const job = makeJob({ id: `srv-${this.seq}`, conversation_id: entry.conversation.id, text, status: 'pending' });
    this.jobsById.set(job.id, job);
    entry.jobs.push(job);
    const c = entry.conversation;
    if (!c.title) c.title = firstWords(text);
    c.message_count = entry.jobs.length;
    c.updated_at = this.now();
    return json(202, { success: true, job_id: job.id, status: 'pending', job } satisfies JobAccepted);
  }

  private conversationRoute(method: string, id: string, rest: string, query: URLSearchParams, body: unknown): Response {
    const entry = this.find(id);
    if (!entry) return error(404, 'Conversation not found.', 'conversation_not_found');
    const c = entry.conversation;
    if (rest === '' && method === 'GET') return json(200, { success: true, conversation: c } satisfies ConversationEnvelope);
    if (rest === '' && method === 'PATCH') {
      const title = String((body as { title?: unknown } | null)?.title ?? '').trim();
      if (!title || title.length > 200) return error(422, 'title must be 1 to 200 characters', 'invalid_argument');
      c.title = title;
      c.updated_at = this.now();
      return json(200, { success: true, conversation: c } satisfies ConversationEnvelope);
    }
    if (rest === '' && method === 'DELETE') {
      this.conversations = this.conversations.filter((x) => x !== entry);
      return json(200, { success: true, deleted_messages: entry.jobs.length } satisfies DeletedOut);
    }
    if (rest === '/messages' && method === 'GET') {
      const size = Number(query.get('limit') ?? this.messagesPageSize);
      // The cursor is where the page ends (exclusive): older pages end where the newer began.
      const cursor = query.get('cursor');
      const end = cursor === null ? entry.jobs.length : offsetOf(cursor);
      if (end === null) return error(400, 'Invalid cursor.', 'invalid_cursor');
      const start = Math.max(0, end - size);
      const page: MessagesPageOut = {
        success: true,
        items: entry.jobs.slice(start, end),
        next_cursor: start > 0 ? String(start) : null,
      };
      return json(200, page);
    }
    if (rest === '/messages' && method === 'POST') {
      return this.submitMessage(entry, String((body as { text?: unknown } | null)?.text ?? ''));
    }
    if (rest === '/export' && method === 'GET') {
      if (!this.transferApi) return error(404, 'Not found.', 'not_found');
      return this.exportOf(entry, query.get('format') ?? 'json');
    }
    return error(404, `No route ${method} /conversations/${id}${rest}`, 'not_found');
  }

  fetch = vi.fn(async (input: string, init: RequestInit = {}): Promise<Response> => {
    const method = (init.method ?? 'GET').toUpperCase();
    const url = String(input);
    const parsed = new URL(url, 'http://ui.test');
    const path = parsed.pathname;
    const query = parsed.searchParams;
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body;
    this.requests.push({ method, url, path, query, headers: new Headers(init.headers), body });
    if (this.down) throw new TypeError('Failed to fetch');
    const planned = this.failNext;
    if (planned && planned.method === method && planned.path === path) {
      this.failNext = null;
      const headers: Record<string, string> = planned.retryAfter !== undefined ? { 'Retry-After': String(planned.retryAfter) } : {};
      return error(planned.status, planned.error, planned.code, headers);
    }
    if (path === '/config') return json(200, FAKE_CONFIG);
    if (path === '/auth/config' && method === 'GET') {
      if (!this.authMode) return error(404, 'Not found.', 'not_found');
      return json(200, {
        success: true,
        mode: this.authMode,
        allow_guests: this.allowGuests,
        password_min_length: this.passwordMinLength,
        providers: this.providers,
      } satisfies AuthConfigOut);
    }
    if (this.authMode === 'accounts') {
      const headers = new Headers(init.headers);
      if (!['GET', 'HEAD'].includes(method) && this.signedIn && this.csrfToken && headers.get('X-CSRF-Token') !== this.csrfToken) {
        return error(403, 'The request could not be verified. Sign in again.', 'csrf_failed');
      }
      if (path.startsWith('/auth/')) return this.authRoute(method, path, body);
      if (!this.signedIn && !this.allowGuests) return error(401, 'Sign in to continue.', 'unauthenticated');
    } else if (path.startsWith('/auth/') && !this.authMode) {
      return error(404, `No route ${method} ${url}`, 'not_found');
    }
    if (path === '/chat/history') return json(200, { success: true, items: this.history } satisfies HistoryOut);
    if (path === '/chat/profile') return json(200, { success: true, profile: this.profile } satisfies ProfileOut);
    if (path === '/chat/clear' && method === 'DELETE') {
      const entry = this.mostRecent();
      const cleared = entry?.jobs.length ?? 0;
      if (entry) entry.jobs = [];
      return json(200, { success: true, cleared } satisfies ClearedOut);
    }
    if (path === '/conversations' && method === 'GET') {
      const q = (query.get('q') ?? '').trim().toLowerCase();
      const offset = offsetOf(query.get('cursor'));
      if (offset === null) return error(400, 'Invalid cursor.', 'invalid_cursor');
      const size = Number(query.get('limit') ?? this.listPageSize);
      const matching = this.ordered().filter(
        (e) =>
          !q ||
          e.conversation.title.toLowerCase().includes(q) ||
          e.jobs.some((j) => (j.text ?? '').toLowerCase().includes(q)),
      );
      const items = matching.slice(offset, offset + size).map((e) => e.conversation);
      const next = offset + size < matching.length ? String(offset + size) : null;
      return json(200, { success: true, items, next_cursor: next } satisfies ConversationsOut);
    }
    if (path === '/conversations' && method === 'POST') {
      const title = String((body as { title?: unknown } | null)?.title ?? '').trim();
      const entry = this.addConversation({ title });
      return json(201, { success: true, conversation: entry.conversation } satisfies ConversationEnvelope);
    }
    if (path === '/conversations/import' && method === 'POST') {
      if (!this.transferApi) return error(405, 'Method not allowed.', 'method_not_allowed');
      return this.importFrom(body);
    }
    const conv = /^\/conversations\/([^/]+)(\/messages|\/export)?$/.exec(path);
    if (conv) return this.conversationRoute(method, decodeURIComponent(conv[1]), conv[2] ?? '', query, body);
    if (path === '/messages' && method === 'POST') {
      const entry = this.mostRecent() ?? this.addConversation();
      return this.submitMessage(entry, (body as { text: string }).text);
    }
    const m = /^\/messages\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const job = this.jobsById.get(decodeURIComponent(m[1]));
      return job ? json(200, { success: true, job } satisfies JobEnvelope) : error(404, 'Job not found', 'job_not_found');
    }
    if (m && method === 'PATCH') {
      const job = this.jobsById.get(decodeURIComponent(m[1]));
      if (!job) return error(404, 'Job not found', 'job_not_found');
      const text = String((body as { text?: unknown } | null)?.text ?? '').trim();
      if (!text) return error(400, 'The message is empty.', 'message_empty');
      return this.alternative(job, text);
    }
    const action = /^\/messages\/([^/]+)\/(stop|regenerate|select)$/.exec(path);
    if (action && method === 'POST') {
      const job = this.jobsById.get(decodeURIComponent(action[1]));
      if (!job) return error(404, 'Job not found', 'job_not_found');
      if (action[2] === 'stop') return this.stop(job);
      if (action[2] === 'regenerate') {
        if (job.kind === 'file') return error(400, 'A file’s reply cannot be regenerated.', 'not_regenerable');
        return this.alternative(job, job.text);
      }
      return this.select(job);
    }
    if (path === '/profile' && method === 'GET') {
      if (!this.profileApi) return error(404, 'Not found.', 'not_found');
      return json(200, { success: true, profile: this.profile } satisfies OwnerProfileOut);
    }
    const fact = /^\/profile\/facts\/([^/]+)$/.exec(path);
    if (fact) {
      if (!this.profileApi) return error(404, 'Not found.', 'not_found');
      return this.factRoute(method, decodeURIComponent(fact[1]), body);
    }
    return error(404, `No route ${method} ${url}`, 'not_found');
  });

  /** Add an account (not signed in); `signIn`: the session is its. */
  addAccount(email: string, password: string, signIn = false): AccountOut {
    this.accountSeq += 1;
    const account: AccountOut = {
      id: `acct-${this.accountSeq}`,
      email,
      created_at: '2024-05-01T10:00:00Z',
      sign_in: 'password',
    };
    this.accounts.push({ account, password });
    if (signIn) this.startSession(account);
    return account;
  }

  /** Sign in as the gateway does: the session, and a CSRF token in the `chat_csrf` cookie. */
  startSession(account: AccountOut): void {
    this.signedIn = account;
    this.csrfToken = `csrf-${account.id}-${this.requests.length}`;
    setCsrfCookie(this.csrfToken);
  }

  /** The session ends (signed out, expired): its cookies go too. */
  endSession(): void {
    this.signedIn = null;
    this.csrfToken = null;
    setCsrfCookie(null);
  }

  private authRoute(method: string, path: string, body: unknown): Response {
    const creds = (body ?? {}) as { email?: unknown; password?: unknown };
    const email = String(creds.email ?? '').trim().toLowerCase();
    const password = String(creds.password ?? '');
    if (path === '/auth/login' && method === 'POST') {
      const found = this.accounts.find((a) => a.account.email === email && a.password === password);
      if (!found) return error(401, 'The email or the password is wrong.', 'invalid_credentials');
      this.startSession(found.account);
      return json(200, { success: true, account: found.account } satisfies AccountEnvelope);
    }
    if (path === '/auth/signup' && method === 'POST') {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return error(400, 'This is not an email address.', 'invalid_email');
      if (password.length < this.passwordMinLength) {
        return error(400, `The password must be at least ${this.passwordMinLength} characters long.`, 'weak_password');
      }
      if (COMMON_PASSWORDS.has(password.toLowerCase())) return error(400, 'This password is too common.', 'weak_password');
      if (this.accounts.some((a) => a.account.email === email)) {
        return error(409, 'An account with this email already exists.', 'email_taken');
      }
      const account = this.addAccount(email, password, true);
      return json(201, { success: true, account } satisfies AccountEnvelope);
    }
    const signedIn = this.signedIn;
    if (!signedIn) return error(401, 'Sign in to continue.', 'unauthenticated');
    if (path === '/auth/me' && method === 'GET') return json(200, { success: true, account: signedIn } satisfies AccountEnvelope);
    if (path === '/auth/me' && method === 'DELETE') {
      this.accounts = this.accounts.filter((a) => a.account.id !== signedIn.id);
      this.conversations = [];
      this.apiKeys = [];
      this.endSession();
      return json(200, { success: true });
    }
    if (path === '/auth/logout' && method === 'POST') {
      this.endSession();
      return json(200, { success: true });
    }
    if (path === '/auth/api-keys' && method === 'GET') return json(200, { success: true, items: this.apiKeys } satisfies ApiKeysOut);
    if (path === '/auth/api-keys' && method === 'POST') {
      const name = String((body as { name?: unknown } | null)?.name ?? '').trim();
      if (!name) return error(400, 'The key needs a name.', 'invalid_request');
      const n = this.apiKeySecrets.length + 1;
      const secret = `ck_new${n}_${'s'.repeat(24)}`;
      const key: ApiKeyOut = { id: `key-new-${n}`, name, prefix: secret.slice(0, 7), created_at: this.now(), last_used_at: null };
      this.apiKeys = [key, ...this.apiKeys];
      this.apiKeySecrets.push(secret);
      return json(201, { success: true, key, secret } satisfies ApiKeyCreated);
    }
    const keyPath = /^\/auth\/api-keys\/([^/]+)$/.exec(path);
    if (keyPath && method === 'DELETE') {
      const id = decodeURIComponent(keyPath[1]);
      if (!this.apiKeys.some((k) => k.id === id)) return error(404, 'No such key.', 'not_found');
      this.apiKeys = this.apiKeys.filter((k) => k.id !== id);
      return json(200, { success: true });
    }
    return error(404, `No route ${method} ${path}`, 'not_found');
  }

  /** Change a job as the server would (what a test's stream events say happened to it). */
  update(jobId: string, change: Partial<Job>): Job {
    const job = this.jobsById.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    return Object.assign(job, change);
  }

  /** Jobs asked to stop (`POST /messages/{id}/stop`), in order. */
  stopped: string[] = [];

  /** The conversation holding a job, and where it is on the branch on show (-1: not on it). */
  private placeOf(job: Job): { entry: FakeConversation; at: number } | null {
    const entry = this.find(job.conversation_id);
    if (!entry) return null;
    const group = job.alternative_ids.length > 0 ? job.alternative_ids : [job.id];
    return { entry, at: entry.jobs.findIndex((j) => group.includes(j.id)) };
  }

  /** A regenerate (same text) or an edit: a new exchange beside `job`, which becomes the branch on show. */
  private alternative(job: Job, text: string): Response {
    const place = this.placeOf(job);
    if (!place || place.at < 0) return error(404, 'Job not found', 'job_not_found');
    const { entry, at } = place;
    this.seq += 1;
    const created = makeJob({
      id: `srv-${this.seq}`,
      conversation_id: entry.conversation.id,
      parent_id: job.parent_id,
      text,
      status: 'pending',
      created_at: this.now(),
    });
    const group = [...(job.alternative_ids.length > 0 ? job.alternative_ids : [job.id]), created.id];
    for (const id of group) {
      const sibling = id === created.id ? created : this.jobsById.get(id);
      if (sibling) sibling.alternative_ids = group;
    }
    this.jobsById.set(created.id, created);
    const shown = entry.jobs[at];
    entry.tails.set(shown.id, entry.jobs.slice(at));
    entry.jobs = [...entry.jobs.slice(0, at), created];
    entry.conversation.updated_at = this.now();
    // Only listings fill `alternative_ids`.
    const job202 = { ...created, alternative_ids: [] };
    return json(202, { success: true, job_id: created.id, status: 'pending', job: job202 } satisfies JobAccepted);
  }

  private select(job: Job): Response {
    const place = this.placeOf(job);
    if (!place || place.at < 0) return error(404, 'Job not found', 'job_not_found');
    const { entry, at } = place;
    const shown = entry.jobs[at];
    if (shown.id !== job.id) {
      entry.tails.set(shown.id, entry.jobs.slice(at));
      entry.jobs = [...entry.jobs.slice(0, at), ...(entry.tails.get(job.id) ?? [job])];
    }
    return json(200, { success: true, conversation: entry.conversation } satisfies ConversationEnvelope);
  }

  /** A queued job ends at once; a running one when its stream says so (the test sends that). */
  private stop(job: Job): Response {
    this.stopped.push(job.id);
    if (job.status === 'pending') {
      Object.assign(job, { status: 'done', result: makeResult({ reply: '', stopped: true }) });
    }
    return json(200, { success: true, job: { ...job } } satisfies JobEnvelope);
  }

  private factRoute(method: string, key: string, body: unknown): Response {
    const existing = this.profile.facts.find((f) => f.key === key);
    if (method === 'PATCH') {
      const value = String((body as { value?: unknown } | null)?.value ?? '').trim();
      if (!value || value.length > 500) return error(422, 'value must be 1 to 500 characters', 'invalid_argument');
      const fact = { key, value, confidence: 1, source_turn: '', updated_at: this.now(), edited: true };
      this.profile = {
        ...this.profile,
        facts: existing ? this.profile.facts.map((f) => (f.key === key ? fact : f)) : [...this.profile.facts, fact],
      };
      return json(200, { success: true, fact } satisfies FactEnvelope);
    }
    if (method === 'DELETE') {
      if (!existing) return error(404, 'No such fact.', 'fact_not_found');
      this.profile = { ...this.profile, facts: this.profile.facts.filter((f) => f.key !== key) };
      return json(200, { success: true, deleted: true } satisfies FactDeletedOut);
    }
    return error(405, 'Method not allowed.', 'method_not_allowed');
  }

  private exportOf(entry: FakeConversation, format: string): Response {
    const c = entry.conversation;
    const name = (c.title || 'conversation').replace(/[^\w-]+/g, '-');
    if (format === 'markdown') {
      const text = [`# ${c.title || 'New chat'}`, ...entry.jobs.flatMap((j) => [`**You:** ${j.text}`, `**Assistant:** ${j.result?.reply ?? ''}`])].join('\n\n');
      return new Response(text, {
        status: 200,
        headers: { 'Content-Type': 'text/markdown; charset=utf-8', 'Content-Disposition': `attachment; filename="${name}.md"` },
      });
    }
    const all = [...new Map([...entry.jobs, ...[...entry.tails.values()].flat()].map((j) => [j.id, j])).values()];
    const exported: ConversationExport = {
      format: 'chat-assistant.conversation',
      version: 1,
      exported_at: this.now(),
      conversation: { id: c.id, title: c.title, created_at: c.created_at, updated_at: c.updated_at },
      leaf_id: entry.jobs.at(-1)?.id ?? null,
      messages: all.map((j) => ({
        id: j.id,
        parent_id: j.parent_id,
        kind: j.kind,
        text: j.text,
        file: j.file,
        status: j.status,
        error: j.error,
        created_at: j.created_at,
        result: j.result
          ? { reply: j.result.reply, stopped: j.result.stopped, provider: j.result.provider, model: j.result.model, fallback: j.result.fallback }
          : null,
      })),
    };
    return new Response(JSON.stringify(exported), {
      status: 200,
      headers: { 'Content-Type': 'application/json', 'Content-Disposition': `attachment; filename="${name}.json"` },
    });
  }

  /** Imported conversations (their export bodies), in order. */
  imported: unknown[] = [];

  private importFrom(body: unknown): Response {
    const data = body as Partial<ConversationExport> | null;
    if (!data || data.format !== 'chat-assistant.conversation' || !Array.isArray(data.messages) || data.messages.length === 0) {
      return error(400, 'This is not a conversation export of this assistant.', 'invalid_argument');
    }
    this.imported.push(body);
    const jobs = data.messages.map((m) => {
      this.seq += 1;
      return makeJob({
        id: `imp-${this.seq}`,
        text: m.text ?? '',
        kind: m.kind ?? 'message',
        status: 'done',
        result: makeResult({ reply: m.result?.reply ?? '' }),
      });
    });
    const entry = this.addConversation({ title: data.conversation?.title ?? '', jobs });
    return json(201, { success: true, conversation: entry.conversation } satisfies ConversationEnvelope);
  }

  /** What the gateway answers an upload with these headers instead of taking it (accounts mode); null: take it. */
  uploadRefusal(headers: Record<string, string>): { status: number; body: unknown } | null {
    if (this.authMode !== 'accounts') return null;
    if (this.signedIn && this.csrfToken && headers['X-CSRF-Token'] !== this.csrfToken) {
      return { status: 403, body: { success: false, error: 'The request could not be verified.', code: 'csrf_failed' } };
    }
    if (!this.signedIn && !this.allowGuests) {
      return { status: 401, body: { success: false, error: 'Sign in to continue.', code: 'unauthenticated' } };
    }
    return null;
  }

  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }
}

/** XMLHttpRequest double answering uploads from the backend's `fileAnswer`. */
export function makeFakeXHR(backend: FakeBackend) {
  return class FakeXHR {
    static instances: FakeXHR[] = [];
    method = '';
    url = '';
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
    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }
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
      const refused = backend.uploadRefusal(this.headers);
      const answer = refused ??
        backend.fileAnswer ?? { status: 500, body: { success: false, error: 'no answer set', code: 'internal_error' } };
      this.status = answer.status;
      this.responseText = JSON.stringify(answer.body);
      this.onload?.();
    }
  };
}
