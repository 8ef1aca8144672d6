import { useRef, type MouseEvent } from 'react';
import { exportUrl } from '../api/client';
import { useMenu } from '../hooks/useMenu';
import type { ExportFormat } from '../types';
import { ChevronDownIcon, DownloadIcon, ImportIcon } from './icons';

export interface ExportMenuProps {
  /** The conversation on show; null when there is none (nothing to export). */
  conversationId: string | null;
  /** Download the export (the link's URL); rejects with the message to show. */
  onExport: (conversationId: string, format: ExportFormat) => Promise<void>;
  /** Import a JSON export chosen in the file picker; rejects with the message to show. */
  onImport: (file: File) => Promise<void>;
  /** An export or import is under way. */
  busy?: boolean;
}

const FORMATS: { format: ExportFormat; label: string; testId: string; hint: string }[] = [
  { format: 'markdown', label: 'Export as Markdown', testId: 'export-markdown', hint: 'The messages on show, to read or share' },
  { format: 'json', label: 'Export as JSON', testId: 'export-json', hint: 'Every message and version, to import again' },
];

/**
 * The chat's Export menu: a download of the conversation as Markdown or JSON
 * (`GET /conversations/{id}/export?format=…`), and "Import conversation" (a JSON export →
 * `POST /conversations/import`). A menu button: arrows move, Escape closes.
 */
export function ExportMenu({ conversationId, onExport, onImport, busy = false }: ExportMenuProps) {
  const { open, toggle, close, menuId, rootRef, buttonRef, menuRef, onButtonKeyDown, onMenuKeyDown } = useMenu();
  const fileRef = useRef<HTMLInputElement>(null);

  const onExportClick = (event: MouseEvent<HTMLAnchorElement>, format: ExportFormat) => {
    // The link names the download; fetching it here shows a clear error instead of a page of JSON.
    event.preventDefault();
    if (!conversationId || busy) return;
    close(true);
    void onExport(conversationId, format).catch(() => undefined);
  };

  return (
    <div className="menu" ref={rootRef}>
      <button
        type="button"
        ref={buttonRef}
        className="button button--ghost"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label="Export or import"
        title="Export this chat, or import one"
        data-testid="export-menu-button"
        onClick={toggle}
        onKeyDown={onButtonKeyDown}
      >
        <DownloadIcon size={18} />
        <span className="button__label">Export</span>
        <ChevronDownIcon size={15} className={`chevron${open ? ' chevron--open' : ''}`} />
      </button>
      {open ? (
        <div className="menu__list" role="menu" id={menuId} aria-label="Export or import" ref={menuRef} onKeyDown={onMenuKeyDown}>
          {FORMATS.map(({ format, label, testId, hint }) => {
            const disabled = !conversationId || busy;
            return (
              <a
                key={format}
                role="menuitem"
                className="menu__item"
                href={conversationId ? exportUrl(conversationId, format) : undefined}
                download
                aria-disabled={disabled || undefined}
                tabIndex={-1}
                data-testid={testId}
                onClick={(e) => onExportClick(e, format)}
              >
                <DownloadIcon size={16} />
                <span className="menu__text">
                  <span>{label}</span>
                  <span className="menu__hint">{hint}</span>
                </span>
              </a>
            );
          })}
          <div className="menu__separator" role="separator" />
          <button
            type="button"
            role="menuitem"
            className="menu__item"
            tabIndex={-1}
            data-testid="import-conversation"
            aria-disabled={busy || undefined}
            onClick={() => {
              if (busy) return;
              close(true);
              fileRef.current?.click();
            }}
          >
            <ImportIcon size={16} />
            <span className="menu__text">
              <span>Import conversation</span>
              <span className="menu__hint">From a JSON export</span>
            </span>
          </button>
        </div>
      ) : null}
      <input
        ref={fileRef}
        type="file"
        className="visually-hidden"
        accept=".json,application/json"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="import-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          // Allow choosing the same file again.
          e.target.value = '';
          if (file) void onImport(file).catch(() => undefined);
        }}
      />
    </div>
  );
}
