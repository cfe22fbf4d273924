/**
 * 长辈版: anyone switches the public pages to larger type from the header (on a phone, from the menu); the choice
 * stays on the device across pages and reloads, the pages still fit a phone's width and keep their labels, and
 * switching back restores the standard size. Its home page is simpler: four big entries (办事, 查进度, 我的证照,
 * 12345) and the common items, the rest of the portal folded behind 更多服务, every button large.
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { labelViolations } from './axe'

/** The home page in 长辈版: the big entries and common items, the full portal folded away until asked for. */
async function expectSimpleHome(page: Page): Promise<void> {
  const entries = page.getByTestId('elder-entries')
  await expect(entries).toBeVisible()
  const links = entries.getByRole('link')
  await expect(links).toHaveCount(4)
  for (const [n, name] of ['我要办事', '查办理进度', '我的证照', '12345 热线'].entries()) await expect(links.nth(n)).toContainText(name)
  await expect(entries.getByRole('link', { name: /12345 热线/ })).toHaveAttribute('href', 'tel:12345')
  for (const box of await Promise.all((await links.all()).map((l) => l.boundingBox()))) expect(box!.height).toBeGreaterThanOrEqual(96)
  const common = page.getByRole('list', { name: '常见事项' }).getByRole('link')
  await expect(common.first()).toBeVisible()
  expect(await common.count()).toBeLessThanOrEqual(4)
  for (const heading of ['主题服务', '按部门查找', '服务事项']) await expect(page.getByRole('heading', { name: heading, exact: true })).toHaveCount(0)
  const more = page.getByTestId('show-all-services')
  await expect(more).toHaveAttribute('aria-expanded', 'false')
  expect((await more.boundingBox())!.height).toBeGreaterThanOrEqual(52) // large: 44 px, zoomed a quarter
}

async function titleHeight(page: Page): Promise<number> {
  const box = await page.locator('main h1').first().boundingBox()
  return box?.height ?? 0
}

test('长辈版 enlarges every public page, stays on across pages and reloads, and switches back', async ({ page, shot }) => {
  await page.goto('/items/330122-AMR-XK-0001')
  await page.locator('main h1').first().waitFor()
  const standard = await titleHeight(page)
  const toggle = page.getByTestId('elder-toggle')
  await expect(toggle).toHaveText('长辈版')
  await toggle.click()
  await expect(page.locator('html')).toHaveClass(/\belder\b/)
  await expect(toggle).toHaveAttribute('aria-pressed', 'true')
  await expect(toggle).toHaveText('标准版')
  // The larger type is laid out after the class changes (a frame later on a busy machine: CI of 092ff7c).
  await expect.poll(() => titleHeight(page)).toBeGreaterThan(standard * 1.2)
  expect(await labelViolations(page)).toEqual([])
  // A simpler guide: what to bring and where to go; the legal basis and the form's fields one button away.
  await expect(page.getByRole('heading', { name: '申请材料', exact: false })).toBeVisible()
  await expect(page.getByRole('heading', { name: '设定依据', exact: true })).toHaveCount(0)
  await expect(page.getByRole('heading', { name: '申请需填写的信息', exact: true })).toHaveCount(0)
  await shot('长辈版：办事指南')
  await page.getByTestId('full-guide').click()
  await expect(page.getByRole('heading', { name: '设定依据', exact: true })).toBeVisible()
  await expect(page.getByRole('heading', { name: '申请需填写的信息', exact: true })).toBeVisible()

  await page.goto('/')
  await page.reload()
  await expect(page.locator('html')).toHaveClass(/\belder\b/)
  await expectSimpleHome(page)
  expect(await labelViolations(page)).toEqual([])
  await shot('长辈版：简化的首页（四个大入口和常见事项）')
  // The rest of the portal is one button away, and folds again.
  await page.getByTestId('show-all-services').click()
  await expect(page.getByTestId('show-all-services')).toHaveAttribute('aria-expanded', 'true')
  await expect(page.getByRole('heading', { name: '主题服务', exact: true })).toBeVisible()
  await expect(page.getByRole('heading', { name: '服务事项', exact: true })).toBeVisible()
  await page.getByTestId('show-all-services').click()
  await expect(page.getByRole('heading', { name: '主题服务', exact: true })).toHaveCount(0)
  await page.getByTestId('elder-entries').getByRole('link', { name: /查办理进度/ }).click()
  await expect(page).toHaveURL(/\/progress$/)
  await page.goto('/')

  await page.getByTestId('elder-toggle').click()
  await expect(page.locator('html')).not.toHaveClass(/\belder\b/)
  // The standard home page: the full portal, no big entries.
  await expect(page.getByTestId('elder-entries')).toHaveCount(0)
  await expect(page.getByRole('heading', { name: '主题服务', exact: true })).toBeVisible()
  await page.goto('/items/330122-AMR-XK-0001')
  await page.locator('main h1').first().waitFor()
  await expect.poll(async () => Math.abs((await titleHeight(page)) - standard)).toBeLessThan(2)
})

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })

  test('长辈版 is in the menu and the enlarged pages still fit the screen', async ({ page, shot }) => {
    await page.goto('/items/330122-AMR-XK-0001')
    await page.getByRole('button', { name: '打开菜单' }).click()
    await page.getByTestId('elder-toggle').click()
    await expect(page.locator('html')).toHaveClass(/\belder\b/)
    await page.keyboard.press('Escape')
    for (const path of ['/', '/items/330122-AMR-XK-0001', '/progress']) {
      await page.goto(path)
      await page.locator('main h1').first().waitFor()
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      expect(overflow, `${path} is wider than the screen`).toBeLessThanOrEqual(1)
    }
    await page.goto('/items/330122-AMR-XK-0001')
    await page.locator('main h1').first().waitFor()
    await shot('长辈版：手机办事指南')
    await page.goto('/')
    await expectSimpleHome(page)
    await shot('长辈版：手机上简化的首页')
  })
})
