/**
 * 决策表: an administrator reads the instant-approval table of 个体工商户设立登记, tries it on
 * facts (a capital above 100 goes to a reviewer, a small one passes), is told why a graph is
 * refused, and saves a new version (the same rules, so the other scenarios decide as before).
 */
import { expect, test } from './fixtures'
import { DEMO_PASSWORD, ITEM_INSTANT, login } from './flows'

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

  // A broken graph is refused next to it: first by the page (not JSON), then by the API.
  const graph = await page.locator('#rules-graph').inputValue()
  await page.locator('#rules-graph').fill('{')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.locator('.el-form-item', { has: page.locator('#rules-graph') })).toContainText('不是有效的 JSON')
  await page.locator('#rules-graph').fill('{"nodes": []}')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.locator('.el-form-item', { has: page.locator('#rules-graph') })).toContainText('决策表不可用')

  // The same rules saved again become the next version.
  await page.locator('#rules-graph').fill(graph)
  await page.getByLabel('版本说明').fill('复核后重新发布，规则不变')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  const next = Number(before.match(/\d+/)![0]) + 1
  await expect(page.getByTestId('rules-version')).toHaveText(`第 ${next} 版`)
  await expect(page.locator('.versions tbody tr').first()).toContainText('复核后重新发布，规则不变')
  await shot('管理员：决策表新版本')
})
