import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StatusChip } from './StatusChip';
import { ProviderBadge } from './ProviderBadge';

describe('StatusChip', () => {
  it.each([
    ['pending', 'Pending'],
    ['processing', 'Processing'],
    ['done', 'Done'],
    ['error', 'Error'],
  ] as const)('shows %s', (phase, label) => {
    render(<StatusChip phase={phase} />);
    const chip = screen.getByTestId('status-chip');
    expect(chip).toHaveTextContent(label);
    expect(chip).toHaveAttribute('data-status', phase);
    expect(chip).toHaveClass(`status-chip--${phase}`);
    expect(chip).toHaveAccessibleName(`Status: ${label}`);
  });

  it('animates only while work is in progress', () => {
    const { container, rerender } = render(<StatusChip phase="processing" />);
    expect(container.querySelector('.status-chip__dot--pulse')).not.toBeNull();
    rerender(<StatusChip phase="done" />);
    expect(container.querySelector('.status-chip__dot--pulse')).toBeNull();
  });
});

describe('ProviderBadge', () => {
  it('names the provider', () => {
    render(<ProviderBadge provider="gemini" fallback={false} />);
    expect(screen.getByTestId('provider-badge')).toHaveTextContent('via Gemini');
    expect(screen.getByTestId('provider-badge')).toHaveAttribute('data-fallback', 'false');
  });

  it('marks fallback answers distinctly', () => {
    render(<ProviderBadge provider="local" fallback />);
    const badge = screen.getByTestId('provider-badge');
    expect(badge).toHaveTextContent('Fallback · Local model');
    expect(badge).toHaveAttribute('data-fallback', 'true');
    expect(badge).toHaveClass('provider-badge--fallback');
  });
});
