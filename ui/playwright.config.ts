import { fileURLToPath } from 'node:url'
import { defineConfig } from '@playwright/test'

// End-to-end tests in Debian's Chromium headless shell (a browser download is not possible here) against the
// real standalone platform, which e2e/global-setup.ts starts with the built UI (npm run build).
const repository = fileURLToPath(new URL('..', import.meta.url))
const CI = process.env.CI === 'true'
const CATALOGUE_CHANGES = ['**/catalogue-admin.spec.ts', '**/reviewer.spec.ts']

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  // Two phases on one platform: the scenarios that read the catalogue as seeded (six items, the
  // lists in force) first; then those that publish, copy and retire items and lists, so that a
  // count or a list another scenario asserts never changes under it.
  projects: [
    { name: 'seeded-catalogue', testIgnore: CATALOGUE_CHANGES },
    { name: 'catalogue-changes', testMatch: CATALOGUE_CHANGES, dependencies: ['seeded-catalogue'] },
  ],
  globalSetup: './e2e/global-setup.ts',
  outputDir: `${repository}test-output/ui/artifacts`,
  fullyParallel: true,
  forbidOnly: CI,
  // One retry in CI, reported as "flaky" in the run's summary: the standalone platform now and
  // then leaves a request to service-management unanswered for the full 30 s client timeout (seen
  // 2 runs in 3 on 2026-12-04, a 503 on a plain read such as GET /api/v1/cases/{no}); a known bug
  // under investigation (see the closing note of issue 11), not a test to be weakened.
  retries: CI ? 1 : 0,
  workers: 2,
  // A limit for a hang, not for a busy machine: make test runs these beside pytest on two cores, where a scenario
  // that signs in three times took over 90 s (intake.spec, twice on 2026-12-05 at load 20-30).
  timeout: 150_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    // As a reader who asked for reduced motion (src/styles/main.css): no transition or spinner to repaint,
    // which is about 30% of headless Chromium's CPU in these scenarios (e2e/a11y.spec.ts checks both ways).
    reducedMotion: 'reduce',
    viewport: { width: 1280, height: 860 },
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    screenshot: 'only-on-failure',
    // A trace of the retry only: recording one for every scenario (DOM snapshots and a screencast of each action)
    // was about a third of Chromium's and the runner's CPU (10.0 → 7.6 min for the 90 scenarios alone, 2026-12-06).
    trace: 'on-first-retry',
    launchOptions: {
      // The headless shell, as Playwright's own headless runs use: against `chromium --headless` (the whole browser
      // without a window) 26% less CPU in the browser's processes, 18% less in all over three spec files
      // (a11y, intake, applicant: 184 against 248 CPU s, 2026-12-07). CHROMIUM_PATH=/usr/bin/chromium runs that one.
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium-headless-shell',
      // Playwright gives every launch a fresh temporary profile (user data directory).
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
})
