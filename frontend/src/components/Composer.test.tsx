import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../api/client';
import { Composer } from './Composer';

function setup(config = DEFAULT_CONFIG) {
  const onSend = vi.fn();
  const onFile = vi.fn();
  render(<Composer config={config} onSend={onSend} onFile={onFile} />);
  const input = screen.getByTestId('composer-input') as HTMLTextAreaElement;
  return { onSend, onFile, input, user: userEvent.setup() };
}

describe('Composer', () => {
  it('sends on Enter and clears the box', async () => {
    const { onSend, input, user } = setup();
    await user.type(input, 'Hello there{Enter}');
    expect(onSend).toHaveBeenCalledTimes(1);
    expect(onSend).toHaveBeenCalledWith('Hello there');
    expect(input.value).toBe('');
  });

  it('adds a new line on Shift+Enter without sending', async () => {
    const { onSend, input, user } = setup();
    await user.type(input, 'line one{Shift>}{Enter}{/Shift}line two');
    expect(onSend).not.toHaveBeenCalled();
    expect(input.value).toBe('line one\nline two');
    await user.keyboard('{Enter}');
    expect(onSend).toHaveBeenCalledWith('line one\nline two');
  });

  it('does not send blank messages', async () => {
    const { onSend, input, user } = setup();
    await user.type(input, '   {Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByTestId('send-button')).toBeDisabled();
  });

  it('sends with the send button', async () => {
    const { onSend, input, user } = setup();
    await user.type(input, 'Click me');
    await user.click(screen.getByTestId('send-button'));
    expect(onSend).toHaveBeenCalledWith('Click me');
  });

  it('blocks messages over the server limit and says why', async () => {
    const { onSend, input, user } = setup({ ...DEFAULT_CONFIG, max_message_chars: 10 });
    await user.type(input, 'this is far too long{Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByText(/too long to send/i)).toBeInTheDocument();
    expect(input).toHaveAttribute('aria-invalid', 'true');
  });

  it('passes a chosen file on and lists the allowed types and size', async () => {
    const { onFile, user } = setup();
    const file = new File(['hello'], 'notes.txt', { type: 'text/plain' });
    await user.upload(screen.getByTestId('file-input'), file);
    expect(onFile).toHaveBeenCalledWith(file);
    expect(screen.getByTestId('file-input')).toHaveAttribute('accept', expect.stringContaining('.pdf'));
    expect(screen.getByText(/max 10 MB/)).toBeInTheDocument();
    expect(screen.getByTestId('upload-button')).toHaveAccessibleName('Attach a file');
  });
});
