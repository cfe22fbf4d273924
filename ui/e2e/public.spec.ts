/**
 * The public pages: the catalogue paginates and filters by department, an unknown licence is
 * said to be unknown, the navigation follows the role, and every control has a label (axe).
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { DEMO_PASSWORD, login, newPerson, registerPerson } from './flows'

test('the catalogue paginates and filters by department', async ({ page, shot }) => {
  await page.goto('/')
  await expect(page.locator('.item-card')).toHaveCount(5)
  await shot('首页（桌面）')
  await page.goto('/items?page_size=2')
  await expect(page.getByTestId('result-count')).toHaveText('（共 5 项）')
  await expect(page.locator('.item-card')).toHaveCount(2)
  const first = await page.locator('.item-card').first().getAttribute('data-item-code')
  await page.getByRole('navigation', { name: '事项列表分页' }).getByRole('listitem', { name: '第 2 页' }).click()
  await expect(page).toHaveURL(/page=2/)
  await expect(page.locator('.item-card').first()).not.toHaveAttribute('data-item-code', first!)
  await shot('事项目录第2页')
  await page.getByRole('navigation', { name: '事项列表分页' }).getByRole('listitem', { name: '第 3 页' }).click()
  await expect(page.locator('.item-card')).toHaveCount(1)

  await page.goto('/items')
  await page.getByRole('combobox', { name: '实施部门' }).click({ force: true })
  await page.getByRole('option', { name: '示范县公安局' }).click()
  await expect(page).toHaveURL(/department=psb/)
  await expect(page.getByTestId('result-count')).toHaveText('（共 1 项）')
  await expect(page.locator('.item-card')).toContainText('居住证申领')
  await shot('按部门筛选')
})

test('verifying an unknown licence number says it does not exist', async ({ page, shot }) => {
  await page.goto('/verify/AMR-20000101-NOSUCHLICENCE')
  await expect(page.getByTestId('verify-outcome')).toContainText('未找到该证照')
  await shot('证照不存在')
  await page.goto('/nowhere/at/all')
  await expect(page.getByText('页面不存在', { exact: true })).toBeVisible()
})

test('the navigation follows the role, and staff pages refuse applicants', async ({ page, newVisitor }) => {
  await page.goto('/')
  const nav = page.getByRole('navigation', { name: '主导航' })
  await expect(nav.getByRole('link', { name: '办事指南' })).toBeVisible()
  await expect(nav.getByRole('link', { name: '审批工作台' })).toHaveCount(0)

  await registerPerson(page, newPerson('钱多'))
  await expect(nav.getByRole('link', { name: '我的办件' })).toBeVisible()
  await expect(nav.getByRole('link', { name: '审批工作台' })).toHaveCount(0)
  await page.goto('/review')
  await expect(page.getByText('无权访问')).toBeVisible()

  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-psb', DEMO_PASSWORD)
  const staffNav = reviewer.getByRole('navigation', { name: '主导航' })
  await expect(staffNav.getByRole('link', { name: '审批工作台' })).toBeVisible()
  await expect(staffNav.getByRole('link', { name: '我的办件' })).toHaveCount(0)
  await expect(reviewer.getByTestId('current-user')).toHaveText('psb 审批人员')

  // A page that needs a login sends a visitor to log in, and back afterwards.
  const visitor = await newVisitor()
  await visitor.goto('/my/licenses')
  await expect(visitor).toHaveURL(/\/login\?redirect=/)
})

async function labelViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withRules(['label', 'button-name', 'link-name', 'select-name', 'aria-input-field-name', 'image-alt', 'html-has-lang', 'document-title', 'aria-toggle-field-name'])
    .analyze()
  return results.violations.flatMap((v) => v.nodes.map((n) => `${page.url()} ${v.id}: ${n.target.join(' ')}`))
}

test('every control on the main pages has an accessible name', async ({ page }) => {
  const problems: string[] = []
  for (const path of ['/', '/items', '/items/330122-AMR-XK-0001', '/lists', '/bundles/330122-YJS-0001', '/verify', '/login', '/register']) {
    await page.goto(path)
    await page.locator('main h1').first().waitFor()
    problems.push(...(await labelViolations(page)))
  }
  await registerPerson(page, newPerson('吴敏'))
  for (const path of ['/my/cases', '/my/licenses', '/my/data-access', '/apply/330122-HRSS-QR-0001', '/apply/330122-AMR-XK-0002', '/bundles/330122-YJS-0001']) {
    await page.goto(path)
    await page.locator('main h1').first().waitFor()
    problems.push(...(await labelViolations(page)))
  }
  expect(problems).toEqual([])
})

test('every control on the window and supervision pages has an accessible name', async ({ page, newVisitor }) => {
  const problems: string[] = []
  await login(page, 'clerk', DEMO_PASSWORD)
  await page.goto('/intake')
  await page.locator('main h1').first().waitFor()
  problems.push(...(await labelViolations(page)))
  await page.goto('/intake/new')
  await page.getByLabel('事项名称、编码或关键词').fill('食品')
  await page.getByRole('button', { name: '查找事项' }).click()
  await page.getByRole('button', { name: '选择 食品经营许可' }).click()
  await page.getByText('申请材料', { exact: false }).first().waitFor()
  problems.push(...(await labelViolations(page)))

  const admin = await newVisitor()
  await login(admin, 'admin', DEMO_PASSWORD)
  await admin.goto('/supervision')
  await admin.getByTestId('kpi-volume').waitFor()
  problems.push(...(await labelViolations(admin)))
  await admin.goto('/admin/processes')
  await admin.locator('main h1').first().waitFor()
  problems.push(...(await labelViolations(admin)))
  await admin.goto('/admin/items/330122-AMR-XK-0001/process')
  await admin.getByTestId('process-version').waitFor()
  problems.push(...(await labelViolations(admin)))
  await admin.goto('/admin/items/330122-AMR-XK-0001/rules')
  await admin.getByTestId('rules-version').waitFor()
  problems.push(...(await labelViolations(admin)))
  await admin.goto('/admin/data-grants')
  await admin.locator('main h1').first().waitFor()
  problems.push(...(await labelViolations(admin)))
  expect(problems).toEqual([])
})
