import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { UseConversations } from '../hooks/useConversations';
import { groupByDay } from '../lib/dayGroups';
import type { Conversation } from '../types';
import { CloseIcon, ConversationIcon, NewChatIcon, PencilIcon, RefreshIcon, SearchIcon, TrashIcon } from './icons';

/** The most a title may hold (the gateway's limit). */
export const MAX_TITLE_CHARS = 200;

/** What a conversation is called before its first message names it. */
export const UNTITLED = 'New chat';

export function conversationTitle(conversation: Pick<Conversation, 'title'> | null | undefined): string {
  return conversation?.title.trim() || UNTITLED;
}

export interface ConversationSidebarProps
  extends Pick<
    UseConversations,
    | 'items'
    | 'listState'
    | 'listError'
    | 'query'
    | 'setQuery'
    | 'searching'
    | 'shownQuery'
    | 'hasMore'
    | 'loadingMore'
    | 'moreError'
    | 'activeId'
  > {
  id: string;
  open: boolean;
  /** Close the drawer (narrow screens). */
  onClose: () => void;
  onSelect: (id: string) => void;
  onNewChat: () => void;
  creating: boolean;
  onRename: (id: string, title: string) => Promise<unknown>;
  onDelete: (conversation: Conversation) => void;
  onLoadMore: () => void;
  onRetry: () => void;
  /** "Now" for the day groups (tests). */
  now?: Date;
}

/** The conversations: new chat, search, the list grouped by day, rename and delete. */
export function ConversationSidebar({
  id,
  open,
  onClose,
  items,
  listState,
  listError,
  query,
  setQuery,
  searching,
  shownQuery,
  hasMore,
  loadingMore,
  moreError,
  activeId,
  onSelect,
  onNewChat,
  creating,
  onRename,
  onDelete,
  onLoadMore,
  onRetry,
  now,
}: ConversationSidebarProps) {
  const titleId = useId();
  const groups = useMemo(() => groupByDay(items, (c) => c.updated_at, now), [items, now]);

  // Arrow keys, Home and End move between the conversations.
  const onListKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('conversation__select')) return;
    const all = Array.from(event.currentTarget.querySelectorAll<HTMLElement>('.conversation__select'));
    const at = all.indexOf(target);
    let next = -1;
    if (event.key === 'ArrowDown') next = Math.min(all.length - 1, at + 1);
    else if (event.key === 'ArrowUp') next = Math.max(0, at - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = all.length - 1;
    if (next < 0) return;
    event.preventDefault();
    all[next]?.focus();
  };

  const onSidebarKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key === 'Escape' && !event.defaultPrevented) onClose();
  };

  const empty = items.length === 0;

  return (
    <aside
      className={`sidebar${open ? ' sidebar--open' : ''}`}
      id={id}
      data-testid="conversation-sidebar"
      aria-labelledby={titleId}
      onKeyDown={onSidebarKeyDown}
    >
      <div className="sidebar__head">
        <h2 className="sidebar__title" id={titleId}>
          Chats
        </h2>
        <button
          type="button"
          className="icon-button icon-button--small sidebar__close"
          onClick={onClose}
          aria-label="Close conversations"
        >
          <CloseIcon size={16} />
        </button>
      </div>
      <button
        type="button"
        className="button sidebar__new"
        onClick={onNewChat}
        disabled={creating}
        data-testid="new-chat-button"
      >
        <NewChatIcon size={18} />
        New chat
      </button>

      <div className="sidebar__search" role="search">
        <SearchIcon size={16} className="sidebar__search-icon" />
        <input
          type="search"
          className="sidebar__search-input"
          placeholder="Search chats"
          aria-label="Search conversations"
          data-testid="conversation-search"
          value={query}
          maxLength={500}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query) {
              // Escape empties the box first; a second one closes the drawer.
              e.preventDefault();
              setQuery('');
            }
          }}
        />
        {searching && listState !== 'error' ? <span className="spinner spinner--small" aria-hidden="true" /> : null}
      </div>

      {listError ? (
        <div className="sidebar__alert" role="alert">
          <span>Couldn’t load your chats: {listError}</span>
          <button type="button" className="button button--small" onClick={onRetry}>
            <RefreshIcon size={14} /> Try again
          </button>
        </div>
      ) : null}

      <nav className="sidebar__list" aria-label="Conversations" onKeyDown={onListKeyDown} data-testid="conversation-list">
        {listState === 'loading' && empty ? (
          <p className="sidebar__empty" role="status">
            <span className="spinner spinner--small" aria-hidden="true" /> Loading chats…
          </p>
        ) : null}
        {listState === 'ready' && empty ? (
          <p className="sidebar__empty" data-testid="conversation-empty">
            {shownQuery ? (
              <>No chats match “{shownQuery}”.</>
            ) : (
              <>
                <ConversationIcon size={16} /> No chats yet. Send a message to start one.
              </>
            )}
          </p>
        ) : null}
        {groups.map((group) => (
          <section className="sidebar__group" key={group.key} aria-labelledby={`${titleId}-${group.key}`}>
            <h3 className="sidebar__group-title" id={`${titleId}-${group.key}`} data-testid="conversation-group">
              {group.label}
            </h3>
            <ul className="conversations">
              {group.items.map((conversation) => (
                <ConversationItem
                  key={conversation.id}
                  conversation={conversation}
                  active={conversation.id === activeId}
                  onSelect={onSelect}
                  onRename={onRename}
                  onDelete={onDelete}
                />
              ))}
            </ul>
          </section>
        ))}
        {moreError ? (
          <p className="sidebar__alert" role="alert">
            Couldn’t load more chats: {moreError}
          </p>
        ) : null}
        {hasMore ? (
          <button
            type="button"
            className="button button--ghost button--small sidebar__more"
            onClick={onLoadMore}
            disabled={loadingMore}
            data-testid="conversation-load-more"
          >
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </nav>
    </aside>
  );
}

