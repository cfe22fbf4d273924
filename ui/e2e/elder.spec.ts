/**
 * 长辈版: anyone switches the public pages to larger type from the header (on a phone, from the menu); the choice
 * stays on the device across pages and reloads, the pages still fit a phone's width and keep their labels, and
 * switching back restores the standard size.
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { labelViolations } from './axe'

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
  expect(await titleHeight(page)).toBeGreaterThan(standard * 1.2)
  expect(await labelViolations(page)).toEqual([])
  await shot('长辈版：办事指南')

  await page.goto('/')
  await page.reload()
  await expect(page.locator('html')).toHaveClass(/\belder\b/)
  await shot('长辈版：首页')

  await page.getByTestId('elder-toggle').click()
  await expect(page.locator('html')).not.toHaveClass(/\belder\b/)
  await page.goto('/items/330122-AMR-XK-0001')
  await page.locator('main h1').first().waitFor()
  expect(Math.abs((await titleHeight(page)) - standard)).toBeLessThan(2)
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
  })
})
