/**
 * 好差评 is prominent (issue 17 point 5): the header's 好差评 entry (on a phone, in the menu beside 热线 12345)
 * leads an applicant to 我的办件 · 待评价, the ended cases not rated yet, counted on the switch; a case rated
 * there leaves the list.
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { labelViolations } from './axe'
import { apply, ITEM_INSTANT, registerAtL2 } from './flows'

async function concludedCase(page: Page, name: string, shop: string): Promise<string> {
  await registerAtL2(page, name)
  const caseNo = await apply(page, ITEM_INSTANT, {
    个体工商户名称: shop,
    经营场所: '示范县春江路8号',
    经营范围: '早餐服务',
    '资金数额（万元）': '2',
  })
  await expect(page.getByTestId('case-status')).toHaveText('已办结')
  return caseNo
}

test('the header’s 好差评 entry lists the ended cases waiting for a rating, and a rated one leaves the list', async ({ page, shot }) => {
  const caseNo = await concludedCase(page, '周敏', '周敏早点铺')

  await page.getByTestId('rating-entry').click()
  await expect(page).toHaveURL(/\/my\/cases\?view=rate$/)
  await expect(page.getByTestId('awaiting-rating')).toHaveText('待评价（1）')
  const card = page.locator(`[data-case-no="${caseNo}"]`)
  await expect(card.getByTestId('rate-now')).toHaveText('去评价 →')
  expect(await labelViolations(page)).toEqual([])
  await shot('申请人：好差评入口 待评价的办件')

  await card.click()
  await expect(page).toHaveURL(new RegExp(`/cases/${caseNo}$`))
  await page.getByRole('radiogroup', { name: '评价等级' }).getByText('满意', { exact: true }).click()
  await page.getByRole('button', { name: '提交评价' }).click()
  await expect(page.getByTestId('evaluation-result')).toHaveText(/感谢评价：满意/)

  await page.getByTestId('rating-entry').click()
  await expect(page.getByText('没有待评价的办件')).toBeVisible()
  await expect(page.getByTestId('awaiting-rating')).toHaveText('待评价')
  await page.getByText('全部办件', { exact: true }).click()
  await expect(page).toHaveURL(/\/my\/cases$/)
  await expect(page.locator(`[data-case-no="${caseNo}"]`)).toBeVisible()
  await expect(page.getByText('实名认证等级')).toBeVisible()

  // 长辈版: the cases alone, without the assurance card and the recommendations above them.
  await page.getByTestId('elder-toggle').click()
  await expect(page.locator(`[data-case-no="${caseNo}"]`)).toBeVisible()
  await expect(page.getByText('实名认证等级')).toHaveCount(0)
  await expect(page.getByText('为您推荐')).toHaveCount(0)
  await shot('长辈版：我的办件只列办件')
  await page.getByTestId('elder-toggle').click()
  await expect(page.getByText('实名认证等级')).toBeVisible()
})

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })

  test('好差评 and 热线 12345 are in the menu', async ({ page, shot }) => {
    const caseNo = await concludedCase(page, '吴芳', '吴芳面馆')
    await page.getByRole('button', { name: '打开菜单' }).click()
    const menu = page.getByRole('dialog', { name: '菜单' })
    await expect(menu.getByRole('link', { name: '12345' })).toHaveAttribute('href', 'tel:12345')
    await shot('申请人（手机）：菜单中的好差评和12345')
    await menu.getByTestId('rating-entry').click()
    await expect(page).toHaveURL(/\/my\/cases\?view=rate$/)
    await expect(page.locator(`[data-case-no="${caseNo}"]`).getByTestId('rate-now')).toBeVisible()
  })
})
