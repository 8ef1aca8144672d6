import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// During `npm run dev` the REST API lives on the Python gateway; proxy the
// API paths to it so the app can keep using same-origin relative URLs.
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8000';
const apiPaths = ['/config', '/messages', '/files', '/chat', '/conversations', '/profile', '/auth'];

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(apiPaths.map((p) => [p, { target: gateway, changeOrigin: false }])),
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    restoreMocks: true,
  },
});
