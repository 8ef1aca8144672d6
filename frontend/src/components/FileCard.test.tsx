import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { FileCard } from './FileCard';

const file = { name: 'report.pdf', media_type: 'application/pdf', size_bytes: 2048 };

describe('FileCard', () => {
  it('shows name, type and size', () => {
    render(<FileCard file={file} />);
    const card = screen.getByTestId('file-card');
    expect(card).toHaveTextContent('report.pdf');
    expect(card).toHaveTextContent('PDF · 2 KB');
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.queryByTestId('upload-error')).toBeNull();
  });

  it('shows upload progress', () => {
    render(<FileCard file={file} progress={0.42} />);
    const bar = screen.getByRole('progressbar');
    expect(bar).toHaveAttribute('aria-valuenow', '42');
    expect(screen.getByTestId('file-card')).toHaveTextContent('uploading 42%');
  });

  it('shows the reading progress with a bar when the total is known', () => {
    render(<FileCard file={file} reading={{ text: 'reading page 3 of 12', done: 3, total: 12 }} />);
    expect(screen.getByTestId('file-reading')).toHaveTextContent('reading page 3 of 12');
    expect(screen.getByRole('status')).toHaveTextContent('reading page 3 of 12');
    const bar = screen.getByRole('progressbar', { name: 'Reading report.pdf' });
    expect(bar).toHaveAttribute('aria-valuemin', '0');
    expect(bar).toHaveAttribute('aria-valuemax', '12');
    expect(bar).toHaveAttribute('aria-valuenow', '3');
    expect(bar).toHaveAttribute('aria-valuetext', 'reading page 3 of 12');
    expect(bar.querySelector('.progress__fill')).toHaveStyle({ width: '25%' });
  });

  it('shows only the text when the total is unknown', () => {
    const image = { name: 'scan.png', media_type: 'image/png', size_bytes: 4096 };
    render(<FileCard file={image} reading={{ text: 'reading text in the image', done: 0, total: 0 }} />);
    expect(screen.getByTestId('file-reading')).toHaveTextContent('reading text in the image');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('keeps the bar within its range when done overshoots the total', () => {
    render(<FileCard file={file} reading={{ text: 'reading page 13 of 12', done: 13, total: 12 }} />);
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '12');
  });

  it('shows no reading progress without any', () => {
    render(<FileCard file={file} reading={null} />);
    expect(screen.queryByTestId('file-reading')).toBeNull();
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('shows the rejection message inline and can be dismissed', async () => {
    const onDismiss = vi.fn();
    render(<FileCard file={file} rejection="Unsupported file type: .exe" onDismiss={onDismiss} />);
    const error = screen.getByTestId('upload-error');
    expect(error).toHaveTextContent('Unsupported file type: .exe');
    expect(error).toHaveAttribute('role', 'alert');
    await userEvent.click(screen.getByRole('button', { name: /dismiss report.pdf/i }));
    expect(onDismiss).toHaveBeenCalled();
  });
});
