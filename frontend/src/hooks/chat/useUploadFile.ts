/**
 * Uploads files: an optimistic file turn at once, a size check in the browser, then
 * `POST /conversations/{id}/files` with progress (the conversation is created first when there is
 * none yet). Keeps each File (for Retry) and an abort handle per upload in flight.
 */
import { useCallback, useEffect, useMemo, useRef } from 'react';
import * as api from '../../api/client';
import { ApiError, newIdempotencyKey } from '../../api/client';
import { fileExtension, formatBytes } from '../../lib/format';
import type { AppConfig } from '../../types';
import { newLocalTurn } from '../chatState';
import type { JobStreams } from './useJobStreams';
import {
  errorMessage,
  isAbort,
  useLatestRef,
  type ChatDispatch,
  type EpochRef,
  type ResolveConversation,
  type SubmittedRef,
} from './shared';

/** A client-side check that avoids sending a file the server would refuse for its size. */
export function precheckFile(file: File, config: AppConfig): string | null {
  if (file.size > config.max_upload_bytes) {
    return `File too large: “${file.name}” is ${formatBytes(file.size)}; the maximum upload size is ${formatBytes(config.max_upload_bytes)}.`;
  }
  return null;
}

export interface UploadFile {
  uploadFile: (file: File) => void;
  /** Whether the File of the turn `localId` is still here to upload again. */
  hasFile: (localId: string) => boolean;
  /** Upload the File of the turn `localId` again (Retry); false when it is gone. */
  reupload: (localId: string, idempotencyKey: string) => boolean;
  /** Abort the turn's upload and drop its File. */
  discard: (localId: string) => void;
  /**
   * Another conversation is shown: drop every File kept for Retry. Uploads in flight go on (the
   * server files them in their conversation); their answers are ignored here.
   */
  forgetAll: () => void;
}

export function useUploadFile(
  dispatch: ChatDispatch,
  epochRef: EpochRef,
  streams: Pick<JobStreams, 'accepted'>,
  config: AppConfig,
  resolveConversation: ResolveConversation,
  submittedRef: SubmittedRef,
): UploadFile {
  const files = useRef(new Map<string, File>());
  const uploads = useRef(new Map<string, AbortController>());
  const configRef = useLatestRef(config);
  const { accepted } = streams;

  const submit = useCallback(
    async (localId: string, file: File, key: string) => {
      const myEpoch = epochRef.current;
      const controller = new AbortController();
      uploads.current.set(localId, controller);
      try {
        const conversationId = await resolveConversation();
        if (myEpoch !== epochRef.current) return;
        const res = await api.uploadFile(file, {
          idempotencyKey: key,
          conversationId,
          signal: controller.signal,
          onProgress: (fraction) => dispatch({ type: 'uploadProgress', localId, fraction }),
        });
        submittedRef.current?.(conversationId);
        if (myEpoch !== epochRef.current) return;
        accepted(localId, res);
      } catch (err) {
        if (isAbort(err) || myEpoch !== epochRef.current) return;
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
    [accepted, dispatch, epochRef, resolveConversation, submittedRef],
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
      void submit(localId, file, key);
    },
    [dispatch, submit, configRef],
  );

  const hasFile = useCallback((localId: string) => files.current.has(localId), []);

  const reupload = useCallback(
    (localId: string, key: string) => {
      const file = files.current.get(localId);
      if (!file) return false;
      void submit(localId, file, key);
      return true;
    },
    [submit],
  );

  const discard = useCallback((localId: string) => {
    uploads.current.get(localId)?.abort();
    files.current.delete(localId);
  }, []);

  const forgetAll = useCallback(() => {
    files.current.clear();
  }, []);

  // Abort every upload on unmount.
  useEffect(() => {
    const uploadMap = uploads.current;
    return () => {
      for (const c of uploadMap.values()) c.abort();
      uploadMap.clear();
    };
  }, []);

  return useMemo(
    () => ({ uploadFile, hasFile, reupload, discard, forgetAll }),
    [uploadFile, hasFile, reupload, discard, forgetAll],
  );
}
