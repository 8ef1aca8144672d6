#!/usr/bin/env node
// @ts-check
// A dependency-free stand-in for the Python gateway, for trying the UI
// without the backend: `npm run build && npm run mock` then open
// http://127.0.0.1:5174. It serves dist/ and fakes the REST + SSE API.
// Message text steers it: "fail" → job error, "restart" → provider restart
// mid-stream, "fallback" → fallback provider, "slow" → slower streaming,
// "drop" → the first event stream is cut mid-reply (tests Last-Event-ID resume),
// "long" → a long, slow reply (to try Stop).
// Uploaded files are "read" first: `progress` events (pages, OCR, sheets,
// slides) come between the "processing" status and the first delta.
// Conversations live in memory: /conversations (list with `q` and cursors, create,
// read, rename, delete, paged messages, posts, export, import); /messages, /files and
// /chat/* work on the most recent one, as on the gateway.
// Each message follows a parent: a conversation shows the branch ending at its leaf.
// POST /messages/{id}/stop, /regenerate and /select and PATCH /messages/{id} work as on
// the gateway; listings fill `alternative_ids`. The owner's profile (GET /profile,
// PATCH and DELETE /profile/facts/{key}) holds what "my name is …" taught in any chat;
// a deleted fact is not learned again, a value the user set is not overwritten.
// Its answers are typed (JSDoc) by the API types generated from the gateway's OpenAPI
// schema (src/types.ts); `npm run typecheck` checks this file (tsconfig.scripts.json).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 5174);
const HOST = process.env.HOST ?? '127.0.0.1';
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const MAX_UPLOAD = 10 * 1024 * 1024;
// The gateway's list (and the frontend's fallback in src/api/client.ts).
const ALLOWED = [
  'c', 'cpp', 'css', 'csv', 'docx', 'gif', 'go', 'h', 'htm', 'html', 'java', 'jpeg', 'jpg', 'js', 'json',
  'log', 'md', 'pdf', 'png', 'pptx', 'py', 'rb', 'rs', 'sh', 'sql', 'toml', 'ts', 'txt', 'webp', 'xlsx',
  'xml', 'yaml', 'yml',
];
const FILE_LIMITS = {
  max_chars: 20000,
  max_pages: 50,
  max_ocr_pages: 20,
  ocr_min_chars: 20,
  max_render_pixels: 2500000,
  max_image_pixels: 40000000,
  max_rows: 500,
  max_expanded_bytes: 104857600,
};
const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif']);

/**
 * @typedef {import('../src/types').Job} Job
 * @typedef {import('../src/types').Conversation} Conversation
 * @typedef {{ conversation: Conversation, all: string[], leaf: string | null }} ConversationEntry
 * @typedef {import('../src/types').JobStatus} JobStatus
 * @typedef {import('../src/types').FileInfo} FileInfo
 * @typedef {import('../src/types').JobResult} JobResult
 * @typedef {import('../src/types').ProfileFact} ProfileFact
 * @typedef {import('../src/types').ErrorCode} ErrorCode
 * @typedef {import('../src/types').StatusEventData} StatusEventData
 * @typedef {import('../src/types').DeltaEventData} DeltaEventData
 * @typedef {import('../src/types').RestartEventData} RestartEventData
 * @typedef {import('../src/types').ProgressEventData} ProgressEventData
 * @typedef {{ seq: number } & ({ type: 'status', data: StatusEventData } | { type: 'delta', data: DeltaEventData }
 *   | { type: 'restart', data: RestartEventData } | { type: 'progress', data: ProgressEventData })} JobEvent
 * @typedef {import('node:http').IncomingMessage} Request
 * @typedef {import('node:http').ServerResponse} Response
 */

/** @type {Map<string, Job>} */
const jobs = new Map();
/** @type {Map<string, JobEvent[]>} */
const logs = new Map();
/** @type {Map<string, Set<(e: JobEvent) => void>>} */
const watchers = new Map();
/** Jobs whose first event stream was cut ("drop"). */
const dropped = new Set();
/** Jobs asked to stop, still running. */
const stopping = new Set();
/** The owner's profile (one owner: the mock has no sessions), and the keys deleted (never learned again). */
/** @type {ProfileFact[]} */
let facts = [];
const deletedFacts = new Set();
/** @type {Map<string, ConversationEntry>} */
const conversations = new Map();
let counter = 0;
let conversationCounter = 0;

const now = () => new Date().toISOString();
/** Words of the first message that name a conversation (as the job service does). */
const TITLE_WORDS = 8;
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {Response} res
 * @param {number} status
 * @param {unknown} body
 */
