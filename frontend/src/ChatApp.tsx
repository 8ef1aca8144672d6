import { useCallback, useEffect, useId, useMemo, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { ApiError, exportConversation, onSessionEnded } from './api/client';
import { AssistantMark } from './components/AssistantMark';
import { Composer } from './components/Composer';
import { ConfirmDialog } from './components/ConfirmDialog';
import { ConversationSidebar, conversationTitle } from './components/ConversationSidebar';
import { ExportMenu } from './components/ExportMenu';
import { MessageList } from './components/MessageList';
import { OfflineBanner } from './components/OfflineBanner';
import { ProfilePanel } from './components/ProfilePanel';
import { AlertIcon, CloseIcon, PanelIcon, SidebarIcon, TrashIcon, UploadIcon } from './components/icons';
import type { HistoryState } from './hooks/useChat';
import { useChat } from './hooks/useChat';
import { useConfig } from './hooks/useConfig';
import { useConnectivity } from './hooks/useConnectivity';
import { useConversations } from './hooks/useConversations';
import { useProfile } from './hooks/useProfile';
import { readFileText, saveBlob } from './lib/download';
import { loadDraft, saveDraft, saveDraftIfEmpty } from './lib/draft';
import { formatBytes } from './lib/format';
import type { Conversation, ExportFormat, Job } from './types';

const WIDE_QUERY = '(min-width: 960px)';
/** From this width the conversations sidebar sits beside the chat; under it, it is a drawer. */
const SIDEBAR_QUERY = '(min-width: 768px)';

function matches(query: string): boolean {
  return typeof window === 'undefined' || typeof window.matchMedia !== 'function' || window.matchMedia(query).matches;
}

const isWide = () => matches(WIDE_QUERY);
const isSidebarBeside = () => matches(SIDEBAR_QUERY);

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files');
}

function errorText(err: unknown, fallback: string): string {
  return err instanceof Error && err.message ? err.message : fallback;
}

/** Why an export or import failed, said clearly when the server does not offer it at all. */
function transferError(err: unknown, what: 'Exporting' | 'Importing'): string {
  if (err instanceof ApiError && err.isUnsupported) return `${what} conversations is not available on this server.`;
  return `${what} failed: ${errorText(err, 'something went wrong.')}`;
}

/** Escape stops the reply unless another control has a use for it (a field, a menu, a dialog, a drawer). */
function escapeStopsReply(event: KeyboardEvent): boolean {
  if (event.key !== 'Escape' || event.defaultPrevented) return false;
  const target = event.target instanceof HTMLElement ? event.target : null;
  if (!target || target === document.body) return true;
  if (!target.closest('main.chat')) return false;
  if (target.closest('[role="dialog"], [role="alertdialog"], [role="menu"]')) return false;
  const field = target.closest('input, textarea, select, [contenteditable="true"]');
  return !field || field.classList.contains('composer__input');
}

export interface ChatAppProps {
  /** The account controls of the top bar (accounts mode): the account menu, or Sign in and Create account. */
  accountArea?: ReactNode;
  /**
   * Whose composer draft is kept in the tab's sessionStorage (an account id, or the guest), so
   * that it survives a session ending; undefined (no accounts): the draft is not kept.
   */
  draftOwner?: string;
}

