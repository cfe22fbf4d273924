/**
 * Issue 17, point 5: a division (行政区划) is picked from the geography registry's tree — province, city,
 * county — not typed as a code, on a desktop and at phone width; the case shows it as its Chinese path.
 * The server still refuses a malformed code, naming the field in Chinese.
 */
import type { Page } from '@playwright/test'
import { labelViolations } from './axe'
import { expect, test } from './fixtures'
import { ITEM_INSTANT, registerAtL2, staffToken } from './flows'
import { newResidentId } from './identities'

const LABEL = '经营场所所在行政区划'
const TONGLU = '浙江省 / 杭州市 / 桐庐县'

async function fillBusiness(page: Page, name: string): Promise<void> {
  await page.goto(`/apply/${ITEM_INSTANT}`)
  await page.getByLabel('个体工商户名称').fill(name)
  await page.getByLabel('经营场所', { exact: true }).fill('示范县人民路8号')
  await page.getByLabel('经营范围').fill('茶叶零售')
  await page.getByLabel('资金数额（万元）').fill('3')
}

/** The case page's row of the division field (申请内容: one field a row, label then value). */
function divisionRow(page: Page) {
  return page.locator('.el-descriptions tr', { hasText: LABEL })
}

for (const [width, viewport] of [
  ['桌面', { viewport: { width: 1280, height: 860 } }],
  ['手机', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
] as const) {
  test.describe(`${width}`, () => {
    test.use(viewport)

    test(`an applicant picks the business's division from the tree and the case shows it in Chinese (${width})`, async ({ page, shot }) => {
      await registerAtL2(page, width === '桌面' ? '蒋桐' : '沈庐')
      await fillBusiness(page, `${width}桐庐茶叶店`)
      const picker = page.getByLabel(LABEL)
      await expect(picker).toHaveAttribute('placeholder', /请选择省 \/ 市 \/ 县/)
      if (width === '桌面') {
        // Province → city → county, one column each.
        await picker.click()
        await page.getByRole('menuitem', { name: '浙江省' }).click()
        await page.getByRole('menuitem', { name: '杭州市' }).click()
        await expect(page.getByRole('menuitem', { name: '桐庐县' })).toBeVisible()
        await shot('行政区划选择：逐级选择', page, { fullPage: false })
        await page.getByRole('menuitem', { name: '桐庐县' }).click()
      } else {
        // On a phone, typing the name finds the division.
        await picker.click()
        await picker.fill('桐庐')
        const suggestion = page.locator('.el-cascader__suggestion-item', { hasText: TONGLU })
        await expect(suggestion).toBeVisible()
        await shot('行政区划选择：输入名称搜索', page, { fullPage: false })
        await suggestion.click()
      }
      await expect(picker).toHaveValue(TONGLU)
      expect(await labelViolations(page)).toEqual([])
      await shot('填写申请：已选择行政区划')
      await page.getByRole('button', { name: '提交申请' }).click()

      await expect(page).toHaveURL(/\/cases\/\d+$/)
      // A division the registry holds lets the instant approval through (the amr handler looks it up).
      await expect(page.getByTestId('case-status')).toHaveText('已办结')
      const row = divisionRow(page)
      await expect(row).toHaveCount(1)
      await expect(row.locator('.el-descriptions__content')).toHaveText(TONGLU) // the path, not the code
      await shot('办件详情：行政区划显示为中文')
    })
  })
}

test('the server refuses a malformed division code, naming the field in Chinese; the tree answers through the gateway', async ({ request }) => {
  const token = await staffToken(request, 'clerk')
  const headers = { Authorization: `Bearer ${token}` }
  const filed = await request.post('/api/v1/intake/cases', {
    headers,
    data: {
      item_code: ITEM_INSTANT,
      applicant: { type: 'person', id_number: newResidentId(), name: '韩越' },
      form: { business_name: '韩越茶叶店', business_address: '示范县人民路9号', business_scope: '茶叶零售', capital: 3, business_division_code: '33012' },
    },
  })
  expect(filed.status(), await filed.text()).toBe(422)
  expect(filed.headers()['content-type']).toContain('application/problem+json')
  const problem = (await filed.json()) as { errors: { field: string; message: string }[] }
  expect(problem.errors[0]!.field).toBe('form.business_division_code')
  expect(problem.errors[0]!.message).toContain('经营场所所在行政区划应为 6 位行政区划代码')

  const tree = await request.get('/api/v1/registries/division-tree', { headers, params: { root: '330000' } })
  expect(tree.status()).toBe(200)
  const zhejiang = ((await tree.json()) as { divisions: { name: string; children: { name: string }[] }[] }).divisions[0]!
  expect(zhejiang.name).toBe('浙江省')
  expect(zhejiang.children.map((c) => c.name)).toContain('杭州市')
  const bad = await request.get('/api/v1/registries/division-tree', { headers, params: { root: '3300' } })
  expect(bad.status()).toBe(422)
  expect(((await bad.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('root')
})