function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * @param {Response} res
 * @param {number} status
 * @param {ErrorCode} code
 * @param {string} error
 */
function fail(res, status, code, error) {
  /** @type {import('../src/types').ErrorOut} */
  const body = { success: false, error, code };
  send(res, status, body);
}

/**
 * @param {string} jobId
 * @param {Omit<JobEvent, 'seq'>} event
 */
function emit(jobId, event) {
  const log = logs.get(jobId) ?? [];
  const full = /** @type {JobEvent} */ ({ seq: log.length + 1, ...event });
  log.push(full);
  for (const w of watchers.get(jobId) ?? []) w(full);
}

/**
 * @param {Job} job
 * @param {JobStatus} status
 * @param {string | null} error
 */
function setStatus(job, status, error = null) {
  job.status = status;
  job.updated_at = now();
  if (error) job.error = error;
  const terminal = status === 'done' || status === 'error';
  emit(job.id, { type: 'status', data: { status, job: terminal ? job : null, error } });
}

/**
 * @param {string} text
 * @param {Job['kind']} kind
 * @param {FileInfo | null} file
 */
function reply(text, kind, file) {
  if (kind === 'message' && text.toLowerCase().includes('long')) {
    const paragraph =
      'The lighthouse keeper climbed the spiral stairs each evening, counting the steps as his father had, ' +
      'and lit the lamp that swept the dark water for ships that rarely came any more.';
    return Array.from({ length: 12 }, (_, i) => `**Part ${i + 1}.** ${paragraph}`).join('\n\n');
  }
  if (kind === 'file' && file) {
    return `### Analysis of \`${file.name}\`\n\nThis is a **${file.media_type}** file of ${file.size_bytes} bytes.\n\n- It looks well formed.\n- Nothing suspicious was found.\n\nAsk me anything about it.`;
  }
  return [
    `You said: *${text.slice(0, 80)}*.`,
    '',
    'Here is a list and some code, to show formatting:',
    '',
    '1. First point',
    '2. Second point with `inline code`',
    '',
    '```python',
    'def greet(name: str) -> str:',
    '    return f"Hello, {name}!"',
    '```',
    '',
    'Raw HTML stays text: <script>alert("x")</script> <img src=x onerror=alert(1)>',
  ].join('\n');
}

/**
 * The `progress` events a file job sends while its file is read ([] for plain text).
 * @param {FileInfo} file
 * @returns {ProgressEventData[]}
 */
function readingSteps(file) {
  const ext = extensionOf(file.name);
  /** @type {(noun: string, total: number) => ProgressEventData[]} */
  const counted = (noun, total) =>
    Array.from({ length: total }, (_, i) => ({ text: `reading ${noun} ${i + 1} of ${total}`, done: i + 1, total }));
  if (ext === 'pdf') return counted('page', 4);
  if (ext === 'xlsx') return counted('sheet', 3);
  if (ext === 'pptx') return counted('slide', 5);
  // OCR of one image: no count to show, just the sentence.
  if (IMAGE_EXTENSIONS.has(ext)) return [{ text: 'reading text in the image', done: 0, total: 0 }];
  return [];
}

/** @param {string} name */
function extensionOf(name) {
  return name.includes('.') ? (name.split('.').pop() ?? '').toLowerCase() : '';
}

/** @param {Job} job */
async function readFile(job) {
  if (!job.file) return;
  for (const step of readingSteps(job.file)) {
    emit(job.id, { type: 'progress', data: { ...step, at_ms: Date.now() } });
    await sleep(step.total ? 700 : 1500);
  }
}

