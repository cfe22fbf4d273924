/** The accessibility check every scenario shares: each control and image has a name, the page a
 *  language and a title (axe). One line per failing element, naming the page. */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'

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
  const results = await new AxeBuilder({ page }).withRules(NAME_RULES).analyze()
  return results.violations.flatMap((v) => v.nodes.map((n) => `${page.url()} ${v.id}: ${n.target.join(' ')}`))
}
