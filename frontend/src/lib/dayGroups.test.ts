import { describe, expect, it } from 'vitest';
import { dayGroupOf, groupByDay } from './dayGroups';

/** A local date-time `days` days before 2024-05-15 (a Wednesday), at `hour`:`minute`. */
function daysAgo(days: number, hour = 12, minute = 0): string {
  return new Date(2024, 4, 15 - days, hour, minute).toISOString();
}

const NOW = new Date(2024, 4, 15, 9, 30);

describe('day groups', () => {
  it('puts each time in its local calendar day group', () => {
    expect(dayGroupOf(daysAgo(0, 0, 0), NOW)).toBe('today');
    expect(dayGroupOf(daysAgo(0, 9, 29), NOW)).toBe('today');
    expect(dayGroupOf(daysAgo(1, 23, 59), NOW)).toBe('yesterday');
    expect(dayGroupOf(daysAgo(1, 0, 0), NOW)).toBe('yesterday');
    expect(dayGroupOf(daysAgo(2, 23, 59), NOW)).toBe('week');
    expect(dayGroupOf(daysAgo(7, 0, 0), NOW)).toBe('week');
    expect(dayGroupOf(daysAgo(8, 23, 59), NOW)).toBe('older');
    expect(dayGroupOf(daysAgo(400), NOW)).toBe('older');
  });

  it('counts a time ahead of this clock as today, and a bad date as older', () => {
    expect(dayGroupOf(daysAgo(-1), NOW)).toBe('today');
    expect(dayGroupOf('not a date', NOW)).toBe('older');
  });

  it('groups newest first, keeps the order within a group, and leaves out empty groups', () => {
    const items = [
      { id: 'a', at: daysAgo(0, 9) },
      { id: 'b', at: daysAgo(0, 8) },
      { id: 'c', at: daysAgo(3) },
      { id: 'd', at: daysAgo(30) },
      { id: 'e', at: daysAgo(5) },
    ];
    const groups = groupByDay(items, (i) => i.at, NOW);
    expect(groups.map((g) => [g.label, g.items.map((i) => i.id)])).toEqual([
      ['Today', ['a', 'b']],
      ['Previous 7 days', ['c', 'e']],
      ['Older', ['d']],
    ]);
    expect(groupByDay([], (i: { at: string }) => i.at, NOW)).toEqual([]);
  });
});