/** @param {Job} job */
async function run(job) {
  const text = job.text.toLowerCase();
  const delay = text.includes('slow') ? 250 : text.includes('long') ? 80 : 35;
  await sleep(400);
  // Stopped while it waited: it has ended already.
  if (job.status !== 'pending') return;
  setStatus(job, 'processing');
  if (job.kind === 'file') await readFile(job);
  const full = reply(job.text, job.kind, job.file);
  const tokens = full.match(/\S+\s*/g) ?? [];
  let provider = text.includes('fallback') ? 'local' : 'gemini';
  let written = '';
  let stopped = false;
  for (let i = 0; i < tokens.length; i++) {
    if (stopping.has(job.id)) {
      stopped = true;
      break;
    }
    if (text.includes('restart') && i === 8 && provider === 'gemini') {
      emit(job.id, { type: 'restart', data: { failed_provider: 'gemini', reason: 'upstream timeout' } });
      provider = 'deepai';
      i = -1;
      await sleep(300);
      continue;
    }
    if (text.includes('fail') && i === 6) {
      setStatus(job, 'error', 'All providers failed: gemini timed out, deepai returned 503.');
      return;
    }
    emit(job.id, { type: 'delta', data: { text: tokens[i] } });
    written += tokens[i];
    await sleep(delay);
  }
  stopping.delete(job.id);
  const entry = conversations.get(job.conversation_id);
  const order = entry ? branchOf(entry).map((j) => j.id) : [];
  const m = /my name is (\w+)/i.exec(job.text);
  if (m && !deletedFacts.has('name')) {
    const existing = facts.find((f) => f.key === 'name');
    /** @type {ProfileFact} */
    const fact = { key: 'name', value: m[1], confidence: 0.92, source_turn: job.id, updated_at: now(), edited: false };
    // What the user set wins over what chats teach.
    if (existing && !existing.edited) Object.assign(existing, fact);
    else if (!existing) facts.push(fact);
  }
  const previous = order.filter((id) => id !== job.id).slice(-3);
  /** @type {JobResult} */
  const result = {
    reply: stopped ? written : full,
    provider,
    model: provider === 'local' ? 'qwen2.5-coder-0.5b' : provider === 'deepai' ? 'deepai-text' : 'gemini-2.0-flash',
    fallback: text.includes('fallback'),
    stopped,
    usage: { prompt_tokens: 812, completion_tokens: tokens.length, total_tokens: 812 + tokens.length },
    latency_ms: 1830,
    first_token_ms: 410,
    context: {
      full_history_tokens: 5000 + order.length * 120,
      context_tokens: 900,
      reduction_ratio: 0.82,
      turns_total: order.length,
      summary_used: order.length > 3,
      selected: previous.map((id, i) => ({
        turn_id: id,
        score: Number((0.9 - i * 0.17).toFixed(2)),
        reason: ['relevance', 'pinned-recent', 'importance', 'continuity'][i % 4],
        tokens: 40 + i * 13,
        preview: (jobs.get(id)?.text || jobs.get(id)?.file?.name || '').slice(0, 80),
      })),
    },
  };
  job.result = result;
  setStatus(job, 'done');
}

/** @param {string} title */
function createConversation(title) {
  conversationCounter += 1;
  const at = now();
  /** @type {ConversationEntry} */
  const entry = {
    conversation: {
      id: `conv${Date.now().toString(16)}${conversationCounter.toString(16).padStart(8, '0')}`,
      title,
      created_at: at,
      updated_at: at,
      message_count: 0,
    },
    all: [],
    leaf: null,
  };
  conversations.set(entry.conversation.id, entry);
  return entry;
}

/**
 * The branch on show: from the first exchange down to the leaf, oldest first.
 * @param {ConversationEntry} entry
 * @returns {Job[]}
 */
function branchOf(entry) {
  /** @type {Job[]} */
  const branch = [];
  for (let id = entry.leaf; id; ) {
    const job = jobs.get(id);
    if (!job) break;
    branch.unshift(job);
    id = job.parent_id;
  }
  return branch;
}

/**
 * The exchanges that follow `parentId` (null: the first ones), oldest first.
 * @param {ConversationEntry} entry
 * @param {string | null} parentId
 */
function childrenOf(entry, parentId) {
  return entry.all.flatMap((id) => {
    const job = jobs.get(id);
    return job && job.parent_id === parentId ? [job] : [];
  });
}

/**
 * A job as listings show it: with this exchange and its alternatives.
 * @param {ConversationEntry} entry
 * @param {Job} job
 * @returns {Job}
 */
function listed(entry, job) {
  return { ...job, alternative_ids: childrenOf(entry, job.parent_id).map((j) => j.id) };
}

/**
 * Show the branch through `job`: its newest exchanges, down to a leaf.
 * @param {ConversationEntry} entry
 * @param {Job} job
 */
function showThrough(entry, job) {
  let leaf = job;
  for (;;) {
    const next = childrenOf(entry, leaf.id).at(-1);
    if (!next) break;
    leaf = next;
  }
  entry.leaf = leaf.id;
}

/** Most recently active first (then the newest id), as the gateway lists them. */
function ordered() {
  return [...conversations.values()].sort(
    (a, b) =>
      b.conversation.updated_at.localeCompare(a.conversation.updated_at) ||
      b.conversation.id.localeCompare(a.conversation.id),
  );
}