interface ConversationItemProps {
  conversation: Conversation;
  active: boolean;
  onSelect: (id: string) => void;
  onRename: (id: string, title: string) => Promise<unknown>;
  onDelete: (conversation: Conversation) => void;
}

function ConversationItem({ conversation, active, onSelect, onRename, onDelete }: ConversationItemProps) {
  const title = conversationTitle(conversation);
  const [editing, setEditing] = useState(false);
  const selectRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);

  // Back on the conversation once the title is saved or the edit cancelled.
  useEffect(() => {
    if (wasEditing.current && !editing) selectRef.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  return (
    <li
      className={`conversation${active ? ' conversation--active' : ''}${editing ? ' conversation--editing' : ''}`}
      data-testid="conversation-item"
      data-conversation-id={conversation.id}
    >
      {editing ? (
        <RenameField
          initial={conversation.title}
          onSave={(next) => onRename(conversation.id, next)}
          onDone={() => setEditing(false)}
        />
      ) : (
        <>
          <button
            type="button"
            ref={selectRef}
            className="conversation__select"
            aria-current={active ? 'page' : undefined}
            title={title}
            onClick={() => onSelect(conversation.id)}
            data-testid="conversation-select"
          >
            <span className={`conversation__title${conversation.title.trim() ? '' : ' conversation__title--untitled'}`}>
              {title}
            </span>
          </button>
          <div className="conversation__actions">
            <button
              type="button"
              className="icon-button icon-button--small"
              aria-label={`Rename “${title}”`}
              title="Rename"
              onClick={() => setEditing(true)}
              data-testid="conversation-rename"
            >
              <PencilIcon size={15} />
            </button>
            <button
              type="button"
              className="icon-button icon-button--small conversation__delete"
              aria-label={`Delete “${title}”`}
              title="Delete"
              onClick={() => onDelete(conversation)}
              data-testid="conversation-delete"
            >
              <TrashIcon size={15} />
            </button>
          </div>
        </>
      )}
    </li>
  );
}

interface RenameFieldProps {
  initial: string;
  onSave: (title: string) => Promise<unknown>;
  onDone: () => void;
}

/** The title in an input: Enter (or leaving it) saves, Escape cancels; the server's error shows under it. */
function RenameField({ initial, onSave, onDone }: RenameFieldProps) {
  const [value, setValue] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  /** Saved or cancelled: a late blur must not save again. */
  const finished = useRef(false);
  const busy = useRef(false);
  const errorId = useId();

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  const save = async () => {
    if (finished.current || busy.current) return;
    const title = value.trim();
    // Nothing (or nothing new) to save: the title stays as it was.
    if (!title || title === initial.trim()) {
      finished.current = true;
      onDone();
      return;
    }
    busy.current = true;
    setSaving(true);
    setError(null);
    try {
      await onSave(title);
      finished.current = true;
      onDone();
    } catch (err) {
      setError(err instanceof Error && err.message ? err.message : 'Could not rename the chat.');
      setSaving(false);
      inputRef.current?.focus();
    } finally {
      busy.current = false;
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void save();
  };

  return (
    <form className="conversation__rename" onSubmit={onSubmit}>
      <input
        ref={inputRef}
        className="conversation__rename-input"
        aria-label="Chat title"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        data-testid="conversation-title-input"
        value={value}
        maxLength={MAX_TITLE_CHARS}
        readOnly={saving}
        aria-busy={saving || undefined}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            finished.current = true;
            onDone();
          }
        }}
        onBlur={() => void save()}
      />
      {error ? (
        <p className="conversation__error" id={errorId} role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
