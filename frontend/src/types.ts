/** Types shared by the REST client, the event-stream client and the UI. */

export type JobStatus = 'pending' | 'processing' | 'done' | 'error';
export type JobKind = 'message' | 'file';

export interface FileInfo {
  name: string;
  media_type: string;
  size_bytes: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type ContextReason = 'relevance' | 'pinned-recent' | 'importance' | 'continuity' | (string & {});

export interface ContextTurn {
  turn_id: string;
  score: number;
  reason: ContextReason;
  tokens: number;
  preview: string;
}

export interface ContextInfo {
  full_history_tokens: number;
  context_tokens: number;
  reduction_ratio: number;
  turns_total: number;
  summary_used: boolean;
  selected: ContextTurn[];
}

export interface JobResult {
  reply: string;
  provider: string;
  fallback: boolean;
  usage?: Usage | null;
  latency_ms?: number | null;
  first_token_ms?: number | null;
  context?: ContextInfo | null;
}

export interface Job {
  id: string;
  kind: JobKind;
  status: JobStatus;
  text: string;
  file: FileInfo | null;
  result: JobResult | null;
  error: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
}

/** Limits the job worker applies while reading an uploaded file (`GET /config` → `file_limits`). */
export interface FileLimits {
  /** Characters of extracted text passed on to the assistant. */
  max_chars?: number;
  /** PDF pages read. */
  max_pages?: number;
  /** Scanned PDF pages read with OCR. */
  max_ocr_pages?: number;
  /** A PDF page with fewer extracted characters than this is read with OCR. */
  ocr_min_chars?: number;
  /** Pixels a PDF page is rendered at for OCR. */
  max_render_pixels?: number;
  /** Largest image (in pixels) accepted. */
  max_image_pixels?: number;
  /** Spreadsheet rows read. */
  max_rows?: number;
  /** Largest uncompressed size of an Office (zip) document. */
  max_expanded_bytes?: number;
}

export interface AppConfig {
  max_upload_bytes: number;
  allowed_extensions: string[];
  max_message_chars: number;
  /** Present when the server reports them. */
  file_limits?: FileLimits;
}

export interface ProfileFact {
  key: string;
  value: string;
  confidence: number;
  source_turn?: string | null;
  updated_at?: string | null;
}

export interface Profile {
  facts: ProfileFact[];
  summary?: string | null;
}

/** Payloads of the server-sent events of `GET /messages/{id}/events`. */
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