/** Where /messages and /files go: the most recent conversation, created when there is none. */
function mostRecent() {
  return ordered()[0] ?? createConversation('');
}

/** @param {string} text */
function firstWords(text) {
  const words = text.split(/\s+/).filter(Boolean);
  return words.slice(0, TITLE_WORDS).join(' ') + (words.length > TITLE_WORDS ? '…' : '');
}

/** @param {string | null} cursor an offset; null when it is not one */
function offsetOf(cursor) {
  if (cursor === null || cursor === '') return 0;
  return /^\d+$/.test(cursor) ? Number(cursor) : null;
}

/**
 * A new exchange after `parentId` (by default the leaf: a new message), which becomes the leaf.
 * @param {ConversationEntry} entry
 * @param {Job['kind']} kind
 * @param {string} text
 * @param {FileInfo | null} file
 * @param {string | null} [parentId]
 */
function createJob(entry, kind, text, file, parentId = entry.leaf) {
  counter += 1;
  const id = `mock-${Date.now().toString(36)}-${counter}`;
  /** @type {Job} */
  const job = {
    id,
    conversation_id: entry.conversation.id,
    parent_id: parentId,
    alternative_ids: [],
    kind,
    status: 'pending',
    text,
    file,
    result: null,
    error: null,
    attempts: 1,
    created_at: now(),
    updated_at: now(),
  };
  jobs.set(id, job);
  logs.set(id, []);
  entry.all.push(id);
  entry.leaf = id;
  const c = entry.conversation;
  if (!c.title) c.title = firstWords(text || file?.name || '');
  c.message_count = entry.all.length;
  c.updated_at = now();
  emit(id, { type: 'status', data: { status: 'pending', job: null, error: null } });
  void run(job);
  return job;
}

/** @param {Job} job */
function accepted(job) {
  /** @type {import('../src/types').JobAccepted} */
  const answer = { success: true, job_id: job.id, status: job.status, job };
  return answer;
}

/** @type {Map<string, import('../src/types').JobAccepted>} */
const idem = new Map();

/**
 * @param {Request} req
 * @param {number} limit
 * @returns {Promise<Buffer>}
 */
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error('too large'), { tooLarge: true }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * @param {Request} req
 * @param {Response} res
 * @param {string} jobId
 * @param {number} after
 */
function sse(req, res, jobId, after) {
  process.stdout.write(`SSE ${jobId} after=${after}\n`);
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  const job = jobs.get(jobId);
  if (!job) return;
  let written = 0;
  /** @param {JobEvent} e */
  const write = (e) => {
    if (res.writableEnded) return;
    res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
    written += 1;
    if (job.text.toLowerCase().includes('drop') && !dropped.has(job.id) && written >= 10) {
      dropped.add(job.id);
      cleanup();
      res.end();
      return;
    }
    if (e.type === 'status' && (e.data.status === 'done' || e.data.status === 'error')) {
      cleanup();
      res.end();
    }
  };
  const set = watchers.get(jobId) ?? new Set();
  watchers.set(jobId, set);
  const cleanup = () => set.delete(write);
  req.on('close', cleanup);
  for (const e of logs.get(jobId) ?? []) if (e.seq > after) write(e);
  if (!res.writableEnded) set.add(write);
}

/**
 * POST /messages and POST /conversations/{id}/messages.
 * @param {Request} req
 * @param {Response} res
 * @param {ConversationEntry} entry
 */
async function acceptMessage(req, res, entry) {
  const key = req.headers['idempotency-key'];
  const replay = typeof key === 'string' ? idem.get(key) : undefined;
  if (replay) return send(res, 202, replay);
  const body = JSON.parse((await readBody(req, 1e6)).toString() || '{}');
  const text = String(body.text ?? '').trim();
  if (!text) return fail(res, 422, 'message_empty', 'Message text must not be empty.');
  if (text.length > 8000) return fail(res, 422, 'message_too_long', 'Message is longer than 8000 characters.');
  const answer = accepted(createJob(entry, 'message', text, null));
  if (typeof key === 'string') idem.set(key, answer);
  return send(res, 202, answer);
}

/**
 * POST /files and POST /conversations/{id}/files.
 * @param {Request} req
 * @param {Response} res
 * @param {ConversationEntry} entry
 */
