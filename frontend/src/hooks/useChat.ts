/**
 * Chat orchestration: the turns of the shown conversation plus what changes them. Each concern
 * is a hook of its own in `chat/`: following job streams, loading the conversation's messages
 * (and resuming unfinished jobs), where sends go, sending messages, uploading files,
 * retry/dismiss, and the actions on messages sent (stop, regenerate, edit, alternatives).
 *
 * Showing another conversation forgets everything on screen first: its streams are closed and
 * the answers to requests made before are ignored (the epoch), so nothing of one conversation
 * ever lands in another. Jobs still running go on on the server and are picked up again when
 * their conversation is shown.
 */
import { useCallback, useMemo, useReducer, useRef } from 'react';
import type { AppConfig, Job } from '../types';
import { chatReducer, initialChatState, type Turn } from './chatState';
import { useLatestRef } from './chat/shared';
import { useConversationTarget, type ConversationCreated } from './chat/useConversationTarget';
import { useHistory, type HistoryState } from './chat/useHistory';
import { useJobStreams, type StreamFactory } from './chat/useJobStreams';
import { isBusy, isStoppable, useMessageActions } from './chat/useMessageActions';
import { useRetry } from './chat/useRetry';
import { useSendMessage } from './chat/useSendMessage';
import { useUploadFile } from './chat/useUploadFile';

export type { HistoryState } from './chat/useHistory';
export type { ConversationCreated } from './chat/useConversationTarget';
export { precheckFile } from './chat/useUploadFile';

export interface UseChatOptions {
  config: AppConfig;
  /**
   * The conversation to show: its id; null when there is none yet (the first send creates one);
   * undefined while not known (the conversation list is loading).
   */
  conversationId: string | null | undefined;
  /** A send created the conversation (`shown`: it is the one on screen now; select it). */
  onConversationCreated?: ConversationCreated;
  /** The server accepted a message or file into this conversation. */
  onSubmitted?: (conversationId: string) => void;
  /** Called when a reply completes successfully (to refresh the profile). */
  onReplyDone?: (job: Job) => void;
  /** An action on a message failed where no control can show it (a stop). */
  onActionError?: (message: string) => void;
  /** Injectable for tests. */
  streamFactory?: StreamFactory;
}

export interface UseChat {
  turns: Turn[];
  historyState: HistoryState;
  historyError: string | null;
  reloadHistory: () => Promise<void>;
  hasEarlier: boolean;
  loadingEarlier: boolean;
  earlierError: string | null;
  loadEarlier: () => Promise<void>;
  sendMessage: (text: string) => void;
  uploadFile: (file: File) => void;
  retry: (localId: string) => void;
  canRetry: (turn: Turn) => boolean;
  dismiss: (localId: string) => void;
  /** A reply is on its way (its message is being sent, queued or answered). */
  replying: boolean;
  /** A reply being written can be stopped now (the server has its job and no stop is under way). */
  canStop: boolean;
  /** Stop every reply being written. */
  stop: () => void;
  /** A new reply to the message of the turn `localId`, beside the current one. */
  regenerate: (localId: string) => Promise<void>;
  /** Edit the message of the turn `localId` and send it again; the turns after it leave. */
  edit: (localId: string, text: string) => Promise<void>;
  /** Show another alternative (`jobId`) of the exchange of the turn `localId`. */
  selectAlternative: (localId: string, jobId: string) => Promise<void>;
}

export function useChat({
  config,
  conversationId,
  onConversationCreated,
  onSubmitted,
  onReplyDone,
  onActionError,
  streamFactory,
}: UseChatOptions): UseChat {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const turnsRef = useLatestRef(state.turns);
  /** Bumped when another conversation is shown: answers to requests made before it are ignored. */
  const epochRef = useRef(0);
  /** The conversation the turns on screen belong to (set by useHistory, or by a send that created it). */
  const conversationRef = useRef<string | null | undefined>(undefined);
  const submittedRef = useLatestRef(onSubmitted);

  const streams = useJobStreams(dispatch, onReplyDone, streamFactory);
  const target = useConversationTarget(conversationRef, epochRef, onConversationCreated);
  const messages = useSendMessage(dispatch, epochRef, streams, target.resolveConversation, submittedRef);
  const uploads = useUploadFile(dispatch, epochRef, streams, config, target.resolveConversation, submittedRef);

  const { stopAll } = streams;
  const { forgetAll } = uploads;
  const { forgetCreation } = target;
  const reset = useCallback(() => {
    epochRef.current += 1;
    stopAll();
    forgetAll();
    forgetCreation();
    dispatch({ type: 'cleared' });
  }, [stopAll, forgetAll, forgetCreation]);

  const history = useHistory(dispatch, turnsRef, epochRef, streams, conversationId, conversationRef, reset);
  const { retry, canRetry, dismiss } = useRetry(dispatch, turnsRef, streams, messages, uploads);
  const actions = useMessageActions(dispatch, epochRef, turnsRef, streams, history, submittedRef, onActionError);
  const replying = useMemo(() => state.turns.some(isBusy), [state.turns]);
  const canStop = useMemo(() => state.turns.some(isStoppable), [state.turns]);

  return {
    turns: state.turns,
    historyState: history.historyState,
    historyError: history.historyError,
    reloadHistory: history.reloadHistory,
    hasEarlier: history.hasEarlier,
    loadingEarlier: history.loadingEarlier,
    earlierError: history.earlierError,
    loadEarlier: history.loadEarlier,
    sendMessage: messages.sendMessage,
    uploadFile: uploads.uploadFile,
    retry,
    canRetry,
    dismiss,
    replying,
    canStop,
    stop: actions.stop,
    regenerate: actions.regenerate,
    edit: actions.edit,
    selectAlternative: actions.selectAlternative,
  };
}
