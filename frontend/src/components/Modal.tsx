import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { keepTabInside } from '../lib/focusTrap';
import { CloseIcon } from './icons';

export interface ModalProps {
  title: string;
  /** A line under the title. */
  description?: ReactNode;
  children: ReactNode;
  onClose: () => void;
  testId?: string;
  /** Extra class of the dialog box (its width). */
  className?: string;
}

/**
 * A modal dialog with a title and a close button: focus moves in on open (to the first field,
 * else the close button) and back where it was on close; Tab stays inside; Escape or the
 * backdrop closes it.
 */
export function Modal({ title, description, children, onClose, testId, className }: ModalProps) {
  const titleId = useId();
  const descId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);

  useEffect(() => {
    onCloseRef.current = onClose;
  }, [onClose]);

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const dialog = dialogRef.current;
    const first = dialog?.querySelector<HTMLElement>('input:not([disabled]), textarea:not([disabled])');
    (first ?? dialog?.querySelector<HTMLElement>('.modal__close'))?.focus();
    return () => previous?.focus?.();
  }, []);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      // A dialog opened over this one (a confirmation) closes first.
      if (event.defaultPrevented) return;
      event.stopPropagation();
      onCloseRef.current();
      return;
    }
    keepTabInside(event, dialogRef.current);
  };

  return (
    <div
      className="dialog-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        className={`dialog modal${className ? ` ${className}` : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descId : undefined}
        ref={dialogRef}
        onKeyDown={onKeyDown}
        data-testid={testId}
      >
        <div className="modal__head">
          <h2 className="dialog__title" id={titleId}>
            {title}
          </h2>
          <button type="button" className="icon-button icon-button--small modal__close" aria-label="Close" title="Close" onClick={onClose}>
            <CloseIcon size={16} />
          </button>
        </div>
        {description ? (
          <p className="modal__description" id={descId}>
            {description}
          </p>
        ) : null}
        {children}
      </div>
    </div>
  );
}
