import { useCallback, useId, useRef, useState, type DragEvent } from 'react';
import { AssistantMark } from './components/AssistantMark';
import { Composer } from './components/Composer';
import { ConfirmDialog } from './components/ConfirmDialog';
import { MessageList } from './components/MessageList';
import { OfflineBanner } from './components/OfflineBanner';
import { ProfilePanel } from './components/ProfilePanel';
import { PanelIcon, TrashIcon, UploadIcon } from './components/icons';
import { useChat } from './hooks/useChat';
import { useConfig } from './hooks/useConfig';
import { useConnectivity } from './hooks/useConnectivity';
import { useProfile } from './hooks/useProfile';
import { formatBytes } from './lib/format';

const WIDE_QUERY = '(min-width: 960px)';

function isWide(): boolean {
  return typeof window === 'undefined' || typeof window.matchMedia !== 'function' || window.matchMedia(WIDE_QUERY).matches;
}

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files');
}

export default function App() {
  const { config, loaded: configLoaded, reload: reloadConfig } = useConfig();
  const profile = useProfile();
  const { refresh: refreshProfile, reset: resetProfile } = profile;
  const [announcement, setAnnouncement] = useState('');

  const onReplyDone = useCallback(() => {
    setAnnouncement(`The assistant replied at ${new Date().toLocaleTimeString()}.`);
    void refreshProfile();
  }, [refreshProfile]);

  const chat = useChat({ config, onReplyDone });
  const { reloadHistory, sendMessage, uploadFile, clear } = chat;

  const onRecover = useCallback(() => {
    void reloadHistory();
    void refreshProfile();
    if (!configLoaded) void reloadConfig();
  }, [reloadHistory, refreshProfile, reloadConfig, configLoaded]);
  const connectivity = useConnectivity(onRecover);

  const [panelOpen, setPanelOpen] = useState(isWide);
  const panelId = useId();

  const [confirming, setConfirming] = useState(false);
  const [clearing, setClearing] = useState(false);
  const [clearError, setClearError] = useState<string | null>(null);

  const doClear = async () => {
    setClearing(true);
    setClearError(null);
    try {
      await clear();
      resetProfile();
      setConfirming(false);
      setAnnouncement('The chat was cleared.');
    } catch (err) {
      setClearError(err instanceof Error ? err.message : 'Could not clear the chat.');
    } finally {
      setClearing(false);
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

  return (
    <div className="app">
      <OfflineBanner connectivity={connectivity} />
      <header className="topbar">
        <div className="brand">
          <AssistantMark />
          <div className="brand__text">
            <h1 className="brand__title">Assistant</h1>
            <span className={`brand__status${online ? '' : ' brand__status--off'}`}>
              <span className="brand__status-dot" aria-hidden="true" />
              {online ? 'Online' : 'Offline'}
            </span>
          </div>
        </div>
        <div className="topbar__actions">
          <button
            type="button"
            className="button button--ghost"
            data-testid="clear-button"
            aria-label="Clear chat"
            onClick={() => {
              setClearError(null);
              setConfirming(true);
            }}
          >
            <TrashIcon size={18} />
            <span className="button__label">Clear chat</span>
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
        </div>
      </header>

      <div className={`layout${panelOpen ? ' layout--panel' : ''}`}>
        <main
          className="chat"
          onDragEnter={onDragEnter}
          onDragOver={onDragOver}
          onDragLeave={onDragLeave}
          onDrop={onDrop}
          aria-label="Chat"
        >
          <MessageList
            turns={chat.turns}
            historyState={chat.historyState}
            historyError={chat.historyError}
            onReloadHistory={() => void reloadHistory()}
            canRetry={chat.canRetry}
            onRetry={chat.retry}
            onDismiss={chat.dismiss}
            onSuggestion={sendMessage}
          />
          <Composer config={config} onSend={sendMessage} onFile={uploadFile} />
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
          open={panelOpen}
          onClose={() => setPanelOpen(false)}
        />
        {panelOpen ? <div className="panel-backdrop" onClick={() => setPanelOpen(false)} aria-hidden="true" /> : null}
      </div>

      {confirming ? (
        <ConfirmDialog
          title="Clear this chat?"
          confirmLabel="Clear chat"
          confirmTestId="confirm-clear"
          busy={clearing}
          error={clearError}
          onConfirm={() => void doClear()}
          onCancel={() => setConfirming(false)}
        >
          <p>All messages and replies in this conversation will be deleted. This cannot be undone.</p>
        </ConfirmDialog>
      ) : null}

      <div className="visually-hidden" aria-live="polite" role="status">
        {announcement}
      </div>
    </div>
  );
}
