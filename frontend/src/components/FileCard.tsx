import type { FileInfo, ProgressEventData } from '../types';
import { fileExtension, formatBytes } from '../lib/format';
import { CloseIcon, FileIcon, ImageIcon } from './icons';

export interface FileCardProps {
  file: FileInfo;
  note?: string;
  /** 0..1 while uploading. */
  progress?: number | null;
  /** The server's latest progress while it reads the file (OCR, pages, sheets…). */
  reading?: ProgressEventData | null;
  /** The server's (or the pre-check's) reason for refusing the file. */
  rejection?: string | null;
  onDismiss?: () => void;
}

/** How far the server has read the file: its sentence, and a bar when the total is known. */
function ReadingProgress({ name, reading }: { name: string; reading: ProgressEventData }) {
  const total = reading.total > 0 ? reading.total : 0;
  const done = Math.min(Math.max(reading.done, 0), total);
  const percent = total ? Math.round((done / total) * 100) : 0;
  return (
    <div className="file-card__reading" data-testid="file-reading">
      <p className="file-card__reading-text" role="status">
        <span className="file-card__reading-dot" aria-hidden="true" />
        <span className="file-card__reading-label" title={reading.text}>
          {reading.text}
        </span>
      </p>
      {total ? (
        <div
          className="progress progress--slim"
          role="progressbar"
          aria-label={`Reading ${name}`}
          aria-valuemin={0}
          aria-valuemax={total}
          aria-valuenow={done}
          aria-valuetext={reading.text}
        >
          <span className="progress__fill" style={{ width: `${percent}%` }} />
        </div>
      ) : null}
    </div>
  );
}

/** A file the user sent, with upload progress, reading progress or the reason it was refused. */
export function FileCard({ file, note, progress, reading, rejection, onDismiss }: FileCardProps) {
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
      {reading && !uploading && !rejection ? <ReadingProgress name={file.name} reading={reading} /> : null}
      {note ? <p className="file-card__note">{note}</p> : null}
      {rejection ? (
        <p className="upload-error" data-testid="upload-error" role="alert">
          {rejection}
        </p>
      ) : null}
    </div>
  );
}
