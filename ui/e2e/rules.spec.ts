/**
 * 决策表: an administrator reads the instant-approval table of 个体工商户设立登记, tries it on
 * facts, is told at the cell what the page refuses and at the graph what the API refuses, and saves
 * the same rules again (so the other scenarios decide as before); then edits the table of
 * 社会保障卡申领 (used by no other scenario) cell by cell, saves it as a new version, and the trial
 * run gives the changed outcome.
 */
import { expect, test } from './fixtures'
import { labelViolations } from './axe'
import { DEMO_PASSWORD, ITEM_INSTANT, login } from './flows'

const SOCIAL_CARD = '330122-HRSS-GG-0001' // 社会保障卡申领: no other scenario files it or reads its table

/** Controls without an accessible name on the page (axe), as in public.spec.ts. */
test('an administrator reads, tries and versions a decision table', async ({ page, shot }) => {
  await login(page, 'admin', DEMO_PASSWORD)
  await page.goto('/admin/processes')
  await page.getByLabel('事项名称、编码或关键词').fill(ITEM_INSTANT)
  await page.getByRole('button', { name: '查找' }).click()
  // The list shows every item until the search answers: wait for it, then take the one found.
  await expect(page.getByRole('link', { name: /的决策表$/ })).toHaveCount(1)
  await page.getByRole('link', { name: '个体工商户设立登记的决策表' }).click()
  await expect(page).toHaveURL(new RegExp(`/admin/items/${ITEM_INSTANT}/rules$`))
  await expect(page.getByRole('heading', { name: '决策表：个体工商户设立登记' })).toBeVisible()
  const before = (await page.getByTestId('rules-version').innerText()).trim()
  expect(before).toMatch(/^第 \d+ 版$/)
  await expect(page.locator('.rules tbody tr').nth(1)).toContainText('> 100')
  await expect(page.locator('.rules tbody tr').nth(1)).toContainText('资金数额超过100万元，转人工审核')

  // Trial runs.
  await page.locator('#trial-business_name').fill('试算商店')
  await page.locator('#trial-business_address').fill('示范县试算路1号')
  await page.locator('#trial-business_scope').fill('零售')
  await page.locator('#trial-capital').fill('500')
  await page.getByRole('button', { name: '试算' }).click()
  await expect(page.getByTestId('trial-reason')).toHaveText('资金数额超过100万元，转人工审核')
  await expect(page.getByTestId('trial-result')).toContainText('不符合，转人工审核')
  await shot('管理员：决策表试算')
  await page.locator('#trial-capital').fill('5')
  await page.getByRole('button', { name: '试算' }).click()
  await expect(page.getByTestId('trial-reason')).toHaveText('符合秒批条件')

  // The editor shows the table cell by cell; what the engine would silently never match is refused at the cell.
  const capital = page.getByLabel('第 2 条规则 条件：资金数额（万元）')
  await expect(capital).toHaveValue('> 100')
  await capital.fill('> > 100')
  await page.getByLabel('第 3 条规则 结论：理由').fill('符合秒批条件')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.locator('.editor tbody tr[data-row="2"]')).toContainText('比较符号重复')
  await expect(page.locator('.editor tbody tr[data-row="3"]')).toContainText('文字须加英文双引号')
  await expect(page.getByTestId('table-editor')).toContainText('决策表有需要修改的地方')
  await shot('管理员：单元格校验')
  await expect(page.getByTestId('rules-version')).toHaveText(before)
  await page.getByRole('button', { name: '撤销修改' }).click()
  await expect(capital).toHaveValue('> 100')

  // The JSON view (advanced): a broken graph is refused next to it, first by the page, then by the API.
  await page.getByRole('radiogroup', { name: '编辑方式' }).getByText('JSON（高级）').click()
  const graph = await page.locator('#rules-graph').inputValue()
  expect(JSON.parse(graph).nodes[1].content.rules[1].in1).toBe('> 100')
  await page.locator('#rules-graph').fill('{')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.locator('.el-form-item', { has: page.locator('#rules-graph') })).toContainText('不是有效的 JSON')
  await page.locator('#rules-graph').fill('{"nodes": []}')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.locator('.el-form-item', { has: page.locator('#rules-graph') })).toContainText('决策表不可用')
  await shot('管理员：接口拒绝的决策图')
  expect(await labelViolations(page)).toEqual([])

  // The same rules saved again become the next version.
  await page.locator('#rules-graph').fill(graph)
  await page.getByLabel('版本说明').fill('复核后重新发布，规则不变')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  const next = Number(before.match(/\d+/)![0]) + 1
  await expect(page.getByTestId('rules-version')).toHaveText(`第 ${next} 版`)
  await expect(page.locator('.versions tbody tr').last()).toContainText('复核后重新发布，规则不变')
  await shot('管理员：决策表新版本')
})

