import { useCallback, useEffect, useRef, useState } from 'react';
import { getConfig, onReachability } from '../api/client';

export interface Connectivity {
  /** The browser reports a network connection. */
  browserOnline: boolean;
  /** The last request reached the server. */
  serverReachable: boolean;
  /** Seconds until the next automatic check while unreachable. */
  nextCheckIn: number | null;
  checking: boolean;
  checkNow: () => void;
}

const CHECK_EVERY_S = 5;

/**
 * Tracks whether the server can be reached. Every API request reports its
 * outcome; while unreachable, `GET /config` is retried every few seconds.
 * `onRecover` runs once each time the server becomes reachable again.
 */
export function useConnectivity(onRecover?: () => void): Connectivity {
  const [browserOnline, setBrowserOnline] = useState(() =>
    typeof navigator === 'undefined' ? true : navigator.onLine !== false,
  );
  const [serverReachable, setServerReachable] = useState(true);
  const [nextCheckIn, setNextCheckIn] = useState<number | null>(null);
  const [checking, setChecking] = useState(false);
  const onRecoverRef = useRef(onRecover);
  const wasReachable = useRef(true);

  useEffect(() => {
    onRecoverRef.current = onRecover;
  }, [onRecover]);

  useEffect(
    () =>
      onReachability((reachable) => {
        setServerReachable(reachable);
        if (reachable && !wasReachable.current) onRecoverRef.current?.();
        wasReachable.current = reachable;
      }),
    [],
  );

  useEffect(() => {
    const up = () => {
      setBrowserOnline(true);
      // Back online: check the server right away rather than at the next tick.
      getConfig().catch(() => undefined);
    };
    const down = () => setBrowserOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);

  const checkNow = useCallback(() => {
    setChecking(true);
    getConfig()
      .catch(() => undefined)
      .finally(() => setChecking(false));
  }, []);

  const healthy = serverReachable && browserOnline;

  // While unhealthy, count down and re-check the server periodically.
  useEffect(() => {
    if (healthy) return;
    let remaining = CHECK_EVERY_S;
    const tick = window.setInterval(() => {
      remaining -= 1;
      if (remaining <= 0) {
        remaining = CHECK_EVERY_S;
        checkNow();
      }
      setNextCheckIn(remaining);
    }, 1000);
    return () => {
      window.clearInterval(tick);
      setNextCheckIn(null);
    };
  }, [healthy, checkNow]);

  return { browserOnline, serverReachable, nextCheckIn: healthy ? null : nextCheckIn, checking, checkNow };
}