/** The chat: conversations, messages, composer and profile, for whoever is using the app. */
export function ChatApp({ accountArea, draftOwner }: ChatAppProps) {
  const { config, loaded: configLoaded, reload: reloadConfig } = useConfig();
  const profile = useProfile();
  const { refresh: refreshProfile, reset: resetProfile } = profile;
  const conversations = useConversations();
  const { touch, adopt, refresh: refreshConversations } = conversations;
  const [announcement, setAnnouncement] = useState('');
  /** An action failed where no control of its own can say so (stop, export, import). */
  const [actionAlert, setActionAlert] = useState<string | null>(null);

  const onReplyDone = useCallback(
    (job: Job) => {
      setAnnouncement(`The assistant replied at ${new Date().toLocaleTimeString()}.`);
      void refreshProfile();
      if (job.conversation_id) touch(job.conversation_id);
    },
    [refreshProfile, touch],
  );

  /** The text of the last message sent, until the server took it. */
  const unacceptedSend = useRef<string | null>(null);
  const onSubmitted = useCallback(
    (conversationId: string) => {
      unacceptedSend.current = null;
      // The conversation moves to the top of the list, with the title its first message gave it.
      touch(conversationId);
    },
    [touch],
  );

  const chat = useChat({
    config,
    conversationId: conversations.activeId,
    onConversationCreated: adopt,
    onSubmitted,
    onReplyDone,
    onActionError: setActionAlert,
  });
  const { reloadHistory, sendMessage, uploadFile, stop: stopReplies, replying, canStop } = chat;

  // The composer's draft survives the session ending (the sign-in page replaces the chat), and
  // so does a message sent but not taken yet when it ended.
  const initialDraft = useMemo(() => (draftOwner ? loadDraft(draftOwner) : ''), [draftOwner]);
  const onDraftChange = useMemo(
    () => (draftOwner ? (text: string) => saveDraft(draftOwner, text) : undefined),
    [draftOwner],
  );
  const send = useCallback(
    (text: string) => {
      unacceptedSend.current = text;
      sendMessage(text);
    },
    [sendMessage],
  );
  useEffect(() => {
    if (!draftOwner) return;
    return onSessionEnded(() => {
      if (unacceptedSend.current) saveDraftIfEmpty(draftOwner, unacceptedSend.current);
    });
  }, [draftOwner]);

  // Escape stops the reply being written.
  useEffect(() => {
    if (!replying) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (!escapeStopsReply(event)) return;
      event.preventDefault();
      stopReplies();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [replying, stopReplies]);

  const onRecover = useCallback(() => {
    void refreshConversations();
    void reloadHistory();
    void refreshProfile();
    if (!configLoaded) void reloadConfig();
  }, [refreshConversations, reloadHistory, refreshProfile, reloadConfig, configLoaded]);
  const connectivity = useConnectivity(onRecover);

  const [panelOpen, setPanelOpen] = useState(isWide);
  const panelId = useId();
  const [sidebarOpen, setSidebarOpen] = useState(isSidebarBeside);
  const sidebarId = useId();
  /** On narrow screens the sidebar is a drawer: it closes once it has done its job. */
  const closeDrawer = useCallback(() => {
    if (!isSidebarBeside()) setSidebarOpen(false);
  }, []);

  const [transferring, setTransferring] = useState(false);
  const doExport = async (conversationId: string, format: ExportFormat) => {
    setTransferring(true);
    setActionAlert(null);
    try {
      const { blob, filename } = await exportConversation(conversationId, format);
      saveBlob(blob, filename);
      setAnnouncement(`The chat was exported as ${filename}.`);
    } catch (err) {
      setActionAlert(transferError(err, 'Exporting'));
    } finally {
      setTransferring(false);
    }
  };
  const doImport = async (file: File) => {
    setTransferring(true);
    setActionAlert(null);
    try {
      let data: unknown;
      try {
        data = JSON.parse(await readFileText(file));
      } catch {
        throw new Error(`“${file.name}” is not a JSON export of a conversation.`);
      }
      const imported = await conversations.importConversation(data);
      closeDrawer();
      setAnnouncement(`“${conversationTitle(imported)}” was imported.`);
    } catch (err) {
      setActionAlert(transferError(err, 'Importing'));
    } finally {
      setTransferring(false);
    }
  };

  const selectConversation = (id: string) => {
    conversations.select(id);
    closeDrawer();
  };

  const [creating, setCreating] = useState(false);
  const newChat = async () => {
    setCreating(true);
    try {
      await conversations.create();
      closeDrawer();
      setAnnouncement('A new chat was started.');
    } catch (err) {
      setAnnouncement(`Could not start a new chat: ${errorText(err, 'something went wrong.')}`);
    } finally {
      setCreating(false);
    }
  };

  const renameConversation = async (id: string, title: string) => {
    const renamed = await conversations.rename(id, title);
    setAnnouncement(`The chat was renamed “${conversationTitle(renamed)}”.`);
  };

  // Deleting a conversation (from the sidebar or the top bar), after confirmation.
  const [toDelete, setToDelete] = useState<Conversation | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const askDelete = (conversation: Conversation) => {
    setDeleteError(null);
    setToDelete(conversation);
  };
  const doDelete = async () => {
    if (!toDelete) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await conversations.remove(toDelete.id);
      // The profile is the most recent conversation's: that may be another one now.
      resetProfile();
      setToDelete(null);
      setAnnouncement('The chat was deleted.');
    } catch (err) {
      setDeleteError(errorText(err, 'Could not delete the chat.'));
    } finally {
      setDeleting(false);
    }
  };

  // Drag and drop anywhere on the chat column.
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const onDragEnter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth.current += 1;
    setDragging(true);
  };
  const onDragOver = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  };
  const onDragLeave = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    dragDepth.current = Math.max(0, dragDepth.current - 1);
    if (dragDepth.current === 0) setDragging(false);
  };
  const onDrop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    for (const file of Array.from(e.dataTransfer?.files ?? [])) uploadFile(file);
  };

  const online = connectivity.browserOnline && connectivity.serverReachable;

  // Until the list says which conversation to show, its state stands for the chat's.
  const listUnknown = conversations.activeId === undefined;
  const historyState: HistoryState = listUnknown
    ? conversations.listState === 'loading'
      ? 'loading'
      : 'error'
    : chat.historyState;
  const historyError = listUnknown ? (conversations.listError ?? 'Could not load your chats.') : chat.historyError;
  const onReloadHistory = () => void (listUnknown ? refreshConversations() : reloadHistory());
  const active = conversations.active;

  return (
    <div className="app">
      <OfflineBanner connectivity={connectivity} />
      <header className="topbar">
        <div className="brand">
          <button
            type="button"
            className={`icon-button${sidebarOpen ? ' icon-button--active' : ''}`}
            aria-label={sidebarOpen ? 'Hide chats' : 'Show chats'}
            aria-expanded={sidebarOpen}
            aria-controls={sidebarId}
            title="Your chats"
            data-testid="sidebar-toggle"
            onClick={() => setSidebarOpen((v) => !v)}
          >
            <SidebarIcon />
          </button>
          <AssistantMark />
          <div className="brand__text">
            <h1 className="brand__title">Assistant</h1>
            <span className={`brand__status${online ? '' : ' brand__status--off'}`}>
              <span className="brand__status-dot" aria-hidden="true" />
              {online ? 'Online' : 'Offline'}
            </span>
          </div>
        </div>
        <p className="topbar__conversation" data-testid="conversation-title" title={active ? conversationTitle(active) : undefined}>
          {active ? conversationTitle(active) : null}
        </p>
        <div className="topbar__actions">
          <ExportMenu
            conversationId={active ? active.id : null}
            onExport={doExport}
            onImport={doImport}
            busy={transferring}
          />
          <button
            type="button"
            className="button button--ghost"
            data-testid="delete-chat-button"
            aria-label="Delete chat"
            disabled={!active}
            onClick={() => {
              if (active) askDelete(active);
            }}
          >
            <TrashIcon size={18} />
            <span className="button__label">Delete chat</span>
          </button>
          <button
            type="button"
            className={`icon-button${panelOpen ? ' icon-button--active' : ''}`}
            aria-label={panelOpen ? 'Hide profile' : 'Show profile'}
            aria-expanded={panelOpen}
            aria-controls={panelId}
            title="What the assistant knows about you"
            onClick={() => setPanelOpen((v) => !v)}
          >
            <PanelIcon />
          </button>
          {accountArea}
        </div>
      </header>

      <div className={`layout${panelOpen ? ' layout--panel' : ''}`}>
        <ConversationSidebar
          id={sidebarId}
          open={sidebarOpen}
          onClose={closeDrawer}
          items={conversations.items}
          listState={conversations.listState}
          listError={conversations.listError}
          query={conversations.query}
          setQuery={conversations.setQuery}
          searching={conversations.searching}
          shownQuery={conversations.shownQuery}
          hasMore={conversations.hasMore}
          loadingMore={conversations.loadingMore}
          moreError={conversations.moreError}
          activeId={conversations.activeId}
          onSelect={selectConversation}
          onNewChat={() => void newChat()}
          creating={creating}
          onRename={renameConversation}
          onDelete={askDelete}
          onLoadMore={() => void conversations.loadMore()}
          onRetry={() => void refreshConversations()}
        />
        {sidebarOpen ? <div className="sidebar-backdrop" onClick={() => setSidebarOpen(false)} aria-hidden="true" /> : null}
        <main
          className="chat"
          onDragEnter={onDragEnter}
          onDragOver={onDragOver}
          onDragLeave={onDragLeave}
          onDrop={onDrop}
          aria-label="Chat"
        >
          {actionAlert ? (
            <div className="chat-alert" role="alert" data-testid="chat-alert">
              <AlertIcon size={16} />
              <span className="chat-alert__text">{actionAlert}</span>
              <button
                type="button"
                className="icon-button icon-button--small"
                aria-label="Dismiss"
                title="Dismiss"
                onClick={() => setActionAlert(null)}
              >
                <CloseIcon size={14} />
              </button>
            </div>
          ) : null}
          <MessageList
            turns={chat.turns}
            historyState={historyState}
            historyError={historyError}
            onReloadHistory={onReloadHistory}
            hasEarlier={chat.hasEarlier}
            loadingEarlier={chat.loadingEarlier}
            earlierError={chat.earlierError}
            onLoadEarlier={() => void chat.loadEarlier()}
            canRetry={chat.canRetry}
            onRetry={chat.retry}
            onDismiss={chat.dismiss}
            onSuggestion={sendMessage}
            onRegenerate={chat.regenerate}
            onEdit={chat.edit}
            onSelectAlternative={chat.selectAlternative}
            maxMessageChars={config.max_message_chars}
          />
          <Composer
            config={config}
            onSend={send}
            initialText={initialDraft}
            onTextChange={onDraftChange}
            onFile={uploadFile}
            disabled={listUnknown && conversations.listState === 'loading'}
            replying={replying}
            canStop={canStop}
            onStop={stopReplies}
          />
          {dragging ? (
            <div className="drop-overlay" aria-hidden="true">
              <div className="drop-overlay__card">
                <UploadIcon size={32} />
                <p className="drop-overlay__title">Drop a file to analyse it</p>
                <p className="drop-overlay__hint">
                  {config.allowed_extensions.join(', ')} · up to {formatBytes(config.max_upload_bytes)}
                </p>
              </div>
            </div>
          ) : null}
        </main>
        <ProfilePanel
          id={panelId}
          profile={profile.profile}
          loading={profile.loading}
          error={profile.error}
          onRefresh={() => void refreshProfile()}
          legacy={profile.legacy}
          onUpdateFact={profile.legacy ? undefined : profile.updateFact}
          onDeleteFact={profile.legacy ? undefined : profile.deleteFact}
          open={panelOpen}
          onClose={() => setPanelOpen(false)}
        />
        {panelOpen ? <div className="panel-backdrop" onClick={() => setPanelOpen(false)} aria-hidden="true" /> : null}
      </div>

      {toDelete ? (
        <ConfirmDialog
          title="Delete this chat?"
          confirmLabel="Delete chat"
          busyLabel="Deleting…"
          confirmTestId="confirm-delete"
          busy={deleting}
          error={deleteError}
          onConfirm={() => void doDelete()}
          onCancel={() => setToDelete(null)}
        >
          <p>
            “{conversationTitle(toDelete)}” will be deleted with its messages, its files and what the assistant learned in
            it. This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}

      <div className="visually-hidden" aria-live="polite" role="status">
        {announcement}
      </div>
    </div>
  );
}
