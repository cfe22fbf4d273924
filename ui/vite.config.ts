/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The portal-gateway serves dist/ at `/` and answers /api/v1 itself; in development
// (`npm run dev`) Vite forwards /api to a platform started with `make run`.
const apiTarget = process.env.GOV_API_URL ?? 'http://127.0.0.1:8000'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    chunkSizeWarningLimit: 1200,
  },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.spec.ts'],
    css: false,
    restoreMocks: true,
    // A component test that mounts Element Plus takes well under a second alone, but make test runs these beside
    // PostgreSQL's and Kafka's start-up on two cores (one failed at 5 s, the default, at load 25): a time limit is
    // for a hang, not for a busy machine.
    testTimeout: 30_000,
    server: { deps: { inline: ['element-plus'] } },
  },
})
