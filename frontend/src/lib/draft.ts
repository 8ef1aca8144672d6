/**
 * The composer's draft, kept in the tab's sessionStorage (accounts mode only) so that a session
 * ending while the user types does not lose the text: the sign-in page replaces the chat, and
 * the composer shows the draft again once they are signed in.
 *
 * One draft per tab, marked with whose it is (an account id, or {@link GUEST_OWNER}): another
 * account signing in on the tab does not see it. A guest's draft goes with them when they sign
 * in, as their conversations do.
 */

export const DRAFT_STORAGE_KEY = 'assistant.composer-draft';
/** The owner of a draft typed without an account (accounts mode with guests allowed). */
export const GUEST_OWNER = 'guest';

interface StoredDraft {
  owner: string;
  text: string;
}

function storage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.sessionStorage;
  } catch {
    // Storage can be off (privacy settings): drafts are then not kept.
    return null;
  }
}

function read(): StoredDraft | null {
  const raw = storage()?.getItem(DRAFT_STORAGE_KEY);
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<StoredDraft> | null;
    if (value && typeof value.owner === 'string' && typeof value.text === 'string') return { owner: value.owner, text: value.text };
  } catch {
    /* not ours */
  }
  return null;
}

/** The draft `owner` left (or a guest's draft, which is theirs once they sign in); '' when none. */
export function loadDraft(owner: string): string {
  const draft = read();
  if (!draft) return '';
  return draft.owner === owner || draft.owner === GUEST_OWNER ? draft.text : '';
}

/** Keep `text` as `owner`'s draft ('' forgets it). */
export function saveDraft(owner: string, text: string): void {
  const store = storage();
  if (!store) return;
  try {
    if (text) store.setItem(DRAFT_STORAGE_KEY, JSON.stringify({ owner, text } satisfies StoredDraft));
    else store.removeItem(DRAFT_STORAGE_KEY);
  } catch {
    /* full or off: the draft is not kept */
  }
}

/** Keep `text` as the draft unless one is kept already (a message the server did not take). */
export function saveDraftIfEmpty(owner: string, text: string): void {
  const draft = read();
  if (draft && draft.text && (draft.owner === owner || draft.owner === GUEST_OWNER)) return;
  saveDraft(owner, text);
}

/** Forget the draft (signed out on purpose, account deleted). */
export function clearDraft(): void {
  try {
    storage()?.removeItem(DRAFT_STORAGE_KEY);
  } catch {
    /* nothing kept */
  }
}
