/** Follows the event stream of each turn's job (one JobStream per turn), and starts following accepted jobs. */
import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { SubmitResponse } from '../../api/client';
import { JobStream, type JobStreamOptions } from '../../api/events';
import type { Job, ProgressEventData } from '../../types';
import { isTerminal } from '../../types';
import { useLatestRef, type ChatDispatch } from './shared';

export type StreamFactory = (options: JobStreamOptions) => JobStream;

const defaultStreamFactory: StreamFactory = (options) => new JobStream(options);

/** Where to pick a stream up again: the seq, reply text and reading progress already shown. */
export interface Resume {
  afterSeq: number;
  text: string;
  progress: ProgressEventData | null;
}

export interface JobStreams {
  /** Follow `job` for the turn `localId` (nothing for a finished job), replacing its current stream. */
  start: (localId: string, job: Pick<Job, 'id' | 'status'>, resume?: Resume) => void;
  stop: (localId: string) => void;
  stopAll: () => void;
  isFollowing: (localId: string) => boolean;
  /** The server took the message or file: follow its job (an idempotent replay may already be done). */
  accepted: (localId: string, res: Pick<SubmitResponse, 'job_id'> & { job?: Job }) => void;
  /**
   * The job of the turn `localId` ended, as another answer than its stream said (a stop): close
   * the stream and show it. Nothing when the stream had already ended it.
   */
  finish: (localId: string, job: Job) => void;
}

export function useJobStreams(
  dispatch: ChatDispatch,
  onReplyDone: ((job: Job) => void) | undefined,
  streamFactory: StreamFactory = defaultStreamFactory,
): JobStreams {
  const streams = useRef(new Map<string, JobStream>());
  const onReplyDoneRef = useLatestRef(onReplyDone);

  const stop = useCallback((localId: string) => {
    const s = streams.current.get(localId);
    if (s) {
      s.close();
      streams.current.delete(localId);
    }
  }, []);

  const stopAll = useCallback(() => {
    for (const s of streams.current.values()) s.close();
    streams.current.clear();
  }, []);

  const isFollowing = useCallback((localId: string) => streams.current.has(localId), []);

  const start = useCallback(
    (localId: string, job: Pick<Job, 'id' | 'status'>, resume?: Resume) => {
      stop(localId);
      if (isTerminal(job.status)) return;
      const stream = streamFactory({
        jobId: job.id,
        afterSeq: resume?.afterSeq ?? 0,
        initialText: resume?.text ?? '',
        initialStatus: job.status,
        initialProgress: resume?.progress ?? null,
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
    [dispatch, stop, streamFactory, onReplyDoneRef],
  );

  const accepted = useCallback(
    (localId: string, res: Pick<SubmitResponse, 'job_id'> & { job?: Job }) => {
      const job = res.job ?? ({ id: res.job_id, status: 'pending' } as Job);
      // A history page read meanwhile may have listed the job already (and followed it).
      if (localId !== `job:${job.id}`) stop(`job:${job.id}`);
      dispatch({ type: 'submitted', localId, job });
      start(localId, job);
      if (job.status === 'done') onReplyDoneRef.current?.(job);
    },
    [dispatch, start, stop, onReplyDoneRef],
  );

  const finish = useCallback(
    (localId: string, job: Job) => {
      if (!streams.current.has(localId) || !isTerminal(job.status)) return;
      stop(localId);
      dispatch({ type: 'final', localId, job });
      if (job.status === 'done') onReplyDoneRef.current?.(job);
    },
    [dispatch, stop, onReplyDoneRef],
  );

  // Close every stream on unmount.
  useEffect(() => stopAll, [stopAll]);

  return useMemo(
    () => ({ start, stop, stopAll, isFollowing, accepted, finish }),
    [start, stop, stopAll, isFollowing, accepted, finish],
  );
}
