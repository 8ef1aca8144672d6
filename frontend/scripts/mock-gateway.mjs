#!/usr/bin/env node
// @ts-check
// A dependency-free stand-in for the Python gateway, for trying the UI
// without the backend: `npm run build && npm run mock` then open
// http://127.0.0.1:5174. It serves dist/ and fakes the REST + SSE API.
// Message text steers it: "fail" → job error, "restart" → provider restart
// mid-stream, "fallback" → fallback provider, "slow" → slower streaming,
// "drop" → the first event stream is cut mid-reply (tests Last-Event-ID resume).
// Uploaded files are "read" first: `progress` events (pages, OCR, sheets,
// slides) come between the "processing" status and the first delta.
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
/** @type {string[]} */
let order = [];
let counter = 0;
/** @type {ProfileFact[]} */
const facts = [];

const now = () => new Date().toISOString();
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
  const delay = text.includes('slow') ? 250 : 35;
  await sleep(400);
  setStatus(job, 'processing');
  if (job.kind === 'file') await readFile(job);
  const full = reply(job.text, job.kind, job.file);
  const tokens = full.match(/\S+\s*/g) ?? [];
  let provider = text.includes('fallback') ? 'local' : 'gemini';
  for (let i = 0; i < tokens.length; i++) {
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
    await sleep(delay);
  }
  const m = /my name is (\w+)/i.exec(job.text);
  if (m) {
    const existing = facts.find((f) => f.key === 'name');
    const fact = { key: 'name', value: m[1], confidence: 0.92, source_turn: job.id, updated_at: now() };
    if (existing) Object.assign(existing, fact);
    else facts.push(fact);
  }
  const previous = order.filter((id) => id !== job.id).slice(-3);
  /** @type {JobResult} */
  const result = {
    reply: full,
    provider,
    model: provider === 'local' ? 'qwen2.5-coder-0.5b' : provider === 'deepai' ? 'deepai-text' : 'gemini-2.0-flash',
    fallback: text.includes('fallback'),
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

/**
 * @param {Job['kind']} kind
 * @param {string} text
 * @param {FileInfo | null} file
 */
function createJob(kind, text, file) {
  counter += 1;
  const id = `mock-${Date.now().toString(36)}-${counter}`;
  /** @type {Job} */
  const job = {
    id,
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
  order.push(id);
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
      /** @type {import('../src/types').HistoryOut} */
      const history = { success: true, items: order.flatMap((id) => jobs.get(id) ?? []) };
      return send(res, 200, history);
    }
    if (path === '/chat/profile') {
      /** @type {import('../src/types').ProfileOut} */
      const profile = {
        success: true,
        profile: { facts, summary: order.length > 2 ? 'The user is trying out the chat UI.' : '' },
      };
      return send(res, 200, profile);
    }
    if (path === '/chat/clear' && method === 'DELETE') {
      /** @type {import('../src/types').ClearedOut} */
      const cleared = { success: true, cleared: order.length };
      order = [];
      facts.length = 0;
      return send(res, 200, cleared);
    }
    if (path === '/messages' && method === 'POST') {
      const key = req.headers['idempotency-key'];
      const replay = typeof key === 'string' ? idem.get(key) : undefined;
      if (replay) return send(res, 202, replay);
      const body = JSON.parse((await readBody(req, 1e6)).toString() || '{}');
      const text = String(body.text ?? '').trim();
      if (!text) return fail(res, 422, 'message_empty', 'Message text must not be empty.');
      if (text.length > 8000) return fail(res, 422, 'message_too_long', 'Message is longer than 8000 characters.');
      const answer = accepted(createJob('message', text, null));
      if (typeof key === 'string') idem.set(key, answer);
      return send(res, 202, answer);
    }
    if (path === '/files' && method === 'POST') {
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
      const job = createJob('file', '', { name, media_type: type, size_bytes: Math.max(0, raw.length - 300) });
      return send(res, 202, accepted(job));
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
