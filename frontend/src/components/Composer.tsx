import { useId, useLayoutEffect, useRef, useState, type ChangeEvent, type FormEvent, type KeyboardEvent } from 'react';
import type { AppConfig } from '../types';
import { formatBytes, formatNumber } from '../lib/format';
import { PaperclipIcon, SendIcon, StopIcon } from './icons';

export interface ComposerProps {
  config: AppConfig;
  onSend: (text: string) => void;
  onFile: (file: File) => void;
  /** The text the box starts with (a draft kept across a sign-in). */
  initialText?: string;
  /** Told each change of the text (to keep the draft), '' once it is sent. */
  onTextChange?: (text: string) => void;
  disabled?: boolean;
  /** A reply is being written: the send button becomes Stop (Enter still sends). */
  replying?: boolean;
  /** The reply can be stopped now (false while its message is on its way, or once a stop was asked for). */
  canStop?: boolean;
  onStop?: () => void;
}

const MAX_HEIGHT_PX = 220;

/** Message box: Enter sends, Shift+Enter adds a line; attach button for files; Stop while a reply is written. */
export function Composer({
  config,
  onSend,
  onFile,
  initialText = '',
  onTextChange,
  disabled = false,
  replying = false,
  canStop = false,
  onStop,
}: ComposerProps) {
  const [text, setTextState] = useState(initialText);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const setText = (value: string) => {
    setTextState(value);
    onTextChange?.(value);
  };
  const counterId = useId();

  const length = text.length;
  const tooLong = length > config.max_message_chars;
  const canSend = !disabled && text.trim().length > 0 && !tooLong;
  const showCounter = length > config.max_message_chars * 0.8;

  // Grow with the text up to a limit.
  useLayoutEffect(() => {
    const el = textareaRef.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  const send = () => {
    if (!canSend) return;
    onSend(text);
    setText('');
    textareaRef.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Enter' || event.shiftKey) return;
    // Enter that confirms an IME composition is not a send.
    if (event.nativeEvent.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    send();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };

  const onFileChange = (event: ChangeEvent<HTMLInputElement>) => {
    const list = event.target.files;
    if (list) for (const file of Array.from(list)) onFile(file);
    // Allow choosing the same file again.
    event.target.value = '';
  };

  const accept = config.allowed_extensions.map((e) => `.${e}`).join(',');
  const typesText = config.allowed_extensions.join(', ');

  return (
    <form className="composer" onSubmit={onSubmit} aria-label="Send a message">
      <div className={`composer__box${tooLong ? ' composer__box--invalid' : ''}`}>
        <button
          type="button"
          className="icon-button composer__attach"
          data-testid="upload-button"
          aria-label="Attach a file"
          title={`Attach a file (${typesText}; up to ${formatBytes(config.max_upload_bytes)})`}
          onClick={() => fileRef.current?.click()}
          disabled={disabled}
        >
          <PaperclipIcon />
        </button>
        <input
          ref={fileRef}
          type="file"
          className="visually-hidden"
          data-testid="file-input"
          accept={accept}
          onChange={onFileChange}
          tabIndex={-1}
          aria-hidden="true"
        />
        <textarea
          ref={textareaRef}
          className="composer__input"
          data-testid="composer-input"
          aria-label="Message"
          aria-describedby={`${hintId}${showCounter ? ` ${counterId}` : ''}`}
          aria-invalid={tooLong || undefined}
          placeholder="Message the assistant…"
          rows={1}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          disabled={disabled}
        />
        {replying && onStop ? (
          <button
            type="button"
            className="send-button send-button--stop"
            data-testid="stop-button"
            aria-label="Stop the reply"
            title="Stop (Esc)"
            onClick={onStop}
            disabled={!canStop}
          >
            <StopIcon size={16} fill="currentColor" />
          </button>
        ) : (
          <button
            type="submit"
            className="send-button"
            data-testid="send-button"
            aria-label="Send message"
            title="Send (Enter)"
            disabled={!canSend}
          >
            <SendIcon />
          </button>
        )}
      </div>
      <div className="composer__meta">
        <p className="composer__hint" id={hintId}>
          <span className="composer__keys">
            {replying && onStop ? (
              <>
                <kbd>Esc</kbd> to stop ·{' '}
              </>
            ) : null}
            <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line ·{' '}
          </span>
          <span className="composer__files">
            Files: {typesText} (max {formatBytes(config.max_upload_bytes)})
          </span>
        </p>
        {showCounter ? (
          <p className={`composer__counter${tooLong ? ' composer__counter--over' : ''}`} id={counterId} aria-live="polite">
            {formatNumber(length)} / {formatNumber(config.max_message_chars)}
            {tooLong ? ' — too long to send' : ''}
          </p>
        ) : null}
      </div>
    </form>
  );
}
