import { afterEach, describe, expect, it } from 'vitest';
import { DRAFT_STORAGE_KEY, GUEST_OWNER, clearDraft, loadDraft, saveDraft, saveDraftIfEmpty } from './draft';

afterEach(() => window.sessionStorage.clear());

describe('the composer draft', () => {
  it('is kept per tab for its owner only', () => {
    saveDraft('acct-1', 'Hello');
    expect(loadDraft('acct-1')).toBe('Hello');
    expect(loadDraft('acct-2')).toBe('');
    saveDraft('acct-1', '');
    expect(window.sessionStorage.getItem(DRAFT_STORAGE_KEY)).toBeNull();
  });

  it("a guest's draft goes with them when they sign in", () => {
    saveDraft(GUEST_OWNER, 'Typed as a guest');
    expect(loadDraft('acct-1')).toBe('Typed as a guest');
  });

  it('saveDraftIfEmpty keeps a draft already there', () => {
    saveDraft('acct-1', 'Typed');
    saveDraftIfEmpty('acct-1', 'Sent');
    expect(loadDraft('acct-1')).toBe('Typed');
    clearDraft();
    saveDraftIfEmpty('acct-1', 'Sent');
    expect(loadDraft('acct-1')).toBe('Sent');
  });

  it('ignores what it cannot read', () => {
    window.sessionStorage.setItem(DRAFT_STORAGE_KEY, '{not json');
    expect(loadDraft('acct-1')).toBe('');
  });
});
