/**
 * Types shared by the REST client, the event-stream client and the UI.
 *
 * The REST shapes are aliases onto `api/schema.d.ts`, generated from the gateway's OpenAPI
 * schema (`npm run gen:api`): change them in `gateway/schemas.py`, never here. The payloads
 * of the server-sent events are not part of the OpenAPI schema and are written out below.
 */
import type { components } from './api/schema';

type Schemas = components['schemas'];

/* ------------------------------------------------------------------------ */
/* REST: generated                                                          */
/* ------------------------------------------------------------------------ */

export type Job = Schemas['JobOut'];
export type JobStatus = Job['status'];
export type JobKind = Job['kind'];
export type FileInfo = Schemas['FileOut'];
export type JobResult = Schemas['ResultOut'];
export type Usage = Schemas['UsageOut'];
export type ContextInfo = Schemas['ContextOut'];
export type ContextTurn = Schemas['SelectedTurnOut'];
export type ProfileFact = Schemas['FactOut'];
export type Profile = Schemas['ProfileBody'];

/** `POST /messages`, `POST /files`. */
export type JobAccepted = Schemas['JobAccepted'];
/** `GET /messages/{id}`. */
export type JobEnvelope = Schemas['JobEnvelope'];
/** `GET /chat/history`. */
export type HistoryOut = Schemas['HistoryOut'];
/** `DELETE /chat/clear`. */
export type ClearedOut = Schemas['ClearedOut'];
/** `GET /chat/profile`. */
export type ProfileOut = Schemas['ProfileOut'];
/** `GET /config`. */
export type ConfigOut = Schemas['ConfigOut'];
/** Every error answer: `{"success": false, "error": "...", "code": "..."}`. */
export type ErrorOut = Schemas['ErrorOut'];
/** The gateway's machine-readable error codes. */
export type ErrorCode = Schemas['ErrorCode'];

/** Limits the job worker applies while reading an uploaded file; the UI keeps whichever the server sends. */
export type FileLimits = Partial<Schemas['FileLimitsOut']>;

/** What the UI keeps of `GET /config` (`file_limits` only once the server reported them). */
export type AppConfig = Pick<ConfigOut, 'max_upload_bytes' | 'allowed_extensions' | 'max_message_chars'> & {
  file_limits?: FileLimits;
};

/* ------------------------------------------------------------------------ */
/* Server-sent events of `GET /messages/{id}/events` (not in the OpenAPI schema) */
/* ------------------------------------------------------------------------ */

export interface StatusEventData {
  status: JobStatus;
  job: Job | null;
  error: string | null;
}

export interface DeltaEventData {
  text: string;
}

export interface RestartEventData {
  failed_provider: string;
  reason: string;
}

/**
 * While the worker reads an uploaded file (OCR, pages, sheets, slides): comes
 * after the `processing` status and before the first `delta`.
 */
export interface ProgressEventData {
  /** A sentence to show as is, e.g. "reading page 3 of 12". */
  text: string;
  done: number;
  /** 0 when unknown (then no bar is shown). */
  total: number;
  at_ms?: number;
}

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>(['done', 'error']);

export function isTerminal(status: JobStatus | string | undefined | null): boolean {
  return status === 'done' || status === 'error';
}
