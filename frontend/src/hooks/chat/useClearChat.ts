/** "Clear chat": deletes the conversation on the server, then forgets every turn, stream and upload here. */
import { useCallback } from 'react';
import * as api from '../../api/client';
import type { History } from './useHistory';
import type { JobStreams } from './useJobStreams';
import type { UploadFile } from './useUploadFile';
import type { ChatDispatch, EpochRef } from './shared';

export function useClearChat(
  dispatch: ChatDispatch,
  epochRef: EpochRef,
  streams: Pick<JobStreams, 'stopAll'>,
  uploads: Pick<UploadFile, 'discardAll'>,
  history: Pick<History, 'markEmpty'>,
): () => Promise<void> {
  const { stopAll } = streams;
  const { discardAll } = uploads;
  const { markEmpty } = history;
  return useCallback(async () => {
    await api.clearChat();
    // Answers to requests made before the clear are ignored from now on.
    epochRef.current += 1;
    stopAll();
    discardAll();
    dispatch({ type: 'cleared' });
    markEmpty();
  }, [dispatch, epochRef, stopAll, discardAll, markEmpty]);
}