async function acceptUpload(req, res, entry) {
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_UPLOAD + 4096) {
    return fail(res, 413, 'file_too_large', `File too large: the limit is ${MAX_UPLOAD} bytes.`);
  }
  const raw = await readBody(req, MAX_UPLOAD + 4096);
  const head = raw.subarray(0, 1024).toString('latin1');
  const name = /filename="([^"]*)"/.exec(head)?.[1] ?? 'upload';
  const type = /Content-Type: ([^\r\n]+)/i.exec(head)?.[1] ?? 'application/octet-stream';
  const ext = extensionOf(name);
  if (!ALLOWED.includes(ext)) {
    return fail(res, 415, 'unsupported_type', `Unsupported file type ".${ext}". Allowed: ${ALLOWED.join(', ')}.`);
  }
  const job = createJob(entry, 'file', '', { name, media_type: type, size_bytes: Math.max(0, raw.length - 300) });
  return send(res, 202, accepted(job));
}

/**
 * POST /messages/{id}/stop, /regenerate, /select and PATCH /messages/{id} (edit).
 * @param {Request} req
 * @param {Response} res
 * @param {string} jobId
 * @param {'stop' | 'regenerate' | 'select' | 'edit'} action
 */
async function messageAction(req, res, jobId, action) {
  const job = jobs.get(jobId);
  const entry = job ? conversations.get(job.conversation_id) : undefined;
  if (!job || !entry) return fail(res, 404, 'job_not_found', 'Job not found.');
  if (action === 'stop') {
    if (job.status === 'pending') {
      // Not started: it ends at once, with nothing written.
      job.result = {
        reply: '',
        provider: '',
        model: '',
        fallback: false,
        stopped: true,
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
        latency_ms: 0,
        first_token_ms: 0,
        context: { full_history_tokens: 0, context_tokens: 0, reduction_ratio: 0, turns_total: 0, summary_used: false, selected: [] },
      };
      setStatus(job, 'done');
    } else if (job.status === 'processing') {
      stopping.add(job.id);
    }
    /** @type {import('../src/types').JobEnvelope} */
    const envelope = { success: true, job };
    return send(res, 200, envelope);
  }
  if (action === 'select') {
    showThrough(entry, job);
    entry.conversation.updated_at = now();
    /** @type {import('../src/types').ConversationEnvelope} */
    const envelope = { success: true, conversation: entry.conversation };
    return send(res, 200, envelope);
  }
  const key = req.headers['idempotency-key'];
  const replay = typeof key === 'string' ? idem.get(key) : undefined;
  if (replay) return send(res, 202, replay);
  let text = job.text;
  if (action === 'edit') {
    const body = JSON.parse((await readBody(req, 1e6)).toString() || '{}');
    text = String(body.text ?? '').trim();
    if (!text) return fail(res, 400, 'message_empty', 'The message is empty.');
    if (text.length > 8000) return fail(res, 413, 'message_too_long', 'The message is too long. The maximum is 8000 characters.');
  }
  if (job.kind === 'file') {
    return fail(res, 400, 'not_regenerable', 'A file’s analysis cannot be regenerated or edited; upload the file again.');
  }
  // Beside the old one, as its alternative: the branch on show goes through the new one.
  const answer = accepted(createJob(entry, 'message', text, null, job.parent_id));
  if (typeof key === 'string') idem.set(key, answer);
  return send(res, 202, answer);
}

/**
 * PATCH and DELETE /profile/facts/{key}.
 * @param {Request} req
 * @param {Response} res
 * @param {string} method
 * @param {string} key
 */
async function factAction(req, res, method, key) {
  if (key.length > 40) return fail(res, 422, 'invalid_argument', 'The key is at most 40 characters.');
  const existing = facts.find((f) => f.key === key);
  if (method === 'PATCH') {
    const body = JSON.parse((await readBody(req, 1e5)).toString() || '{}');
    const value = String(body.value ?? '').trim();
    if (!value || value.length > 500) return fail(res, 422, 'invalid_argument', 'value must be 1 to 500 characters');
    /** @type {ProfileFact} */
    const fact = { key, value, confidence: 1, source_turn: '', updated_at: now(), edited: true };
    if (existing) Object.assign(existing, fact);
    else facts.push(fact);
    deletedFacts.delete(key);
    /** @type {import('../src/types').FactEnvelope} */
    const envelope = { success: true, fact };
    return send(res, 200, envelope);
  }
  if (method === 'DELETE') {
    if (!existing) return fail(res, 404, 'fact_not_found', 'No such fact.');
    facts = facts.filter((f) => f.key !== key);
    deletedFacts.add(key);
    /** @type {import('../src/types').FactDeletedOut} */
    const deleted = { success: true, deleted: true };
    return send(res, 200, deleted);
  }
  return fail(res, 405, 'method_not_allowed', 'Method not allowed.');
}

