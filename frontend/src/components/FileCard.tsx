import type { FileInfo } from '../types';
import { fileExtension, formatBytes } from '../lib/format';
import { CloseIcon, FileIcon, ImageIcon } from './icons';

export interface FileCardProps {
  file: FileInfo;
  note?: string;
  /** 0..1 while uploading. */
  progress?: number | null;
  /** The server's (or the pre-check's) reason for refusing the file. */
  rejection?: string | null;
  onDismiss?: () => void;
}

/** A file the user sent, with upload progress or the reason it was refused. */
export function FileCard({ file, note, progress, rejection, onDismiss }: FileCardProps) {
  const ext = fileExtension(file.name);
  const isImage = file.media_type?.startsWith('image/');
  const uploading = progress !== null && progress !== undefined;
  const percent = uploading ? Math.round((progress ?? 0) * 100) : 0;
  return (
    <div className={`file-card${rejection ? ' file-card--rejected' : ''}`} data-testid="file-card">
      <div className="file-card__main">
        <span className="file-card__icon" aria-hidden="true">
          {isImage ? <ImageIcon size={22} /> : <FileIcon size={22} />}
        </span>
        <div className="file-card__text">
          <span className="file-card__name" title={file.name}>
            {file.name}
          </span>
          <span className="file-card__meta">
            {[ext ? ext.toUpperCase() : null, formatBytes(file.size_bytes)].filter(Boolean).join(' · ')}
            {uploading ? ` · uploading ${percent}%` : ''}
          </span>
        </div>
        {onDismiss ? (
          <button type="button" className="icon-button icon-button--small" onClick={onDismiss} aria-label={`Dismiss ${file.name}`}>
            <CloseIcon size={16} />
          </button>
        ) : null}
      </div>
      {uploading ? (
        <div
          className="progress"
          role="progressbar"
          aria-label={`Uploading ${file.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
        >
          <span className="progress__fill" style={{ width: `${percent}%` }} />
        </div>
      ) : null}
      {note ? <p className="file-card__note">{note}</p> : null}
      {rejection ? (
        <p className="upload-error" data-testid="upload-error" role="alert">
          {rejection}
        </p>
      ) : null}
    </div>
  );
}
