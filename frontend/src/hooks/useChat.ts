/** Chat orchestration: history, sending, uploading, streaming replies, retry and clear. */
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import * as api from '../api/client';
import { ApiError, newIdempotencyKey } from '../api/client';
import { JobStream, type JobStreamOptions } from '../api/events';
import type { AppConfig, Job, ProgressEventData } from '../types';
import { isTerminal } from '../types';
import { chatReducer, initialChatState, newLocalTurn, type Turn } from './chatState';
import { fileExtension, formatBytes } from '../lib/format';

export type HistoryState = 'loading' | 'ready' | 'error';

export interface UseChatOptions {
  config: AppConfig;
  /** Called when a reply completes successfully (to refresh the profile). */
  onReplyDone?: (job: Job) => void;
  /** Injectable for tests. */
  streamFactory?: (options: JobStreamOptions) => JobStream;
}

export interface UseChat {
  turns: Turn[];
  historyState: HistoryState;
  historyError: string | null;
  reloadHistory: () => Promise<void>;
  sendMessage: (text: string) => void;
  uploadFile: (file: File) => void;
  retry: (localId: string) => void;
  canRetry: (turn: Turn) => boolean;
  dismiss: (localId: string) => void;
  clear: () => Promise<void>;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}

function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** A client-side check that avoids sending a file the server would refuse for its size. */
export function precheckFile(file: File, config: AppConfig): string | null {
  if (file.size > config.max_upload_bytes) {
    return `File too large: “${file.name}” is ${formatBytes(file.size)}; the maximum upload size is ${formatBytes(config.max_upload_bytes)}.`;
  }
  return null;
}

const defaultStreamFactory = (options: JobStreamOptions) => new JobStream(options);