/** @param {string} title */
function fileName(title) {
  return (title.trim() || 'conversation').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'conversation';
}

/**
 * GET /conversations/{id}/export?format=json|markdown.
 * @param {Response} res
 * @param {ConversationEntry} entry
 * @param {string} format
 */
function exportConversation(res, entry, format) {
  const c = entry.conversation;
  if (format === 'markdown') {
    const lines = [`# ${c.title || 'New chat'}`, ''];
    for (const job of branchOf(entry)) {
      lines.push(`**You:** ${job.kind === 'file' ? `(file ${job.file?.name ?? ''})` : job.text}`, '');
      lines.push(`**Assistant:** ${job.result?.reply ?? job.error ?? ''}${job.result?.stopped ? ' *(stopped)*' : ''}`, '');
    }
    res.writeHead(200, {
      'Content-Type': 'text/markdown; charset=utf-8',
      'Content-Disposition': `attachment; filename="${fileName(c.title)}.md"`,
    });
    return res.end(lines.join('\n'));
  }
  if (format !== 'json') return fail(res, 422, 'invalid_argument', 'format must be json or markdown');
  /** @type {import('../src/types').ConversationExport} */
  const exported = {
    format: 'chat-assistant.conversation',
    version: 1,
    exported_at: now(),
    conversation: { id: c.id, title: c.title, created_at: c.created_at, updated_at: c.updated_at },
    leaf_id: entry.leaf,
    messages: entry.all.flatMap((id) => {
      const job = jobs.get(id);
      if (!job) return [];
      const r = job.result;
      return [
        {
          id: job.id,
          parent_id: job.parent_id,
          kind: job.kind,
          text: job.text,
          file: job.file,
          status: job.status,
          error: job.error,
          created_at: job.created_at,
          result: r ? { reply: r.reply, stopped: r.stopped, provider: r.provider, model: r.model, fallback: r.fallback } : null,
        },
      ];
    }),
  };
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Disposition': `attachment; filename="${fileName(c.title)}.json"`,
  });
  return res.end(JSON.stringify(exported, null, 2));
}

/**
 * POST /conversations/import: a new conversation from a JSON export, with new ids.
 * @param {Request} req
 * @param {Response} res
 */
async function importConversation(req, res) {
  /** @type {Partial<import('../src/types').ConversationExport> | null} */
  const body = JSON.parse((await readBody(req, 16 * 1024 * 1024)).toString() || 'null');
  if (!body || body.format !== 'chat-assistant.conversation') {
    return fail(res, 400, 'invalid_argument', 'This is not a conversation export of this assistant.');
  }
  const messages = Array.isArray(body.messages) ? body.messages : [];
  if (messages.length === 0) return fail(res, 400, 'invalid_argument', 'The export holds no message.');
  const known = new Set(messages.map((m) => m.id));
  const orphan = messages.find((m) => m.parent_id && !known.has(m.parent_id));
  if (orphan) return fail(res, 400, 'invalid_argument', `Message ${orphan.id} follows ${orphan.parent_id}, which is not in the export.`);
  if (body.leaf_id && !known.has(body.leaf_id)) return fail(res, 400, 'invalid_argument', 'The export’s leaf_id is none of its messages.');
  const entry = createConversation(String(body.conversation?.title ?? '').slice(0, 200));
  /** @type {Map<string, string>} */
  const ids = new Map();
  for (const m of messages) {
    counter += 1;
    const id = `mock-${Date.now().toString(36)}-${counter}`;
    ids.set(m.id, id);
    const at = m.created_at ?? now();
    const r = m.result;
    /** @type {Job} */
    const job = {
      id,
      conversation_id: entry.conversation.id,
      parent_id: m.parent_id ? (ids.get(m.parent_id) ?? null) : null,
      alternative_ids: [],
      kind: m.kind ?? 'message',
      // What was still running when it was exported did not finish.
      status: m.status === 'error' || m.status === 'done' ? m.status : 'error',
      text: m.text ?? '',
      file: m.file ?? null,
      result: r
        ? {
            reply: r.reply,
            stopped: Boolean(r.stopped),
            provider: r.provider ?? '',
            model: r.model ?? '',
            fallback: Boolean(r.fallback),
            usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
            latency_ms: 0,
            first_token_ms: 0,
            context: { full_history_tokens: 0, context_tokens: 0, reduction_ratio: 0, turns_total: 0, summary_used: false, selected: [] },
          }
        : null,
      error: m.error ?? (m.status === 'done' || m.status === 'error' ? null : 'It was not finished when exported.'),
      attempts: 1,
      created_at: at,
      updated_at: at,
    };
    jobs.set(id, job);
    logs.set(id, [{ seq: 1, type: 'status', data: { status: job.status, job, error: job.error } }]);
    entry.all.push(id);
  }
  entry.leaf = (body.leaf_id ? ids.get(body.leaf_id) : undefined) ?? entry.all.at(-1) ?? null;
  entry.conversation.message_count = entry.all.length;
  /** @type {import('../src/types').ConversationEnvelope} */
  const created = { success: true, conversation: entry.conversation };
  return send(res, 201, created);
}

