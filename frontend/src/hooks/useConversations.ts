/**
 * The conversations sidebar's data: the list (`GET /conversations`, most recently active first,
 * a page at a time, searched with `q` once typing pauses), which one is selected, and what
 * changes them (create, import, rename, delete, "this one just had a message").
 *
 * On start the most recent conversation is selected, or none when there is none yet.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import * as api from '../api/client';
import { ApiError } from '../api/client';
import type { Conversation } from '../types';
import { errorMessage, useLatestRef } from './chat/shared';

export type ListState = 'loading' | 'ready' | 'error';

/** How long typing must pause before the search runs. */
export const SEARCH_DEBOUNCE_MS = 300;

export interface UseConversations {
  items: Conversation[];
  listState: ListState;
  listError: string | null;
  /** What the search box holds. */
  query: string;
  setQuery: (query: string) => void;
  /** A search (or its debounce) is under way: the list does not show its results yet. */
  searching: boolean;
  /** The search the list shows results of ('' for all conversations). */
  shownQuery: string;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: string | null;
  loadMore: () => Promise<void>;
  /** Load the first page again (keeps the search). */
  refresh: () => Promise<void>;
  /** The selected conversation: undefined until the list first loads, null for none. */
  activeId: string | null | undefined;
  /** The selected conversation, when known. */
  active: Conversation | null;
  select: (id: string | null) => void;
  /** `POST /conversations`, then select it. */
  create: () => Promise<Conversation>;
  /** `POST /conversations/import` with a JSON export, then select the new conversation. */
  importConversation: (data: unknown) => Promise<Conversation>;
  /** A conversation made elsewhere (a first send): list it, and select it when `select`. */
  adopt: (conversation: Conversation, select: boolean) => void;
  rename: (id: string, title: string) => Promise<Conversation>;
  /** `DELETE /conversations/{id}`; when it was selected, the next most recent one is. */
  remove: (id: string) => Promise<void>;
  /** It had a message: read it again (title, time) and move it up. */
  touch: (id: string) => void;
}

interface ListData {
  /** The search these items answer. */
  query: string;
  items: Conversation[];
  cursor: string | null;
  state: ListState;
  error: string | null;
}

