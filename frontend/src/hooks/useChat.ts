/**
 * Chat orchestration: the turns on screen plus what changes them. Each concern is a hook of
 * its own in `chat/`: following job streams, loading history (and resuming unfinished jobs),
 * sending messages, uploading files, retry/dismiss, and clearing.
 */
import { useReducer, useRef } from 'react';
import type { AppConfig, Job } from '../types';
import { chatReducer, initialChatState, type Turn } from './chatState';
import { useLatestRef } from './chat/shared';
import { useClearChat } from './chat/useClearChat';
import { useHistory, type HistoryState } from './chat/useHistory';
import { useJobStreams, type StreamFactory } from './chat/useJobStreams';
import { useRetry } from './chat/useRetry';
import { useSendMessage } from './chat/useSendMessage';
import { useUploadFile } from './chat/useUploadFile';

export type { HistoryState } from './chat/useHistory';
export { precheckFile } from './chat/useUploadFile';

export interface UseChatOptions {
  config: AppConfig;
  /** Called when a reply completes successfully (to refresh the profile). */
  onReplyDone?: (job: Job) => void;
  /** Injectable for tests. */
  streamFactory?: StreamFactory;
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

export function useChat({ config, onReplyDone, streamFactory }: UseChatOptions): UseChat {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const turnsRef = useLatestRef(state.turns);
  /** Bumped by "clear": answers to requests made before it are ignored. */
  const epochRef = useRef(0);

  const streams = useJobStreams(dispatch, onReplyDone, streamFactory);
  const history = useHistory(dispatch, turnsRef, epochRef, streams);
  const messages = useSendMessage(dispatch, epochRef, streams);
  const uploads = useUploadFile(dispatch, epochRef, streams, config);
  const { retry, canRetry, dismiss } = useRetry(dispatch, turnsRef, streams, messages, uploads);
  const clear = useClearChat(dispatch, epochRef, streams, uploads, history);

  return {
    turns: state.turns,
    historyState: history.historyState,
    historyError: history.historyError,
    reloadHistory: history.reloadHistory,
    sendMessage: messages.sendMessage,
    uploadFile: uploads.uploadFile,
    retry,
    canRetry,
    dismiss,
    clear,
  };
}
