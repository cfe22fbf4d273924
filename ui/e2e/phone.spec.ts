/**
 * Applicants use their phones: every public and applicant page at 390 px wide fits the screen
 * (nothing wider than the viewport, so no sideways scrolling; wide tables scroll inside their
 * own box) and its controls are at least 24 px high to be tapped (WCAG 2.2 target size).
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { apply, ITEM_INSTANT, registerAtL2 } from './flows'

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })

interface Fit {
  path: string
  pageWidth: number
  viewport: number
  /** Elements sticking out to the right of the viewport (outside a scrolling box). */
  overflowing: string[]
  /** Visible buttons, links and inputs lower than 24 px. */
  small: string[]
}

async function fit(page: Page): Promise<Fit> {
  return page.evaluate(() => {
    const viewport = document.documentElement.clientWidth
    const describe = (element: Element): string => {
      const id = element.id ? `#${element.id}` : ''
      const classes = Array.from(element.classList).slice(0, 2).map((c) => `.${c}`).join('')
      const text = (element.textContent || '').trim().slice(0, 20)
      return `${element.tagName.toLowerCase()}${id}${classes} "${text}"`
    }
    const scrollsInside = (element: Element): boolean => {
      for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        const style = getComputedStyle(parent)
        if (['auto', 'scroll', 'hidden'].includes(style.overflowX) && parent.getBoundingClientRect().right <= viewport + 1) return true
      }
      return false
    }
    const visible = (element: Element): boolean => {
      const box = element.getBoundingClientRect()
      const style = getComputedStyle(element)
      return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none'
    }
    const overflowing: string[] = []
    for (const element of Array.from(document.querySelectorAll('main *'))) {
      if (!visible(element)) continue
      if (element.getBoundingClientRect().right > viewport + 1 && !scrollsInside(element)) overflowing.push(describe(element))
    }
    const small: string[] = []
    const controls = 'main button, main a[href], main input:not([type=hidden]):not([type=file]):not([type=radio]):not([type=checkbox]), main select, main textarea'
    for (const element of Array.from(document.querySelectorAll(controls))) {
      if (!visible(element)) continue
      // An inline link inside running text is exempt (WCAG 2.5.8); a control is not.
      if (element.tagName === 'A' && getComputedStyle(element).display === 'inline') continue
      if (element.getBoundingClientRect().height < 24) small.push(describe(element))
    }
    return {
      path: location.pathname,
      pageWidth: document.documentElement.scrollWidth,
      viewport,
      overflowing: overflowing.slice(0, 5),
      small: small.slice(0, 5),
    }
  })
}

async function check(page: Page, path: string, ready: () => Promise<unknown>): Promise<Fit> {
  await page.goto(path)
  await page.locator('main h1').first().waitFor()
  await ready()
  return fit(page)
}

test('every public and applicant page fits a phone screen', async ({ page, shot }) => {
  const results: Fit[] = []
  const publicPages: [string, () => Promise<unknown>][] = [
    ['/', () => page.locator('.item-card').first().waitFor()],
    ['/items', () => page.locator('.item-card').first().waitFor()],
    [`/items/${ITEM_INSTANT}`, () => page.getByRole('button', { name: '在线办理' }).waitFor()],
    ['/lists', () => page.locator('main table').first().waitFor()],
    ['/bundles/330122-YJS-0001', () => page.locator('main h1').first().waitFor()],
    ['/verify', () => page.locator('main input').first().waitFor()],
    ['/login', () => page.getByLabel('账号').waitFor()],
    ['/register', () => page.getByLabel('居民身份证号码').waitFor()],
  ]
  for (const [path, ready] of publicPages) results.push(await check(page, path, ready))
  await shot('五张清单（手机）', page)

  await registerAtL2(page, '林小雨')
  const caseNo = await apply(page, ITEM_INSTANT, {
    个体工商户名称: '林小雨花店',
    经营场所: '示范县人民路8号',
    经营范围: '鲜花零售',
    '资金数额（万元）': '3',
  })
  await expect(page.getByTestId('case-status')).toHaveText('已办结')
  const licenseNo = (await page.getByTestId('case-license-no').textContent())!.trim()
  const applicantPages: [string, () => Promise<unknown>][] = [
    ['/my/cases', () => page.locator('.case-card').first().waitFor()],
    ['/my/bundles', () => page.locator('main h1').first().waitFor()],
    [`/cases/${caseNo}`, () => page.getByTestId('case-status').waitFor()],
    ['/my/licenses', () => page.locator(`[data-license-no="${licenseNo}"]`).waitFor()],
    [`/licenses/${licenseNo}`, () => page.getByTestId('license-qr').waitFor()],
    ['/my/data-access', () => page.locator('main h1').first().waitFor()],
    ['/my/identity', () => page.getByTestId('assurance-level-tag').waitFor()],
    ['/apply/330122-AMR-XK-0002', () => page.getByRole('button', { name: '提交申请' }).waitFor()],
    [`/verify/${licenseNo}`, () => page.getByTestId('verify-outcome').waitFor()],
  ]
  for (const [path, ready] of applicantPages) results.push(await check(page, path, ready))
  await shot('申请表（手机）', page)

  const misfits = results.filter((r) => r.pageWidth > r.viewport + 1 || r.overflowing.length > 0 || r.small.length > 0)
  expect(misfits, JSON.stringify(misfits, null, 2)).toEqual([])
})
