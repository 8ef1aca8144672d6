/** Pure chat state: one "turn" = what the user sent + the assistant's reply to it. */
import type { StreamMode, StreamSnapshot } from '../api/events';
import type { FileInfo, Job, JobKind, JobStatus, ProgressEventData, RestartEventData } from '../types';
import { isTerminal } from '../types';

/** Where a turn is: before the server accepted it, or the job's own status. */
export type TurnPhase = 'sending' | 'uploading' | 'rejected' | JobStatus;

export interface Turn {
  /** Stable key: `job:<id>` for turns loaded from history, `local:<uuid>` for ones sent here. */
  localId: string;
  jobId: string | null;
  /** Jobs this turn replaced through Retry (hidden if history lists them again). */
  previousJobIds: string[];
  kind: JobKind;
  text: string;
  file: FileInfo | null;
  createdAt: string;
  phase: TurnPhase;
  /** 0..1 while uploading. */
  uploadProgress: number | null;
  /** The latest `progress` event while the server reads the uploaded file; null once the reply starts. */
  readProgress: ProgressEventData | null;
  reply: string;
  job: Job | null;
  error: string | null;
  /** Submit failed before any job existed because the server was unreachable. */
  networkFailure: boolean;
  restartNotice: string | null;
  connection: StreamMode | null;
  lastSeq: number;
  idempotencyKey: string;
  /** This exchange and its alternatives (regenerated or edited), oldest first; [] when not known. */
  alternativeIds: string[];
  /** A stop was asked for and the job has not ended yet. */
  stopping: boolean;
}

export interface ChatState {
  turns: Turn[];
}

export type ChatAction =
  | { type: 'historyLoaded'; jobs: Job[] }
  | { type: 'add'; turn: Turn }
  | { type: 'submitted'; localId: string; job: Job }
  | { type: 'submitFailed'; localId: string; message: string; network: boolean }
  | { type: 'uploadProgress'; localId: string; fraction: number }
  | { type: 'uploadRejected'; localId: string; message: string }
  | { type: 'stream'; localId: string; snapshot: StreamSnapshot }
  | { type: 'restart'; localId: string; info: RestartEventData }
  | { type: 'final'; localId: string; job: Job }
  | { type: 'retry'; localId: string; idempotencyKey: string }
  | { type: 'dismiss'; localId: string }
  | { type: 'stopping'; localId: string; stopping: boolean }
  /** A regenerate or an edit: `turn` (the new alternative) takes the place of `localId`; the turns after it go. */
  | { type: 'branched'; localId: string; turn: Turn }
  /** Another branch is on show: the turns become the page's (the latest of the new branch). */
  | { type: 'branchLoaded'; jobs: Job[] }
  | { type: 'cleared' };

export const initialChatState: ChatState = { turns: [] };

export function turnFromJob(job: Job): Turn {
  return {
    localId: `job:${job.id}`,
    jobId: job.id,
    previousJobIds: [],
    kind: job.kind,
    text: job.text ?? '',
    file: job.file ?? null,
    createdAt: job.created_at,
    phase: job.status,
    uploadProgress: null,
    readProgress: null,
    reply: job.result?.reply ?? '',
    job,
    error: job.status === 'error' ? job.error || 'The assistant could not answer.' : null,
    networkFailure: false,
    restartNotice: null,
    connection: null,
    lastSeq: 0,
    idempotencyKey: '',
    alternativeIds: Array.isArray(job.alternative_ids) ? job.alternative_ids : [],
    stopping: false,
  };
}

export function newLocalTurn(params: {
  localId: string;
  kind: JobKind;
  text: string;
  file: FileInfo | null;
  idempotencyKey: string;
  now?: string;
}): Turn {
  return {
    localId: params.localId,
    jobId: null,
    previousJobIds: [],
    kind: params.kind,
    text: params.text,
    file: params.file,
    createdAt: params.now ?? new Date().toISOString(),
    phase: params.kind === 'file' ? 'uploading' : 'sending',
    uploadProgress: params.kind === 'file' ? 0 : null,
    readProgress: null,
    reply: '',
    job: null,
    error: null,
    networkFailure: false,
    restartNotice: null,
    connection: null,
    lastSeq: 0,
    idempotencyKey: params.idempotencyKey,
    alternativeIds: [],
    stopping: false,
  };
}

