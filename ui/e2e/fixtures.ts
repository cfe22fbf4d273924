/**
 * The test fixtures: the platform's address, a page that fails the test on a script error or a
 * blocked resource (CSP), and `shot()` to save a screenshot under test-output/ui/ for people.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test as base, type BrowserContextOptions, type Page } from '@playwright/test'

const OUTPUT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'test-output', 'ui')
// Screenshots for people: on by default, off in CI (nobody reads them there, and the full-page captures were
// about a tenth of the browser's CPU in the scenarios that take them); UI_SHOTS=1 or 0 decides either way.
const SHOTS = (process.env.UI_SHOTS ?? (process.env.CI === 'true' ? '0' : '1')) !== '0'

function slug(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60)
}

export interface Fixtures {
  /** Saves a screenshot of the whole page (or only the viewport: `{ fullPage: false }`) and returns its path;
   *  with screenshots off (UI_SHOTS=0, the default under CI=true) saves nothing and returns ''. */
  shot: (name: string, page?: Page, options?: { fullPage?: boolean }) => Promise<string>
  pageErrors: string[]
  /** Another person's browser (its own cookies and storage), watched like `page`. */
  newVisitor: (options?: BrowserContextOptions) => Promise<Page>
}

export const test = base.extend<Fixtures>({
  baseURL: async ({}, use) => {
    const url = process.env.E2E_BASE_URL
    if (!url) throw new Error('E2E_BASE_URL is not set: the global setup starts the platform')
    await use(url)
  },
  pageErrors: async ({}, use) => {
    await use([])
  },
  page: async ({ page, pageErrors }, use) => {
    watch(page, pageErrors)
    await use(page)
    expect(pageErrors, 'script errors or blocked resources in the page').toEqual([])
  },
  newVisitor: async ({ browser, baseURL, pageErrors }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = []
    await use(async (options = {}) => {
      const context = await browser.newContext({ baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', reducedMotion: 'reduce', ...options })
      contexts.push(context)
      const page = await context.newPage()
      watch(page, pageErrors)
      return page
    })
    for (const context of contexts) await context.close()
  },
  shot: async ({ page }, use, testInfo) => {
    const directory = join(OUTPUT, slug(testInfo.titlePath.slice(1).join(' ')))
    if (SHOTS) mkdirSync(directory, { recursive: true })
    let count = 0
    await use(async (name: string, target: Page = page, options = {}) => {
      count += 1
      if (!SHOTS) return ''
      const path = join(directory, `${String(count).padStart(2, '0')}-${slug(name)}.png`)
      const fullPage = options.fullPage ?? true
      // A full-page capture resizes the viewport and back; Chromium then reports a scroll position the
      // compositor does not have until the next input event moves the page to where it really is (the
      // click that follows lands 45 px off when no animation frame has synced the two: reduced motion).
      // Scrolling back to where the page was before the capture makes them agree.
      const at = fullPage ? await target.evaluate(() => [window.scrollX, window.scrollY] as const) : null
      await target.screenshot({ path, fullPage, animations: 'disabled' })
      if (at) await target.evaluate(([x, y]) => window.scrollTo(x, y), at)
      return path
    })
  },
})

/** Collects script errors and console errors other than the browser's note on a 4xx answer. A read refused for
 *  the moment (GET answered 503 with Retry-After: the platform shedding load on a busy machine) is sent again by
 *  the client (src/api/http.ts, READ_RETRY); the browser's note on the 503 counts only if no later answer to the
 *  same address came through. */
export function watch(page: Page, errors: string[]): void {
  const sheddable = new Set<string>() // addresses of GETs answered 503 with Retry-After
  const noted = new Map<string, string[]>() // address -> the console errors noted on it
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    const text = message.text()
    // The API answers 4xx on purpose in some tests (a duplicate registration, a wrong password).
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return
    // Which address failed, for a 5xx (the browser's message does not say).
    const where = message.location().url
    const entry = `console: ${text}${where && !text.includes(where) ? ` (${where})` : ''}`
    errors.push(entry)
    if (where && text.includes('status of 503')) noted.set(where, [...(noted.get(where) ?? []), entry])
  })
  page.on('response', (response) => {
    const address = response.url()
    if (response.status() === 503 && response.request().method() === 'GET' && response.headers()['retry-after']) {
      sheddable.add(address)
    } else if (response.ok() && sheddable.has(address)) {
      for (const entry of noted.get(address) ?? []) {
        const at = errors.indexOf(entry)
        if (at >= 0) errors.splice(at, 1)
      }
      noted.delete(address)
      sheddable.delete(address)
    }
  })
}

export { expect }
