import { useCallback, useEffect, useState } from 'react';
import { DEFAULT_CONFIG, getConfig } from '../api/client';
import type { AppConfig } from '../types';

/** Server limits from `GET /config`; sensible defaults until (or unless) it loads. */
export function useConfig(): { config: AppConfig; loaded: boolean; reload: () => Promise<void> } {
  const [config, setConfig] = useState<AppConfig>(DEFAULT_CONFIG);
  const [loaded, setLoaded] = useState(false);

  const reload = useCallback(async () => {
    try {
      setConfig(await getConfig());
      setLoaded(true);
    } catch {
      // Keep the defaults; the offline banner tells the user what is wrong.
    }
  }, []);

  useEffect(() => {
    let cancelled = false;
    getConfig()
      .then((c) => {
        if (cancelled) return;
        setConfig(c);
        setLoaded(true);
      })
      .catch(() => {
        /* defaults stay in place */
      });
    return () => {
      cancelled = true;
    };
  }, []);

  return { config, loaded, reload };
}
