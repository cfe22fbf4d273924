/** The accessibility check every scenario shares: each control and image has a name, the page a
 *  language and a title (axe). One line per failing element, naming the page. */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'

/** axe run in the page itself (legacy mode). The default mode gathers each frame's partial results and
 *  finishes them in a blank page it opens beside, injecting axe there again: about 200 ms more per check
 *  and twice the time of a full WCAG pass on these pages (e.g. / 1.5 s against 0.5 s, /items 1.2 against
 *  0.5, measured 2026-12-07 in the headless shell). What legacy mode gives up is checking cross-origin
 *  frames; the UI has none (its CSP allows frames of blob: addresses only, the material preview's PDF).
 *  Only the violations are gathered (`resultTypes`): axe then keeps one element of each passed, incomplete and
 *  inapplicable rule instead of all of them, and the page sends the runner a small result. The violations
 *  found are the same (an image without a text, a button without a name, a heading out of order and grey text
 *  on white put into /items: the same four lines either way); an administrator's eighteen pages took 15.2 s of
 *  axe instead of 24.0 (2026-12-08). */
function axe(page: Page, options: Parameters<AxeBuilder['options']>[0] = {}): AxeBuilder {
  return new AxeBuilder({ page }).setLegacyMode(true).options({ resultTypes: ['violations'], ...options })
}

const NAME_RULES = [
  'label',
  'button-name',
  'link-name',
  'select-name',
  'aria-input-field-name',
  'aria-toggle-field-name',
  'image-alt',
  'html-has-lang',
  'document-title',
]

export async function labelViolations(page: Page): Promise<string[]> {
  const results = await axe(page).withRules(NAME_RULES).analyze()
  return results.violations.flatMap((v) => v.nodes.map((n) => `${page.url()} ${v.id}: ${n.target.join(' ')}`))
}

/** Everything axe checks against WCAG 2.1 A and AA (names, contrast, structure, ARIA, keyboard), and the
 *  best practices a screen-reader user relies on to move about a page: one main landmark, all content in
 *  landmarks, unique landmarks, headings in order. One line per failing element, naming the page. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']
const STRUCTURE_RULES = [
  'landmark-one-main',
  'landmark-no-duplicate-main',
  'landmark-unique',
  'landmark-main-is-top-level',
  'landmark-banner-is-top-level',
  'landmark-contentinfo-is-top-level',
  'region',
  'heading-order',
  'page-has-heading-one',
  'empty-heading',
]

export async function axeViolations(page: Page): Promise<string[]> {
  // One pass: the WCAG tags, with the structure rules (tagged best-practice) switched on beside them.
  const results = await axe(page, { rules: Object.fromEntries(STRUCTURE_RULES.map((rule) => [rule, { enabled: true }])) })
    .withTags(WCAG_TAGS)
    .analyze()
  const ran = new Set([...results.passes, ...results.violations, ...results.incomplete, ...results.inapplicable].map((r) => r.id))
  const skipped = STRUCTURE_RULES.filter((rule) => !ran.has(rule))
  if (skipped.length) throw new Error(`axe did not run ${skipped.join(', ')}`)
  const path = new URL(page.url()).pathname
  return results.violations.flatMap((v) =>
    v.nodes.map((n) => `${path} ${v.id}: ${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1, 2).join('').trim() ?? ''}`),
  )
}
