/** Groups a list by how long ago each item was last active, in the reader's local calendar days. */

export type DayGroupKey = 'today' | 'yesterday' | 'week' | 'older';

export const DAY_GROUP_LABELS: Record<DayGroupKey, string> = {
  today: 'Today',
  yesterday: 'Yesterday',
  week: 'Previous 7 days',
  older: 'Older',
};

const ORDER: readonly DayGroupKey[] = ['today', 'yesterday', 'week', 'older'];

export interface DayGroup<T> {
  key: DayGroupKey;
  label: string;
  items: T[];
}

/** Midnight (local time) `days` calendar days before `now`'s day (DST-safe). */
function startOfDay(now: Date, days = 0): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - days).getTime();
}

/** Today (or later: a clock ahead of ours), yesterday, the 7 days before today, or older (also for a bad date). */
export function dayGroupOf(iso: string, now: Date = new Date()): DayGroupKey {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return 'older';
  if (at >= startOfDay(now)) return 'today';
  if (at >= startOfDay(now, 1)) return 'yesterday';
  if (at >= startOfDay(now, 7)) return 'week';
  return 'older';
}

/** The non-empty groups, newest first; items keep their order within a group. */
export function groupByDay<T>(items: readonly T[], dateOf: (item: T) => string, now: Date = new Date()): DayGroup<T>[] {
  const buckets = new Map<DayGroupKey, T[]>();
  for (const item of items) {
    const key = dayGroupOf(dateOf(item), now);
    const bucket = buckets.get(key);
    if (bucket) bucket.push(item);
    else buckets.set(key, [item]);
  }
  return ORDER.filter((key) => buckets.has(key)).map((key) => ({
    key,
    label: DAY_GROUP_LABELS[key],
    items: buckets.get(key) ?? [],
  }));
}
