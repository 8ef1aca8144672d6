#!/usr/bin/env node
// A dependency-free stand-in for the Python gateway, for trying the UI
// without the backend: `npm run build && npm run mock` then open
// http://127.0.0.1:5174. It serves dist/ and fakes the REST + SSE API.
// Message text steers it: "fail" → job error, "restart" → provider restart
// mid-stream, "fallback" → fallback provider, "slow" → slower streaming,
// "drop" → the first event stream is cut mid-reply (tests Last-Event-ID resume).
// Uploaded files are "read" first: `progress` events (pages, OCR, sheets,
// slides) come between the "processing" status and the first delta.
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

/** @type {Map<string, any>} */
const jobs = new Map();
/** @type {Map<string, {seq:number, type:string, data:any}[]>} */
const logs = new Map();
/** @type {Map<string, Set<(e:any)=>void>>} */
const watchers = new Map();
let order = [];
let counter = 0;
const facts = [];

const now = () => new Date().toISOString();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function fail(res, status, error) {
  send(res, status, { success: false, error });
}

function emit(jobId, type, data) {
  const log = logs.get(jobId);
  const event = { seq: log.length + 1, type, data };
  log.push(event);
  for (const w of watchers.get(jobId) ?? []) w(event);
}

function setStatus(job, status, error = null) {
  job.status = status;
  job.updated_at = now();
  if (error) job.error = error;
  const terminal = status === 'done' || status === 'error';
  emit(job.id, 'status', { status, job: terminal ? job : null, error });
}

function reply(text, kind, file) {
  if (kind === 'file') {
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

/** The `progress` events a file job sends while its file is read ([] for plain text). */
function readingSteps(file) {
  const ext = file.name.includes('.') ? file.name.split('.').pop().toLowerCase() : '';
  const counted = (noun, total) =>
    Array.from({ length: total }, (_, i) => ({ text: `reading ${noun} ${i + 1} of ${total}`, done: i + 1, total }));
  if (ext === 'pdf') return counted('page', 4);
  if (ext === 'xlsx') return counted('sheet', 3);
  if (ext === 'pptx') return counted('slide', 5);
  // OCR of one image: no count to show, just the sentence.
  if (IMAGE_EXTENSIONS.has(ext)) return [{ text: 'reading text in the image', done: 0, total: 0 }];
  return [];
}

async function readFile(job) {
  for (const step of readingSteps(job.file)) {
    emit(job.id, 'progress', { ...step, at_ms: Date.now() });
    await sleep(step.total ? 700 : 1500);
  }
}

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
      emit(job.id, 'restart', { failed_provider: 'gemini', reason: 'upstream timeout' });
      provider = 'deepai';
      i = -1;
      await sleep(300);
      continue;
    }
    if (text.includes('fail') && i === 6) {
      setStatus(job, 'error', 'All providers failed: gemini timed out, deepai returned 503.');
      return;
    }
    emit(job.id, 'delta', { text: tokens[i] });
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
  job.result = {
    reply: full,
    provider,
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
  setStatus(job, 'done');
}

function createJob(kind, text, file) {
  counter += 1;
  const id = `mock-${Date.now().toString(36)}-${counter}`;
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
  emit(id, 'status', { status: 'pending', job: null, error: null });
  void run(job);
  return job;
}

const idem = new Map();

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
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

function sse(req, res, jobId, after) {
  process.stdout.write(`SSE ${jobId} after=${after}\n`);
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  const job = jobs.get(jobId);
  let written = 0;
  const write = (e) => {
    if (res.writableEnded) return;
    res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
    written += 1;
    if (job.text.toLowerCase().includes('drop') && !job.dropped && written >= 10) {
      job.dropped = true;
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
  for (const e of logs.get(jobId)) if (e.seq > after) write(e);
  if (!res.writableEnded) set.add(write);
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

function serveStatic(req, res, path) {
  let file = normalize(join(DIST, path === '/' ? 'index.html' : path));
  if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory()) file = join(DIST, 'index.html');
  if (!existsSync(file)) return fail(res, 404, 'Run `npm run build` first.');
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const path = url.pathname;
  const method = req.method ?? 'GET';
  try {
    if (path === '/config') {
      return send(res, 200, {
        success: true,
        max_upload_bytes: MAX_UPLOAD,
        allowed_extensions: ALLOWED,
        max_message_chars: 8000,
        file_limits: FILE_LIMITS,
      });
    }
    if (path === '/chat/history') return send(res, 200, { success: true, items: order.map((id) => jobs.get(id)) });
    if (path === '/chat/profile') {
      return send(res, 200, {
        success: true,
        profile: { facts, summary: order.length > 2 ? 'The user is trying out the chat UI.' : null },
      });
    }
    if (path === '/chat/clear' && method === 'DELETE') {
      const cleared = order.length;
      order = [];
      facts.length = 0;
      return send(res, 200, { success: true, cleared });
    }
    if (path === '/messages' && method === 'POST') {
      const key = req.headers['idempotency-key'];
      if (key && idem.has(key)) return send(res, 202, idem.get(key));
      const body = JSON.parse((await readBody(req, 1e6)).toString() || '{}');
      const text = String(body.text ?? '').trim();
      if (!text) return fail(res, 422, 'Message text must not be empty.');
      if (text.length > 8000) return fail(res, 422, 'Message is longer than 8000 characters.');
      const job = createJob('message', text, null);
      const answer = { success: true, job_id: job.id, status: job.status, job };
      if (key) idem.set(key, answer);
      return send(res, 202, answer);
    }
    if (path === '/files' && method === 'POST') {
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > MAX_UPLOAD + 4096) return fail(res, 413, `File too large: the limit is ${MAX_UPLOAD} bytes.`);
      const raw = await readBody(req, MAX_UPLOAD + 4096);
      const head = raw.subarray(0, 1024).toString('latin1');
      const name = /filename="([^"]*)"/.exec(head)?.[1] ?? 'upload';
      const type = /Content-Type: ([^\r\n]+)/i.exec(head)?.[1] ?? 'application/octet-stream';
      const ext = name.includes('.') ? name.split('.').pop().toLowerCase() : '';
      if (!ALLOWED.includes(ext)) {
        return fail(res, 415, `Unsupported file type ".${ext}". Allowed: ${ALLOWED.join(', ')}.`);
      }
      const job = createJob('file', '', { name, media_type: type, size_bytes: Math.max(0, raw.length - 300) });
      return send(res, 202, { success: true, job_id: job.id, status: job.status, job });
    }
    const ev = /^\/messages\/([^/]+)\/events$/.exec(path);
    if (ev) {
      const id = decodeURIComponent(ev[1]);
      if (!jobs.has(id)) return fail(res, 404, 'Job not found.');
      const after = Number(req.headers['last-event-id'] ?? url.searchParams.get('after') ?? 0) || 0;
      return sse(req, res, id, after);
    }
    const one = /^\/messages\/([^/]+)$/.exec(path);
    if (one && method === 'GET') {
      const job = jobs.get(decodeURIComponent(one[1]));
      return job ? send(res, 200, { success: true, job }) : fail(res, 404, 'Job not found.');
    }
    if (method === 'GET') return serveStatic(req, res, path);
    return fail(res, 404, 'Not found.');
  } catch (err) {
    if (err && err.tooLarge) return fail(res, 413, 'File too large.');
    return fail(res, 400, String(err && err.message ? err.message : err));
  }
});

server.listen(PORT, HOST, () => {
  process.stdout.write(`mock gateway on http://${HOST}:${PORT}\n`);
});
