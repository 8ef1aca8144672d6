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