/**
 * The alternatives of an exchange, given what is known and what a job just said: listings fill
 * `alternative_ids`, other answers (an accepted job, a stream's final job) may leave it empty.
 */
export function mergeAlternatives(known: string[], incoming: string[] | null | undefined): string[] {
  if (!Array.isArray(incoming) || incoming.length === 0) return known;
  return incoming.length >= known.length ? incoming : known;
}

/** Whether the job of this turn was stopped by the user (its reply is what had streamed). */
export function isStopped(turn: Pick<Turn, 'job' | 'phase'>): boolean {
  return turn.phase === 'done' && Boolean(turn.job?.result?.stopped);
}

/** Apply a job's server state to a turn. */
function withJob(turn: Turn, job: Job): Turn {
  const terminal = isTerminal(job.status);
  return {
    ...turn,
    jobId: job.id,
    job,
    kind: job.kind ?? turn.kind,
    // Keep the optimistic text when the server echoes nothing (file jobs).
    text: job.text || turn.text,
    file: job.file ?? turn.file,
    phase: job.status,
    uploadProgress: null,
    readProgress: terminal ? null : turn.readProgress,
    reply: terminal ? (job.result?.reply ?? turn.reply) : turn.reply,
    error: job.status === 'error' ? job.error || 'The assistant could not answer.' : null,
    networkFailure: false,
    connection: terminal ? null : turn.connection,
    alternativeIds: mergeAlternatives(turn.alternativeIds, job.alternative_ids),
    stopping: terminal ? false : turn.stopping,
  };
}

function update(state: ChatState, localId: string, fn: (turn: Turn) => Turn): ChatState {
  let changed = false;
  const turns = state.turns.map((t) => {
    if (t.localId !== localId) return t;
    changed = true;
    return fn(t);
  });
  return changed ? { turns } : state;
}

/** The turn with the alternatives a listing gave (the same turn when nothing changed). */
function withAlternatives(turn: Turn, ids: string[] | null | undefined): Turn {
  if (!Array.isArray(ids) || ids.length === 0) return turn;
  const same = ids.length === turn.alternativeIds.length && ids.every((id, i) => id === turn.alternativeIds[i]);
  return same ? turn : { ...turn, alternativeIds: ids };
}

/** When the server created the turn's job (its local send time until then); NaN when unknown. */
function turnTime(turn: Turn): number {
  return Date.parse(turn.job?.created_at ?? turn.createdAt);
}

/**
 * Merge a page of the server history (oldest first) with what is on screen. The page's jobs
 * come in server order (turns already shown keep their state, unless the server knows they
 * finished); the turns on screen the page does not list stay before it when the server
 * created them before the page's oldest job (older pages loaded earlier), after it otherwise
 * (local turns, jobs accepted since the page was read). So the same merge serves a reload of
 * the latest page and an older page being prepended.
 */
