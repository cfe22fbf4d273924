/**
 * One Chinese label layer (issue 17, point 2): a licence's contents are labelled by its licence type
 * (no `organization_form` or `registered_on` on the page), the data pages name departments and the
 * holders of grants (no `ndrc`, `bdb` or `role:clerk`), and a refusal from the API reads as Chinese —
 * at desktop and phone width.
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { apply, DEMO_PASSWORD, ITEM_INSTANT, login, registerAtL2 } from './flows'

const RAW_NAMES = ['organization_form', 'registered_on', 'operator', 'business_scope', 'capital']
const RAW_CODES = ['role:clerk', 'ndrc', 'bdb', 'stats']

async function expectNone(page: Page, words: string[]): Promise<void> {
  const text = await page.locator('main').innerText()
  for (const word of words) expect(text, `“${word}” on the page`).not.toContain(word)
}

for (const [width, viewport] of [
  ['桌面', { width: 1280, height: 900 }],
  ['手机', { width: 390, height: 844 }],
] as const) {
  test.describe(width, () => {
    test.use({ viewport, isMobile: width === '手机', hasTouch: width === '手机' })

    test(`licence contents are labelled by the licence type (${width})`, async ({ page, shot }) => {
      await registerAtL2(page, width === '手机' ? '李标签' : '王标签')
      await apply(page, ITEM_INSTANT, { 个体工商户名称: `${width}标签小吃店`, 经营场所: '示范县人民路2号', 经营范围: '小吃服务', '资金数额（万元）': '3' })
      await expect(page.getByTestId('case-status')).toHaveText('已办结')
      await page.getByRole('button', { name: '查看证照' }).click()
      await expect(page.getByRole('heading', { name: '营业执照' })).toBeVisible()
      for (const label of ['经营者', '组成形式', '注册日期', '经营范围']) {
        await expect(page.locator('.el-descriptions__label', { hasText: label }).first()).toBeVisible()
      }
      await expect(page.getByText('个人经营')).toBeVisible()
      await expectNone(page, RAW_NAMES)
      await shot(`证照内容的中文标签（${width}）`)
    })

    test(`data pages name departments and grant holders (${width})`, async ({ page, shot }) => {
      await login(page, 'admin', DEMO_PASSWORD)
      await page.goto('/admin/data-resources')
      await expect(page.getByText('示范县发展和改革局').first()).toBeVisible()
      await expect(page.getByText('示范县大数据发展管理局').first()).toBeVisible()
      await expectNone(page, RAW_CODES)
      await shot(`数据资源按部门名称（${width}）`)

      await page.goto('/admin/data-grants')
      await expect(page.getByRole('heading', { name: '数据共享授权' })).toBeVisible()
      await expect(page.locator('.grants').getByText('综合窗口人员').first()).toBeVisible()
      await expectNone(page, ['role:clerk'])
      await shot(`共享授权按应用名称（${width}）`)
    })
  })
}

test('a refusal of the API is shown in Chinese', async ({ request }) => {
  const answer = await request.post('/api/v1/auth/register', { data: { account_type: 'person', id_number: '110101199003077751', name: '测试', phone: '12', password: 'x' } })
  expect(answer.status()).toBe(422)
  const problem = await answer.json()
  expect(problem.detail).toMatch(/^提交的内容有误：/)
  for (const error of problem.errors) expect(error.message).toMatch(/[\u4e00-\u9fff]/)
})