test('a decision table row edited cell by cell, saved as a new version, changes the trial outcome', async ({ page, shot }) => {
  await login(page, 'admin', DEMO_PASSWORD)
  await page.goto(`/admin/items/${SOCIAL_CARD}/rules`)
  await expect(page.getByRole('heading', { name: '决策表：社会保障卡申领' })).toBeVisible()
  const before = Number((await page.getByTestId('rules-version').innerText()).match(/\d+/)![0])

  // A 17-year-old passes the table as it is (under 16 goes to the window).
  await page.locator('#trial-age').fill('17')
  await page.locator('#trial-mailing_address').fill('示范县人民路1号')
  await page.locator('#trial-bank').fill('示范农商银行')
  await page.getByRole('button', { name: '试算' }).click()
  await expect(page.getByTestId('trial-reason')).toHaveText('符合申领条件')
  await expect(page.getByTestId('trial-result')).toContainText('符合秒批条件')
  await shot('管理员：修改前试算')

  // Row 1, cell by cell: the age limit and its reason.
  const condition = page.getByLabel('第 1 条规则 条件：申请人年龄')
  await expect(condition).toHaveValue('< 16')
  await condition.fill('< 18')
  await page.getByLabel('第 1 条规则 结论：理由').fill('"未满十八周岁，由监护人到窗口办理"')
  // A row added and removed again, and the order kept: the catch-all row stays last.
  await page.getByRole('button', { name: '添加规则' }).click()
  await expect(page.locator('.editor tbody tr')).toHaveCount(3)
  await page.getByRole('button', { name: '删除第 3 条规则' }).click()
  await expect(page.locator('.editor tbody tr')).toHaveCount(2)
  await expect(page.getByRole('button', { name: '下移第 2 条规则' })).toBeDisabled()
  await page.getByLabel('版本说明').fill('社会保障卡自助申领年龄调整为十八周岁')
  await shot('管理员：逐格编辑决策表')
  expect(await labelViolations(page)).toEqual([])
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.getByTestId('rules-version')).toHaveText(`第 ${before + 1} 版`)
  await expect(page.locator('.rules tbody tr').first()).toContainText('< 18')
  await expect(page.locator('.rules tbody tr').first()).toContainText('未满十八周岁，由监护人到窗口办理')
  await expect(page.locator('.versions tbody tr').last()).toContainText('社会保障卡自助申领年龄调整为十八周岁')

  // The same facts now give the changed outcome, from the new version.
  await page.getByRole('button', { name: '试算' }).click()
  await expect(page.getByTestId('trial-reason')).toHaveText('未满十八周岁，由监护人到窗口办理')
  await expect(page.getByTestId('trial-result')).toContainText('不符合，转人工审核')
  await expect(page.getByTestId('trial-result')).toContainText(`第 ${before + 1} 版`)
  await expect(page.locator('.rule-table tr', { hasText: '申请人年龄' })).toContainText('< 18')
  await shot('管理员：修改后试算')
})