/** @type {Record<string, string>} */
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/**
 * @param {Response} res
 * @param {string} path
 */
function serveStatic(res, path) {
  let file = normalize(join(DIST, path === '/' ? 'index.html' : path));
  if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory()) file = join(DIST, 'index.html');
  if (!existsSync(file)) return fail(res, 404, 'not_found', 'Run `npm run build` first.');
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const path = url.pathname;
  const method = req.method ?? 'GET';
  try {
    if (path === '/config') {
      /** @type {import('../src/types').ConfigOut} */
      const config = {
        success: true,
        max_upload_bytes: MAX_UPLOAD,
        allowed_extensions: ALLOWED,
        max_message_chars: 8000,
        local_model: '',
        local_model_title: '',
        file_limits: FILE_LIMITS,
      };
      return send(res, 200, config);
    }
    if (path === '/chat/history') {
      const entry = ordered()[0];
      /** @type {import('../src/types').HistoryOut} */
      const history = { success: true, items: entry ? branchOf(entry).map((j) => listed(entry, j)) : [] };
      return send(res, 200, history);
    }
    // The owner's profile across conversations (/chat/profile answers the same, as on the gateway).
    if ((path === '/chat/profile' || path === '/profile') && method === 'GET') {
      const entry = ordered()[0];
      /** @type {import('../src/types').OwnerProfileOut} */
      const profile = {
        success: true,
        profile: {
          facts,
          summary: entry && entry.all.length > 2 ? 'The user is trying out the chat UI.' : '',
        },
      };
      return send(res, 200, profile);
    }
    const factRoute = /^\/profile\/facts\/([^/]+)$/.exec(path);
    if (factRoute) return factAction(req, res, method, decodeURIComponent(factRoute[1]));
    if (path === '/chat/clear' && method === 'DELETE') {
      const entry = ordered()[0];
      /** @type {import('../src/types').ClearedOut} */
      const cleared = { success: true, cleared: entry?.all.length ?? 0 };
      if (entry) {
        entry.all = [];
        entry.leaf = null;
        entry.conversation.message_count = 0;
      }
      return send(res, 200, cleared);
    }
    if (path === '/messages' && method === 'POST') return acceptMessage(req, res, mostRecent());
    if (path === '/files' && method === 'POST') return acceptUpload(req, res, mostRecent());
    if (path === '/auth/config' && method === 'GET') {
      // No accounts here: the app runs as in guest mode (the gateway's default).
      /** @type {import('../src/types').AuthConfigOut} */
      const auth = { success: true, mode: 'guest', allow_guests: true, password_min_length: 0, providers: [] };
      return send(res, 200, auth);
    }
    if (path === '/conversations' && method === 'GET') {
      const q = (url.searchParams.get('q') ?? '').trim().toLowerCase();
      const offset = offsetOf(url.searchParams.get('cursor'));
      if (offset === null) return fail(res, 400, 'invalid_cursor', 'Invalid cursor.');
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 20) || 20));
      // A plain substring search (the gateway's is full-text with English stemming).
      const matching = ordered().filter(
        (e) =>
          !q ||
          e.conversation.title.toLowerCase().includes(q) ||
          e.all.some((id) => (jobs.get(id)?.text ?? '').toLowerCase().includes(q)),
      );
      /** @type {import('../src/types').ConversationsOut} */
      const page = {
        success: true,
        items: matching.slice(offset, offset + limit).map((e) => e.conversation),
        next_cursor: offset + limit < matching.length ? String(offset + limit) : null,
      };
      return send(res, 200, page);
    }
    if (path === '/conversations' && method === 'POST') {
      const body = JSON.parse((await readBody(req, 1e5)).toString() || '{}');
      const title = String(body.title ?? '').trim();
      if (title.length > 200) return fail(res, 422, 'invalid_argument', 'title must be at most 200 characters');
      /** @type {import('../src/types').ConversationEnvelope} */
      const created = { success: true, conversation: createConversation(title).conversation };
      return send(res, 201, created);
    }
    if (path === '/conversations/import' && method === 'POST') return importConversation(req, res);
    const conv = /^\/conversations\/([^/]+)(\/messages|\/files|\/export)?$/.exec(path);
    if (conv) {
      const entry = conversations.get(decodeURIComponent(conv[1]));
      if (!entry) return fail(res, 404, 'conversation_not_found', 'Conversation not found.');
      const sub = conv[2] ?? '';
      /** @type {() => import('../src/types').ConversationEnvelope} */
      const envelope = () => ({ success: true, conversation: entry.conversation });
      if (sub === '' && method === 'GET') return send(res, 200, envelope());
      if (sub === '' && method === 'PATCH') {
        const body = JSON.parse((await readBody(req, 1e5)).toString() || '{}');
        const title = String(body.title ?? '').split(/\s+/).filter(Boolean).join(' ');
        if (!title || title.length > 200) return fail(res, 422, 'invalid_argument', 'title must be 1 to 200 characters');
        entry.conversation.title = title;
        entry.conversation.updated_at = now();
        return send(res, 200, envelope());
      }
      if (sub === '' && method === 'DELETE') {
        conversations.delete(entry.conversation.id);
        /** @type {import('../src/types').DeletedOut} */
        const deleted = { success: true, deleted_messages: entry.all.length };
        return send(res, 200, deleted);
      }
      if (sub === '/messages' && method === 'GET') {
        // The branch on show, paged back from its leaf (the cursor: where the page ends).
        const branch = branchOf(entry);
        const cursor = url.searchParams.get('cursor');
        const end = cursor === null ? branch.length : offsetOf(cursor);
        if (end === null) return fail(res, 400, 'invalid_cursor', 'Invalid cursor.');
        const limit = Math.min(200, Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50));
        const start = Math.max(0, end - limit);
        /** @type {import('../src/types').MessagesPageOut} */
        const page = {
          success: true,
          items: branch.slice(start, end).map((j) => listed(entry, j)),
          next_cursor: start > 0 ? String(start) : null,
        };
        return send(res, 200, page);
      }
      if (sub === '/export' && method === 'GET') return exportConversation(res, entry, url.searchParams.get('format') ?? 'json');
      if (sub === '/messages' && method === 'POST') return acceptMessage(req, res, entry);
      if (sub === '/files' && method === 'POST') return acceptUpload(req, res, entry);
      return fail(res, 405, 'method_not_allowed', 'Method not allowed.');
    }
    const ev = /^\/messages\/([^/]+)\/events$/.exec(path);
    if (ev) {
      const id = decodeURIComponent(ev[1]);
      if (!jobs.has(id)) return fail(res, 404, 'job_not_found', 'Job not found.');
      const after = Number(req.headers['last-event-id'] ?? url.searchParams.get('after') ?? 0) || 0;
      return sse(req, res, id, after);
    }
    const one = /^\/messages\/([^/]+)$/.exec(path);
    if (one && method === 'GET') {
      const job = jobs.get(decodeURIComponent(one[1]));
      /** @type {import('../src/types').JobEnvelope | undefined} */
      const envelope = job ? { success: true, job } : undefined;
      return envelope ? send(res, 200, envelope) : fail(res, 404, 'job_not_found', 'Job not found.');
    }
    if (one && method === 'PATCH') return messageAction(req, res, decodeURIComponent(one[1]), 'edit');
    const act = /^\/messages\/([^/]+)\/(stop|regenerate|select)$/.exec(path);
    if (act && method === 'POST') {
      return messageAction(req, res, decodeURIComponent(act[1]), /** @type {'stop' | 'regenerate' | 'select'} */ (act[2]));
    }
    if (method === 'GET') return serveStatic(res, path);
    return fail(res, 404, 'not_found', 'Not found.');
  } catch (err) {
    const e = /** @type {{ tooLarge?: boolean, message?: string } | null} */ (err);
    if (e && e.tooLarge) return fail(res, 413, 'file_too_large', 'File too large.');
    return fail(res, 400, 'invalid_request', String(e && e.message ? e.message : err));
  }
});

server.listen(PORT, HOST, () => {
  process.stdout.write(`mock gateway on http://${HOST}:${PORT}\n`);
});
