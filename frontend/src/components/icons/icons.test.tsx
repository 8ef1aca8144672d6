import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import * as icons from '.';
import { RefreshIcon, SendIcon } from '.';

describe('icons', () => {
  it('draw with the app defaults: 20px, 1.8 stroke, currentColor, decorative', () => {
    const { container } = render(<SendIcon />);
    const svg = container.querySelector('svg');
    expect(svg).toHaveAttribute('width', '20');
    expect(svg).toHaveAttribute('height', '20');
    expect(svg).toHaveAttribute('viewBox', '0 0 24 24');
    expect(svg).toHaveAttribute('stroke-width', '1.8');
    expect(svg).toHaveAttribute('stroke', 'currentColor');
    expect(svg).toHaveAttribute('aria-hidden', 'true');
    expect(svg).toHaveAttribute('focusable', 'false');
  });

  it('take a size and a class, and a title as accessible name', () => {
    const { container } = render(<RefreshIcon size={14} className="chevron" title="Reload" />);
    const svg = container.querySelector('svg');
    expect(svg).toHaveAttribute('width', '14');
    expect(svg).toHaveClass('chevron');
    expect(svg).not.toHaveAttribute('aria-hidden');
    expect(screen.getByRole('img', { name: 'Reload' })).toBe(svg);
  });

  it('are all exported under the names the components use', () => {
    const names = Object.keys(icons).sort();
    expect(names).toEqual(
      [
        'AlertIcon', 'ArrowDownIcon', 'CheckIcon', 'ChevronDownIcon', 'ChevronLeftIcon', 'ChevronRightIcon', 'CloseIcon',
        'CloudOffIcon', 'ConversationIcon', 'CopyIcon', 'DownloadIcon', 'FileIcon', 'ImageIcon', 'ImportIcon', 'InfoIcon',
        'KeyIcon', 'LayersIcon', 'NewChatIcon', 'PanelIcon', 'PaperclipIcon', 'PencilIcon', 'RefreshIcon', 'RegenerateIcon',
        'SearchIcon', 'SendIcon', 'SidebarIcon', 'SignInIcon', 'SignOutIcon', 'SparkleIcon', 'StopIcon', 'TrashIcon',
        'UploadIcon', 'UserIcon', 'UserPlusIcon',
      ].sort(),
    );
    for (const name of names) {
      const Icon = icons[name as keyof typeof icons];
      const { container, unmount } = render(<Icon />);
      expect(container.querySelector('svg path, svg circle, svg rect, svg line')).not.toBeNull();
      unmount();
    }
  });
});