export function mergeHistory(current: Turn[], jobs: Job[]): Turn[] {
  const byJob = new Map<string, Turn>();
  const hidden = new Set<string>();
  for (const t of current) {
    if (t.jobId) byJob.set(t.jobId, t);
    for (const id of t.previousJobIds) hidden.add(id);
  }
  const used = new Set<string>();
  const page: Turn[] = [];
  let oldest = Infinity;
  for (const job of jobs) {
    if (!job || typeof job.id !== 'string' || hidden.has(job.id) || used.has(job.id)) continue;
    used.add(job.id);
    const created = Date.parse(job.created_at);
    if (created < oldest) oldest = created;
    const existing = byJob.get(job.id);
    if (!existing) {
      page.push(turnFromJob(job));
    } else if (isTerminal(job.status) && !isTerminal(existing.phase)) {
      page.push(withJob(existing, job));
    } else {
      page.push(withAlternatives(existing, job.alternative_ids));
    }
  }
  const before: Turn[] = [];
  const after: Turn[] = [];
  for (const t of current) {
    if (t.jobId && used.has(t.jobId)) continue;
    if (t.jobId && turnTime(t) < oldest) before.push(t);
    else after.push(t);
  }
  return [...before, ...page, ...after];
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'historyLoaded':
      return { turns: mergeHistory(state.turns, action.jobs) };
    case 'add':
      return { turns: [...state.turns, action.turn] };
    case 'submitted': {
      const next = update(state, action.localId, (t) => ({ ...withJob(t, action.job), lastSeq: 0 }));
      // A history page read meanwhile may already list the job: the turn sent here stays, once.
      const duplicate = next.turns.some((t) => t.jobId === action.job.id && t.localId !== action.localId);
      return duplicate
        ? { turns: next.turns.filter((t) => t.jobId !== action.job.id || t.localId === action.localId) }
        : next;
    }
    case 'submitFailed':
      return update(state, action.localId, (t) => ({
        ...t,
        phase: 'error',
        uploadProgress: null,
        readProgress: null,
        error: action.message,
        networkFailure: action.network,
        connection: null,
      }));
    case 'uploadProgress':
      return update(state, action.localId, (t) =>
        t.phase === 'uploading' ? { ...t, uploadProgress: Math.max(t.uploadProgress ?? 0, action.fraction) } : t,
      );
    case 'uploadRejected':
      return update(state, action.localId, (t) => ({
        ...t,
        phase: 'rejected',
        uploadProgress: null,
        error: action.message,
        connection: null,
      }));
    case 'stream':
      return update(state, action.localId, (t) => {
        if (isTerminal(t.phase) && t.job && isTerminal(t.job.status)) return t;
        const s = action.snapshot;
        // Reading progress only lasts until the reply starts or the job ends.
        const reading = !isTerminal(s.status) && s.text.length === 0;
        return {
          ...t,
          phase: s.status,
          reply: s.text,
          readProgress: reading ? (s.progress ?? null) : null,
          lastSeq: s.lastSeq,
          connection: s.mode === 'closed' ? null : s.mode,
          job: s.job ?? t.job,
          error: s.status === 'error' ? s.error || t.error || 'The assistant could not answer.' : null,
        };
      });
    case 'restart':
      return update(state, action.localId, (t) => ({
        ...t,
        reply: '',
        readProgress: null,
        restartNotice: action.info.failed_provider
          ? `${action.info.failed_provider} stopped mid-reply — restarting with another provider.`
          : 'The reply was interrupted — restarting with another provider.',
      }));
    case 'final':
      return update(state, action.localId, (t) => withJob(t, action.job));
    case 'retry':
      return update(state, action.localId, (t) => ({
        ...t,
        previousJobIds: t.jobId ? [...t.previousJobIds, t.jobId] : t.previousJobIds,
        jobId: null,
        job: null,
        phase: t.kind === 'file' ? 'uploading' : 'sending',
        uploadProgress: t.kind === 'file' ? 0 : null,
        readProgress: null,
        reply: '',
        error: null,
        networkFailure: false,
        restartNotice: null,
        connection: null,
        lastSeq: 0,
        idempotencyKey: action.idempotencyKey,
      }));
    case 'dismiss':
      return { turns: state.turns.filter((t) => t.localId !== action.localId) };
    case 'stopping': {
      const turn = state.turns.find((t) => t.localId === action.localId);
      // Nothing to stop once the job has ended.
      if (!turn || turn.stopping === action.stopping || (action.stopping && isTerminal(turn.phase))) return state;
      return update(state, action.localId, (t) => ({ ...t, stopping: action.stopping }));
    }
    case 'branched': {
      const at = state.turns.findIndex((t) => t.localId === action.localId);
      if (at < 0) return state;
      const kept = state.turns.slice(0, at).filter((t) => t.jobId !== action.turn.jobId);
      return { turns: [...kept, action.turn] };
    }
    case 'branchLoaded': {
      // The page is the branch on show: turns of jobs it does not list leave (those of the other
      // branch); turns not accepted yet stay at the end.
      const listed = new Set(action.jobs.filter((j) => j && typeof j.id === 'string').map((j) => j.id));
      const merged = mergeHistory(state.turns, action.jobs);
      return { turns: merged.filter((t) => (t.jobId ? listed.has(t.jobId) : true)) };
    }
    case 'cleared':
      return { turns: [] };
    default:
      return state;
  }
}
