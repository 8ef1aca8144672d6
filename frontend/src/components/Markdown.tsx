import { memo, useState, type ComponentPropsWithoutRef, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { CheckIcon, CopyIcon, ImageIcon } from './icons';

/**
 * Renders model output as Markdown. Raw HTML in the text is never turned into
 * elements: react-markdown without rehype-raw shows it as plain text, and its
 * default URL filter drops `javascript:` and similar links.
 */

function textOf(node: ReactNode): string {
  if (node === null || node === undefined || typeof node === 'boolean') return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (typeof node === 'object' && 'props' in node) {
    return textOf((node.props as { children?: ReactNode }).children);
  }
  return '';
}

function CopyButton({ text, label = 'Copy code' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    const clip = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (!clip) return;
    clip.writeText(text).then(
      () => {
        setCopied(true);
        window.setTimeout(() => setCopied(false), 1500);
      },
      () => undefined,
    );
  };
  return (
    <button type="button" className="icon-button icon-button--small" onClick={copy} aria-label={copied ? 'Copied' : label}>
      {copied ? <CheckIcon size={16} /> : <CopyIcon size={16} />}
    </button>
  );
}

function Pre({ children }: ComponentPropsWithoutRef<'pre'>) {
  const child = Array.isArray(children) ? children[0] : children;
  const className =
    child && typeof child === 'object' && 'props' in child
      ? ((child.props as { className?: string }).className ?? '')
      : '';
  const language = /language-([\w+#.-]+)/.exec(className)?.[1];
  const code = textOf(children).replace(/\n$/, '');
  return (
    <div className="code-block">
      <div className="code-block__bar">
        <span className="code-block__lang">{language ?? 'code'}</span>
        <CopyButton text={code} />
      </div>
      <pre>{children}</pre>
    </div>
  );
}

const remarkPlugins = [remarkGfm];

const components: Components = {
  pre: Pre,
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  ),
  // Images from model output are not loaded automatically (no tracking
  // pixels, no surprise content); they become a link to open on purpose.
  img: ({ src, alt }) =>
    typeof src === 'string' && src ? (
      <a className="md-image-link" href={src} target="_blank" rel="noopener noreferrer nofollow">
        <ImageIcon size={16} /> {alt || 'image'}
      </a>
    ) : (
      <span>{alt}</span>
    ),
  table: ({ children }) => (
    <div className="table-scroll">
      <table>{children}</table>
    </div>
  ),
};

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={remarkPlugins} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