export function useChat({ config, onReplyDone, streamFactory = defaultStreamFactory }: UseChatOptions): UseChat {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const [historyState, setHistoryState] = useState<HistoryState>('loading');
  const [historyError, setHistoryError] = useState<string | null>(null);

  const streams = useRef(new Map<string, JobStream>());
  const files = useRef(new Map<string, File>());
  const uploads = useRef(new Map<string, AbortController>());
  /** Bumped by "clear": answers to requests made before it are ignored. */
  const epoch = useRef(0);
  const turnsRef = useRef<Turn[]>(state.turns);
  const onReplyDoneRef = useRef(onReplyDone);
  const configRef = useRef(config);

  useEffect(() => {
    turnsRef.current = state.turns;
  }, [state.turns]);
  useEffect(() => {
    onReplyDoneRef.current = onReplyDone;
  }, [onReplyDone]);
  useEffect(() => {
    configRef.current = config;
  }, [config]);

  const stopStream = useCallback((localId: string) => {
    const s = streams.current.get(localId);
    if (s) {
      s.close();
      streams.current.delete(localId);
    }
  }, []);

  const startStream = useCallback(
    (
      localId: string,
      job: Pick<Job, 'id' | 'status'>,
      afterSeq = 0,
      initialText = '',
      initialProgress: ProgressEventData | null = null,
    ) => {
      stopStream(localId);
      if (isTerminal(job.status)) return;
      const stream = streamFactory({
        jobId: job.id,
        afterSeq,
        initialText,
        initialStatus: job.status,
        initialProgress,
        onUpdate: (snapshot) => dispatch({ type: 'stream', localId, snapshot }),
        onRestart: (info) => dispatch({ type: 'restart', localId, info }),
        onFinal: (finalJob) => {
          if (streams.current.get(localId) === stream) streams.current.delete(localId);
          dispatch({ type: 'final', localId, job: finalJob });
          if (finalJob.status === 'done') onReplyDoneRef.current?.(finalJob);
        },
        onGiveUp: () => {
          if (streams.current.get(localId) === stream) streams.current.delete(localId);
        },
      });
      streams.current.set(localId, stream);
      stream.start();
    },
    [stopStream, streamFactory],
  );

  const applyHistory = useCallback(
    (jobs: Job[]) => {
      dispatch({ type: 'historyLoaded', jobs });
      // Resume streaming every unfinished job that has no live stream yet.
      const known = new Map(turnsRef.current.filter((t) => t.jobId).map((t) => [t.jobId as string, t]));
      const hidden = new Set(turnsRef.current.flatMap((t) => t.previousJobIds));
      for (const job of jobs) {
        if (isTerminal(job.status) || hidden.has(job.id)) continue;
        const existing = known.get(job.id);
        const localId = existing?.localId ?? `job:${job.id}`;
        if (streams.current.has(localId)) continue;
        startStream(localId, job, existing?.lastSeq ?? 0, existing?.reply ?? '', existing?.readProgress ?? null);
      }
    },
    [startStream],
  );

  const reloadHistory = useCallback(async () => {
    const myEpoch = epoch.current;
    try {
      const jobs = await api.getHistory();
      if (myEpoch !== epoch.current) return;
      applyHistory(jobs);
      setHistoryState('ready');
      setHistoryError(null);
    } catch (err) {
      if (myEpoch !== epoch.current) return;
      setHistoryError(errorMessage(err));
      setHistoryState((s) => (s === 'ready' ? 'ready' : 'error'));
    }
  }, [applyHistory]);

  // Load history on start; close every stream and upload on unmount.
  useEffect(() => {
    const streamMap = streams.current;
    const uploadMap = uploads.current;
    let cancelled = false;
    api
      .getHistory()
      .then((jobs) => {
        if (cancelled) return;
        applyHistory(jobs);
        setHistoryState('ready');
        setHistoryError(null);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        setHistoryError(errorMessage(err));
        setHistoryState('error');
      });
    return () => {
      cancelled = true;
      for (const s of streamMap.values()) s.close();
      streamMap.clear();
      for (const c of uploadMap.values()) c.abort();
      uploadMap.clear();
    };
  }, [applyHistory]);

  // The server took the message or file: follow its job (an idempotent replay may already be done).
  const accepted = useCallback(
    (localId: string, res: { job?: Job; job_id: string }) => {
      const job = res.job ?? ({ id: res.job_id, status: 'pending' } as Job);
      dispatch({ type: 'submitted', localId, job });
      startStream(localId, job);
      if (job.status === 'done') onReplyDoneRef.current?.(job);
    },
    [startStream],
  );

  const submitMessage = useCallback(
    async (localId: string, text: string, key: string) => {
      const myEpoch = epoch.current;
      try {
        const res = await api.postMessage(text, key);
        if (myEpoch !== epoch.current) return;
        accepted(localId, res);
      } catch (err) {
        if (myEpoch !== epoch.current) return;
        const network = err instanceof ApiError && err.isNetworkError;
        dispatch({ type: 'submitFailed', localId, message: errorMessage(err), network });
      }
    },
    [accepted],
  );

  const submitFile = useCallback(
    async (localId: string, file: File, key: string) => {
      const myEpoch = epoch.current;
      const controller = new AbortController();
      uploads.current.set(localId, controller);
      try {
        const res = await api.uploadFile(file, {
          idempotencyKey: key,
          signal: controller.signal,
          onProgress: (fraction) => dispatch({ type: 'uploadProgress', localId, fraction }),
        });
        if (myEpoch !== epoch.current) return;
        accepted(localId, res);
      } catch (err) {
        if (isAbort(err) || myEpoch !== epoch.current) return;
        if (err instanceof ApiError && !err.isNetworkError && err.status !== 429 && err.status !== 503) {
          // The server refused this file (type, size, content): show its message.
          dispatch({ type: 'uploadRejected', localId, message: errorMessage(err) });
          files.current.delete(localId);
        } else {
          const network = err instanceof ApiError && err.isNetworkError;
          dispatch({ type: 'submitFailed', localId, message: errorMessage(err), network });
        }
      } finally {
        if (uploads.current.get(localId) === controller) uploads.current.delete(localId);
      }
    },
    [accepted],
  );

  const sendMessage = useCallback(
    (text: string) => {
      const trimmed = text.trim();
      if (!trimmed) return;
      const localId = `local:${newIdempotencyKey()}`;
      const key = newIdempotencyKey();
      dispatch({ type: 'add', turn: newLocalTurn({ localId, kind: 'message', text, file: null, idempotencyKey: key }) });
      void submitMessage(localId, text, key);
    },
    [submitMessage],
  );

  const uploadFile = useCallback(
    (file: File) => {
      const localId = `local:${newIdempotencyKey()}`;
      const key = newIdempotencyKey();
      const info = {
        name: file.name,
        media_type: file.type || (fileExtension(file.name) ? `.${fileExtension(file.name)}` : 'file'),
        size_bytes: file.size,
      };
      dispatch({ type: 'add', turn: newLocalTurn({ localId, kind: 'file', text: '', file: info, idempotencyKey: key }) });
      const problem = precheckFile(file, configRef.current);
      if (problem) {
        dispatch({ type: 'uploadRejected', localId, message: problem });
        return;
      }
      files.current.set(localId, file);
      void submitFile(localId, file, key);
    },
    [submitFile],
  );

  const canRetry = useCallback((turn: Turn) => {
    if (turn.phase !== 'error') return false;
    if (turn.kind === 'message') return turn.text.trim().length > 0;
    return files.current.has(turn.localId);
  }, []);

  const retry = useCallback(
    (localId: string) => {
      const turn = turnsRef.current.find((t) => t.localId === localId);
      if (!turn || turn.phase !== 'error') return;
      // A submit that never reached the server may reuse its key (safe to
      // repeat); a job that ran and failed is retried as a new request.
      const key = turn.networkFailure && turn.idempotencyKey ? turn.idempotencyKey : newIdempotencyKey();
      if (turn.kind === 'file') {
        const file = files.current.get(localId);
        if (!file) return;
        stopStream(localId);
        dispatch({ type: 'retry', localId, idempotencyKey: key });
        void submitFile(localId, file, key);
        return;
      }
      stopStream(localId);
      dispatch({ type: 'retry', localId, idempotencyKey: key });
      void submitMessage(localId, turn.text, key);
    },
    [stopStream, submitFile, submitMessage],
  );

  const dismiss = useCallback(
    (localId: string) => {
      stopStream(localId);
      uploads.current.get(localId)?.abort();
      files.current.delete(localId);
      dispatch({ type: 'dismiss', localId });
    },
    [stopStream],
  );

  const clear = useCallback(async () => {
    await api.clearChat();
    epoch.current += 1;
    for (const s of streams.current.values()) s.close();
    streams.current.clear();
    for (const c of uploads.current.values()) c.abort();
    uploads.current.clear();
    files.current.clear();
    dispatch({ type: 'cleared' });
    setHistoryState('ready');
    setHistoryError(null);
  }, []);

  return {
    turns: state.turns,
    historyState,
    historyError,
    reloadHistory,
    sendMessage,
    uploadFile,
    retry,
    canRetry,
    dismiss,
    clear,
  };
}
