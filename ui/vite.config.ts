/// <reference types="vitest/config" />
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The portal-gateway serves dist/ at `/` and answers /api/v1 itself; in development
// (`npm run dev`) Vite forwards /api to a platform started with `make run`.
const apiTarget = process.env.GOV_API_URL ?? 'http://127.0.0.1:8000'

// The unit tests that replace a module (vi.mock) run each in a fresh module graph (Vitest's isolation); the
// others share one per worker, which saves loading jsdom, Vue and Element Plus again for every file (the
// whole run alone on two cores: 70 s wall and 83 CPU s with every file isolated, 52 s and 58 CPU s so, 2026-12-07).
const UNIT = 'tests/unit'
const MOCKING = readdirSync(new URL(UNIT, import.meta.url), { recursive: true, encoding: 'utf8' })
  .map((name) => `${UNIT}/${name}`)
  .filter((path) => path.endsWith('.spec.ts') && readFileSync(new URL(path, import.meta.url), 'utf8').includes('vi.mock('))

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
    css: false,
    restoreMocks: true,
    // A component test that mounts Element Plus takes well under a second alone, but make test runs these beside
    // PostgreSQL's and Kafka's start-up on two cores (one failed at 5 s, the default, at load 25): a time limit is
    // for a hang, not for a busy machine.
    testTimeout: 30_000,
    server: { deps: { inline: ['element-plus'] } },
    projects: [
      { extends: true, test: { name: 'shared', include: [`${UNIT}/**/*.spec.ts`], exclude: MOCKING, isolate: false } },
      { extends: true, test: { name: 'isolated', include: MOCKING } },
    ],
  },
})
