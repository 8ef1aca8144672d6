import { render } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { Markdown } from './Markdown';

describe('Markdown', () => {
  it('renders code blocks, lists and emphasis', () => {
    const text = ['# Title', '', '- one', '- **two**', '', '```python', 'print("hi")', '```'].join('\n');
    const { container } = render(<Markdown text={text} />);
    expect(container.querySelector('h1')?.textContent).toBe('Title');
    expect(container.querySelectorAll('li')).toHaveLength(2);
    expect(container.querySelector('strong')?.textContent).toBe('two');
    const code = container.querySelector('pre code');
    expect(code?.textContent).toBe('print("hi")\n');
    expect(code?.className).toContain('language-python');
    expect(container.querySelector('.code-block__lang')?.textContent).toBe('python');
  });

  it('renders GFM tables', () => {
    const { container } = render(<Markdown text={'| a | b |\n|---|---|\n| 1 | 2 |'} />);
    expect(container.querySelectorAll('td')).toHaveLength(2);
  });

  it('shows raw HTML from the model as text, never as elements', () => {
    const alertSpy = vi.fn();
    vi.stubGlobal('alert', alertSpy);
    const text = [
      'Look: <script>alert("xss")</script>',
      '',
      '<img src="x" onerror="alert(1)">',
      '',
      '<iframe src="https://example.com"></iframe>',
    ].join('\n');
    const { container } = render(<Markdown text={text} />);
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('iframe')).toBeNull();
    expect(container.querySelector('[onerror]')).toBeNull();
    // The markup is visible to the reader as plain text.
    expect(container.textContent).toContain('<script>alert("xss")</script>');
    expect(container.textContent).toContain('<img src="x" onerror="alert(1)">');
    expect(alertSpy).not.toHaveBeenCalled();
    vi.unstubAllGlobals();
  });

  it('drops javascript: links and opens others in a new tab safely', () => {
    const { container } = render(<Markdown text={'[bad](javascript:alert(1)) and [good](https://example.com)'} />);
    const links = Array.from(container.querySelectorAll('a'));
    for (const a of links) expect(a.getAttribute('href') ?? '').not.toMatch(/^javascript:/i);
    const good = links.find((a) => a.textContent === 'good');
    expect(good?.getAttribute('href')).toBe('https://example.com');
    expect(good?.getAttribute('rel')).toContain('noopener');
    expect(good?.getAttribute('target')).toBe('_blank');
  });

  it('does not auto-load images from markdown image syntax', () => {
    const { container } = render(<Markdown text={'![pixel](https://tracker.example/p.gif)'} />);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('a')?.getAttribute('href')).toBe('https://tracker.example/p.gif');
  });
});