function time(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

/** The server's order: last activity first, then id. */
export function byRecent(a: Conversation, b: Conversation): number {
  return time(b.updated_at) - time(a.updated_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function useConversations(): UseConversations {
  const [list, setList] = useState<ListData>({ query: '', items: [], cursor: null, state: 'loading', error: null });
  const [query, setQuery] = useState('');
  const [searched, setSearched] = useState('');
  const [activeId, setActiveId] = useState<string | null | undefined>(undefined);
  const [activeInfo, setActiveInfo] = useState<Conversation | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);

  const listRef = useLatestRef(list);
  const searchedRef = useLatestRef(searched);
  const activeRef = useLatestRef(activeId);
  /** Bumped by each first-page load: answers to older ones (and their "load more") are ignored. */
  const generation = useRef(0);
  const firstPageInFlight = useRef(false);
  const loadingMoreRef = useRef(false);

  const fetchFirst = useCallback(
    async (q: string) => {
      const mine = ++generation.current;
      firstPageInFlight.current = true;
      try {
        const page = await api.listConversations({ q });
        if (mine !== generation.current) return;
        setList({ query: q, items: page.items, cursor: page.nextCursor, state: 'ready', error: null });
        setMoreError(null);
        // The first time the full list loads, show the most recent conversation (or none).
        if (!q && activeRef.current === undefined) {
          const first = page.items[0] ?? null;
          setActiveId(first ? first.id : null);
          setActiveInfo(first);
        }
      } catch (err) {
        if (mine !== generation.current) return;
        setList((l) => ({ ...l, state: l.state === 'ready' ? 'ready' : 'error', error: errorMessage(err) }));
      } finally {
        if (mine === generation.current) firstPageInFlight.current = false;
      }
    },
    [activeRef],
  );

  // Search once typing pauses (at once when the box is emptied).
  useEffect(() => {
    const q = query.trim();
    const timer = setTimeout(() => setSearched(q), q ? SEARCH_DEBOUNCE_MS : 0);
    return () => clearTimeout(timer);
  }, [query]);

  useEffect(() => {
    void fetchFirst(searched);
  }, [searched, fetchFirst]);

  const refresh = useCallback(() => fetchFirst(searchedRef.current), [fetchFirst, searchedRef]);

  const loadMore = useCallback(async () => {
    const { cursor, query: q } = listRef.current;
    if (!cursor || loadingMoreRef.current) return;
    const mine = generation.current;
    loadingMoreRef.current = true;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.listConversations({ q, cursor });
      if (mine !== generation.current) return;
      setList((l) => {
        const seen = new Set(l.items.map((c) => c.id));
        return { ...l, items: [...l.items, ...page.items.filter((c) => !seen.has(c.id))], cursor: page.nextCursor };
      });
    } catch (err) {
      if (mine === generation.current) setMoreError(errorMessage(err));
    } finally {
      loadingMoreRef.current = false;
      setLoadingMore(false);
    }
  }, [listRef]);

  /** Put the server's latest copy of a conversation in the list (`add`: also when not listed yet). */
  const upsert = useCallback(
    (conversation: Conversation, add: boolean) => {
      setList((l) => {
        const listed = l.items.some((c) => c.id === conversation.id);
        // A search lists only what matches: a conversation it did not list stays out.
        if (!listed && (!add || l.query)) return l;
        return { ...l, items: [conversation, ...l.items.filter((c) => c.id !== conversation.id)].sort(byRecent) };
      });
      if (conversation.id === activeRef.current) setActiveInfo(conversation);
    },
    [activeRef],
  );

  const select = useCallback(
    (id: string | null) => {
      setActiveId(id);
      setActiveInfo(id ? (listRef.current.items.find((c) => c.id === id) ?? null) : null);
    },
    [listRef],
  );

  const adopt = useCallback(
    (conversation: Conversation, selectIt: boolean) => {
      if (selectIt) {
        setActiveId(conversation.id);
        setActiveInfo(conversation);
      }
      upsert(conversation, true);
      // A first page on its way may not list it yet: ask again.
      if (firstPageInFlight.current) void fetchFirst(searchedRef.current);
    },
    [upsert, fetchFirst, searchedRef],
  );

  /** A conversation made here: show it where it is, at the top of all conversations, selected. */
  const showMade = useCallback(
    (conversation: Conversation) => {
      if (searchedRef.current || listRef.current.query) {
        setQuery('');
        setSearched('');
      }
      setActiveId(conversation.id);
      setActiveInfo(conversation);
      setList((l) => ({ ...l, items: [conversation, ...l.items.filter((c) => c.id !== conversation.id)].sort(byRecent) }));
      if (firstPageInFlight.current) void fetchFirst(searchedRef.current);
    },
    [fetchFirst, listRef, searchedRef],
  );

  const importConversation = useCallback(
    async (data: unknown) => {
      const conversation = await api.importConversation(data);
      showMade(conversation);
      return conversation;
    },
    [showMade],
  );

  const create = useCallback(async () => {
    const conversation = await api.createConversation();
    // Show it where it is: at the top of all conversations.
    if (searchedRef.current || listRef.current.query) {
      setQuery('');
      setSearched('');
    }
    setActiveId(conversation.id);
    setActiveInfo(conversation);
    setList((l) => ({ ...l, items: [conversation, ...l.items.filter((c) => c.id !== conversation.id)] }));
    if (firstPageInFlight.current) void fetchFirst(searchedRef.current);
    return conversation;
  }, [fetchFirst, listRef, searchedRef]);

  const rename = useCallback(
    async (id: string, title: string) => {
      const conversation = await api.renameConversation(id, title);
      upsert(conversation, false);
      return conversation;
    },
    [upsert],
  );

  const remove = useCallback(
    async (id: string) => {
      try {
        await api.deleteConversation(id);
      } catch (err) {
        // Already gone (another tab): forget it here too.
        if (!(err instanceof ApiError && err.code === 'conversation_not_found')) throw err;
      }
      const remaining = listRef.current.items.filter((c) => c.id !== id);
      setList((l) => ({ ...l, items: l.items.filter((c) => c.id !== id) }));
      if (activeRef.current === id) {
        const next = remaining[0] ?? null;
        setActiveId(next ? next.id : null);
        setActiveInfo(next);
      }
    },
    [activeRef, listRef],
  );

  const touch = useCallback(
    (id: string) => {
      api.getConversation(id).then(
        (conversation) => upsert(conversation, true),
        () => {
          /* the list catches up at its next load */
        },
      );
    },
    [upsert],
  );

  const active = useMemo(() => {
    if (!activeId) return null;
    return list.items.find((c) => c.id === activeId) ?? (activeInfo?.id === activeId ? activeInfo : null);
  }, [activeId, activeInfo, list.items]);

  return {
    items: list.items,
    listState: list.state,
    listError: list.error,
    query,
    setQuery,
    searching: query.trim() !== list.query,
    shownQuery: list.query,
    hasMore: list.cursor !== null,
    loadingMore,
    moreError,
    loadMore,
    refresh,
    activeId,
    active,
    select,
    create,
    importConversation,
    adopt,
    rename,
    remove,
    touch,
  };
}
