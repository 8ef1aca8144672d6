// Headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH) as every e2e file starts it:
// no sandbox (containers run as root), no GPU, and nothing that reaches the network by itself.
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const QUIET = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...QUIET, ...extraArgs] });
}
