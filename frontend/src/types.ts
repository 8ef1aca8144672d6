/**
 * Types shared by the REST client, the event-stream client and the UI.
 *
 * The REST shapes are aliases onto `api/schema.d.ts`, generated from the gateway's OpenAPI
 * schema (`npm run gen:api`): change them in `gateway/schemas.py`, never here. The payloads
 * of the server-sent events are not part of the OpenAPI schema and are written out below.
 */
import type { components, operations } from './api/schema';

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
/** One conversation of `GET /conversations` (and of `POST`/`GET`/`PATCH /conversations/{id}`). */
export type Conversation = Schemas['ConversationOut'];
/** `GET /conversations`: a page, most recently active first. */
export type ConversationsOut = Schemas['ConversationsOut'];
/** `POST /conversations`, `GET /conversations/{id}`, `PATCH /conversations/{id}`. */
export type ConversationEnvelope = Schemas['ConversationEnvelope'];
/** `DELETE /conversations/{id}`. */
export type DeletedOut = Schemas['DeletedOut'];
/** `GET /conversations/{id}/messages`: a page of messages, oldest first; `next_cursor` goes back in time. */
export type MessagesPageOut = Schemas['MessagesPageOut'];
/** `GET /profile`: the owner's facts across all conversations (`GET /chat/profile` answers the same). */
export type OwnerProfileOut = Schemas['ProfileOut'];
/** `PATCH /profile/facts/{key}`. */
export type FactEnvelope = Schemas['FactEnvelope'];
/** `DELETE /profile/facts/{key}`. */
export type FactDeletedOut = Schemas['FactDeleted'];
/** `GET /conversations/{id}/export?format=json`, which `POST /conversations/import` takes back. */
export type ConversationExport = Schemas['ConversationExport'];
/** The formats of `GET /conversations/{id}/export`. */
export type ExportFormat = NonNullable<
  NonNullable<operations['export_conversation_conversations__conversation_id__export_get']['parameters']['query']>['format']
>;
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
/* Accounts (`/auth/...`, issue #14): written out by hand for now             */
/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* Accounts (`/auth`, AUTH_MODE=accounts)                                     */
/* ------------------------------------------------------------------------ */

/** A single sign-on provider offered on the sign-in page. */
export type OidcProviderOut = Schemas['OidcProviderOut'];
/** `GET /auth/config` (always public): `guest` is the app without accounts. */
export type AuthConfigOut = Schemas['AuthConfigOut'];
export type AccountOut = Schemas['AccountOut'];
/** `GET /auth/me`, `POST /auth/login` (200), `POST /auth/signup` (201). */
export type AccountEnvelope = Schemas['AccountEnvelope'];
export type ApiKeyOut = Schemas['ApiKeyOut'];
/** `GET /auth/api-keys`. */
export type ApiKeysOut = Schemas['ApiKeysOut'];
/** `POST /auth/api-keys` (201): the only answer that holds the secret. */
export type ApiKeyCreated = Schemas['ApiKeyCreated'];
/** The body of `POST /auth/login` and `POST /auth/signup`. */
export type Credentials = Schemas['Credentials'];
/** The body of `POST /auth/api-keys`. */
export type ApiKeyIn = Schemas['ApiKeyIn'];

/** The error codes of the accounts endpoints (and of any request whose session ended). */
export type AuthErrorCode = Extract<
  ErrorCode,
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'weak_password'
  | 'invalid_email'
  | 'email_taken'
  | 'too_many_attempts'
  | 'csrf_failed'
  | 'invalid_api_key'
  | 'too_many_keys'
  | 'api_key_not_found'
  | 'accounts_disabled'
  | 'sign_in_required'
  | 'oidc_failed'
>;

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
