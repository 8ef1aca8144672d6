import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { makeResult } from '../test/fakes';
import { ContextView } from './ContextView';

describe('ContextView', () => {
  it('says why each kept turn is there, time and entity links included', () => {
    const result = makeResult();
    const context = {
      ...result.context!,
      selected: [
        { turn_id: 'a', score: 0.9, reason: 'time', tokens: 12, preview: 'I ran a half marathon yesterday' },
        { turn_id: 'b', score: 0.6, reason: 'entity', tokens: 9, preview: 'She is nervous about the dorms' },
        { turn_id: 'c', score: 0.5, reason: 'meaning', tokens: 7, preview: 'Surfing every weekend' },
        { turn_id: 'd', score: 0.4, reason: 'something-new', tokens: 3, preview: 'ok' },
      ],
    };
    render(<ContextView id="ctx" context={context} result={result} />);
    const items = within(screen.getByTestId('context-view')).getAllByRole('listitem');
    expect(items.map((item) => item.querySelector('.reason-badge')?.textContent)).toEqual([
      'Same time',
      'Same person or thing',
      'Similar meaning',
      'something-new',
    ]);
  });
});
