import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { turnFromJob } from '../hooks/chatState';
import { doneJob, makeJob, makeResult } from '../test/fakes';
import { AssistantMessage } from './AssistantMessage';

const noop = () => undefined;

describe('AssistantMessage', () => {
  it('shows the timing, tokens and context of a reply it has them for', () => {
    render(<AssistantMessage turn={turnFromJob(doneJob())} canRetry={false} onRetry={noop} />);
    expect(screen.getByTitle('Time to the full reply')).toHaveTextContent('15 tokens');
    expect(screen.getByTestId('context-toggle')).toHaveTextContent('900 tok');
  });

  it('shows no zeros for an imported reply, which has no timing or context recorded', () => {
    const imported = makeResult({
      latency_ms: 0,
      first_token_ms: 0,
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      context: { full_history_tokens: 0, context_tokens: 0, reduction_ratio: 0, turns_total: 0, summary_used: false, selected: [] },
    });
    render(<AssistantMessage turn={turnFromJob(makeJob({ status: 'done', result: imported }))} canRetry={false} onRetry={noop} />);
    expect(screen.getByText('Hi there!')).toBeInTheDocument();
    expect(screen.queryByTitle('Time to the full reply')).toBeNull();
    expect(screen.queryByTestId('context-toggle')).toBeNull();
  });
});
