import { describe, expect, it } from 'vitest';
import type { StreamSnapshot } from '../api/events';
import { chatReducer, isStopped, mergeAlternatives, mergeHistory, newLocalTurn, turnFromJob } from './chatState';
import { doneJob, makeJob, makeResult } from '../test/fakes';

describe('chat state', () => {
  it('reconciles an optimistic message with its server job', () => {
    const local = newLocalTurn({ localId: 'local:1', kind: 'message', text: 'hi', file: null, idempotencyKey: 'k' });
    let state = chatReducer({ turns: [] }, { type: 'add', turn: local });
    expect(state.turns[0].phase).toBe('sending');
    state = chatReducer(state, { type: 'submitted', localId: 'local:1', job: makeJob({ id: 'j1', text: 'hi' }) });
    expect(state.turns[0]).toMatchObject({ localId: 'local:1', jobId: 'j1', phase: 'pending' });
  });

  it('merges history: server order first, local-only turns after, no duplicates', () => {
    const a = doneJob({ id: 'a', text: 'first' });
    const shownB = { ...turnFromJob(makeJob({ id: 'b', status: 'processing' })), localId: 'local:b', reply: 'partial' };
    const unsent = newLocalTurn({ localId: 'local:x', kind: 'message', text: 'not yet', file: null, idempotencyKey: 'k' });
    const merged = mergeHistory([shownB, unsent], [a, makeJob({ id: 'b', status: 'processing' })]);
    expect(merged.map((t) => t.localId)).toEqual(['job:a', 'local:b', 'local:x']);
    // A still-streaming turn keeps what it has shown.
    expect(merged[1].reply).toBe('partial');
  });

  it('puts an older page before the turns shown, and keeps older pages when the latest is read again', () => {
    const at = (minute: number) => `2024-05-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
    const job = (id: string, minute: number) => doneJob({ id, text: id, created_at: at(minute) });
    let state = chatReducer({ turns: [] }, { type: 'historyLoaded', jobs: [job('c', 3), job('d', 4)] });
    const unsent = newLocalTurn({ localId: 'local:x', kind: 'message', text: 'x', file: null, idempotencyKey: 'k' });
    state = chatReducer(state, { type: 'add', turn: unsent });
    state = chatReducer(state, { type: 'historyLoaded', jobs: [job('a', 1), job('b', 2)] });
    expect(state.turns.map((t) => t.localId)).toEqual(['job:a', 'job:b', 'job:c', 'job:d', 'local:x']);
    // The latest page again (with a new message): the older page stays first.
    state = chatReducer(state, { type: 'historyLoaded', jobs: [job('c', 3), job('d', 4), job('e', 5)] });
    expect(state.turns.map((t) => t.localId)).toEqual(['job:a', 'job:b', 'job:c', 'job:d', 'job:e', 'local:x']);
  });

  it('keeps one turn for a job that history listed before its submit was answered', () => {
    const local = newLocalTurn({ localId: 'local:1', kind: 'message', text: 'hi', file: null, idempotencyKey: 'k' });
    let state = chatReducer({ turns: [] }, { type: 'add', turn: local });
    state = chatReducer(state, { type: 'historyLoaded', jobs: [makeJob({ id: 'j1', text: 'hi' })] });
    expect(state.turns.map((t) => t.localId)).toEqual(['job:j1', 'local:1']);
    state = chatReducer(state, { type: 'submitted', localId: 'local:1', job: makeJob({ id: 'j1', text: 'hi' }) });
    expect(state.turns.map((t) => [t.localId, t.jobId])).toEqual([['local:1', 'j1']]);
  });

  it('takes the final state from history for a turn that finished while away', () => {
    const shown = { ...turnFromJob(makeJob({ id: 'b', status: 'processing' })), reply: 'part' };
    const merged = mergeHistory([shown], [doneJob({ id: 'b' }, 'Complete reply')]);
    expect(merged[0]).toMatchObject({ phase: 'done', reply: 'Complete reply' });
  });

  it('hides jobs replaced by a retry', () => {
    const failed = makeJob({ id: 'old', status: 'error', error: 'boom' });
    let state = chatReducer({ turns: [] }, { type: 'historyLoaded', jobs: [failed] });
    state = chatReducer(state, { type: 'retry', localId: 'job:old', idempotencyKey: 'new-key' });
    expect(state.turns[0]).toMatchObject({ phase: 'sending', error: null, jobId: null, idempotencyKey: 'new-key' });
    state = chatReducer(state, { type: 'submitted', localId: 'job:old', job: makeJob({ id: 'new' }) });
    state = chatReducer(state, { type: 'historyLoaded', jobs: [failed, makeJob({ id: 'new' })] });
    expect(state.turns).toHaveLength(1);
    expect(state.turns[0].jobId).toBe('new');
  });

  describe('reading progress of an uploaded file', () => {
    const reading = { text: 'reading page 3 of 12', done: 3, total: 12 };
    const snapshot = (overrides: Partial<StreamSnapshot> = {}): StreamSnapshot => ({
      status: 'processing',
      text: '',
      lastSeq: 2,
      mode: 'live',
      job: null,
      error: null,
      progress: reading,
      ...overrides,
    });
    const fileJob = makeJob({
      id: 'f',
      kind: 'file',
      text: '',
      status: 'processing',
      file: { name: 'scan.pdf', media_type: 'application/pdf', size_bytes: 10 },
    });

    function readingState() {
      let state = chatReducer({ turns: [] }, { type: 'historyLoaded', jobs: [fileJob] });
      expect(state.turns[0].readProgress).toBeNull();
      state = chatReducer(state, { type: 'stream', localId: 'job:f', snapshot: snapshot() });
      return state;
    }

    it('keeps the latest progress of the turn', () => {
      let state = readingState();
      expect(state.turns[0].readProgress).toEqual(reading);
      const next = { text: 'reading page 4 of 12', done: 4, total: 12 };
      state = chatReducer(state, { type: 'stream', localId: 'job:f', snapshot: snapshot({ lastSeq: 3, progress: next }) });
      expect(state.turns[0].readProgress).toEqual(next);
    });

    it('clears it on the first delta', () => {
      let state = readingState();
      // Even if a snapshot still carried it, a started reply means the file was read.
      state = chatReducer(state, { type: 'stream', localId: 'job:f', snapshot: snapshot({ text: 'The scan', lastSeq: 3 }) });
      expect(state.turns[0].readProgress).toBeNull();
      expect(state.turns[0].reply).toBe('The scan');
    });

    it('clears it on restart', () => {
      let state = readingState();
      state = chatReducer(state, { type: 'restart', localId: 'job:f', info: { failed_provider: 'gemini', reason: 'x' } });
      expect(state.turns[0].readProgress).toBeNull();
    });

    it('clears it on a terminal status, from the stream or the final job', () => {
      let state = readingState();
      state = chatReducer(state, { type: 'stream', localId: 'job:f', snapshot: snapshot({ status: 'error', error: 'OCR failed' }) });
      expect(state.turns[0].readProgress).toBeNull();

      state = readingState();
      state = chatReducer(state, { type: 'final', localId: 'job:f', job: { ...doneJob({ id: 'f' }), kind: 'file' } });
      expect(state.turns[0]).toMatchObject({ phase: 'done', readProgress: null });
    });

    it('clears it when the turn is retried', () => {
      let state = readingState();
      state = chatReducer(state, { type: 'retry', localId: 'job:f', idempotencyKey: 'k2' });
      expect(state.turns[0].readProgress).toBeNull();
    });
  });

  it('clears the partial reply on restart and keeps a notice', () => {
    let state = chatReducer({ turns: [] }, { type: 'historyLoaded', jobs: [makeJob({ id: 'j', status: 'processing' })] });
    state = chatReducer(state, {
      type: 'stream',
      localId: 'job:j',
      snapshot: { status: 'processing', text: 'abc', lastSeq: 3, mode: 'live', job: null, error: null, progress: null },
    });
    expect(state.turns[0].reply).toBe('abc');
    state = chatReducer(state, { type: 'restart', localId: 'job:j', info: { failed_provider: 'gemini', reason: 'x' } });
    expect(state.turns[0].reply).toBe('');
    expect(state.turns[0].restartNotice).toMatch(/gemini/);
  });
  it('puts a new alternative in the place of an exchange and drops the turns after it', () => {
    let state = chatReducer({ turns: [] }, { type: 'historyLoaded', jobs: ['a', 'b', 'c'].map((id) => doneJob({ id })) });
    const alternative = { ...turnFromJob(makeJob({ id: 'b2', text: 'edited' })), alternativeIds: ['b', 'b2'] };
    state = chatReducer(state, { type: 'branched', localId: 'job:b', turn: alternative });
    expect(state.turns.map((t) => t.localId)).toEqual(['job:a', 'job:b2']);
    expect(state.turns[1].alternativeIds).toEqual(['b', 'b2']);
    // Its accepted job and final job say nothing of the alternatives: what is known stays.
    state = chatReducer(state, { type: 'final', localId: 'job:b2', job: doneJob({ id: 'b2', alternative_ids: [] }) });
    expect(state.turns[1].alternativeIds).toEqual(['b', 'b2']);
  });

  it('shows another branch in place of the turns shown, keeping turns not accepted yet', () => {
    let state = chatReducer({ turns: [] }, { type: 'historyLoaded', jobs: ['a', 'b', 'c'].map((id) => doneJob({ id })) });
    const unsent = newLocalTurn({ localId: 'local:x', kind: 'message', text: 'x', file: null, idempotencyKey: 'k' });
    state = chatReducer(state, { type: 'add', turn: unsent });
    const shownA = state.turns[0];
    state = chatReducer(state, {
      type: 'branchLoaded',
      jobs: [doneJob({ id: 'a' }), doneJob({ id: 'b0', alternative_ids: ['b0', 'b'] })],
    });
    expect(state.turns.map((t) => t.localId)).toEqual(['job:a', 'job:b0', 'local:x']);
    expect(state.turns[0]).toBe(shownA);
    expect(state.turns[1].alternativeIds).toEqual(['b0', 'b']);
  });

  it('takes the alternatives a listing gives for a turn already shown', () => {
    let state = chatReducer({ turns: [] }, { type: 'historyLoaded', jobs: [doneJob({ id: 'a', alternative_ids: ['a'] })] });
    state = chatReducer(state, { type: 'historyLoaded', jobs: [doneJob({ id: 'a', alternative_ids: ['z', 'a'] })] });
    expect(state.turns[0].alternativeIds).toEqual(['z', 'a']);
    expect(mergeAlternatives(['a', 'b'], [])).toEqual(['a', 'b']);
    expect(mergeAlternatives(['a', 'b'], ['b'])).toEqual(['a', 'b']);
    expect(mergeAlternatives(['a'], ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
  });

  it('marks a stop under way until the job ends, and knows a stopped reply', () => {
    let state = chatReducer({ turns: [] }, { type: 'historyLoaded', jobs: [makeJob({ id: 'r', status: 'processing' })] });
    state = chatReducer(state, { type: 'stopping', localId: 'job:r', stopping: true });
    expect(state.turns[0].stopping).toBe(true);
    expect(isStopped(state.turns[0])).toBe(false);
    const stopped = makeJob({ id: 'r', status: 'done', result: makeResult({ reply: 'Once', stopped: true }) });
    state = chatReducer(state, { type: 'final', localId: 'job:r', job: stopped });
    expect(state.turns[0]).toMatchObject({ stopping: false, reply: 'Once', phase: 'done' });
    expect(isStopped(state.turns[0])).toBe(true);
    // A stop asked for a job that has ended changes nothing.
    expect(chatReducer(state, { type: 'stopping', localId: 'job:r', stopping: true })).toBe(state);
  });
});
