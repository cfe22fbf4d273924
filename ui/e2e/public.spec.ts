/**
 * The public pages: the catalogue paginates and filters by department, an unknown licence is
 * said to be unknown, the navigation follows the role, every control on every page has a label
 * and the public and applicant pages' text has enough contrast (axe).
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { labelViolations } from './axe'
import { apply, choose, DEMO_PASSWORD, ITEM_INSTANT, login, newPerson, registerAtL2, registerPerson } from './flows'
import { openedEntity } from './entities'
import { newUscc } from './identities'

test('the catalogue paginates and filters by department', async ({ page, shot }) => {
  await page.goto('/')
  await expect(page.locator('.item-card')).toHaveCount(6)
  await shot('首页（桌面）')
  await page.goto('/items?page_size=2')
  await expect(page.getByTestId('result-count')).toHaveText('（共 6 项）')
  await expect(page.locator('.item-card')).toHaveCount(2)
  const first = await page.locator('.item-card').first().getAttribute('data-item-code')
  await page.getByRole('navigation', { name: '事项列表分页' }).getByRole('listitem', { name: '第 2 页' }).click()
  await expect(page).toHaveURL(/page=2/)
  await expect(page.locator('.item-card').first()).not.toHaveAttribute('data-item-code', first!)
  await shot('事项目录第2页')
  await page.getByRole('navigation', { name: '事项列表分页' }).getByRole('listitem', { name: '第 3 页' }).click()
  await expect(page.locator('.item-card')).toHaveCount(2)

  await page.goto('/items')
  await choose(page, page.getByRole('combobox', { name: '实施部门' }), '示范县公安局')
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
  // Every entry an applicant has fits one line of the header at 1280 px.
  const tops = await nav.getByRole('link').evaluateAll((links) => links.map((l) => Math.round(l.getBoundingClientRect().top)))
  expect(new Set(tops).size, `nav link tops: ${tops.join(', ')}`).toBe(1)
  await expect(nav.getByRole('link', { name: '审批工作台' })).toHaveCount(0)
  await page.goto('/review')
  await expect(page.getByText('无权访问')).toBeVisible()

  // An enterprise's long name is cut short in the header (whole in its tooltip): still one line,
  // also while its legal representative acts for it (the strip below the bar says who for whom).
  const enterprise = await newVisitor()
  const longName = `示范县某某${Math.floor(Math.random() * 1e6)}科技发展有限责任公司`
  await openedEntity(enterprise, newPerson('钱多'), { uscc: newUscc(), name: longName })
  const enterpriseNav = enterprise.getByRole('navigation', { name: '主导航' })
  await expect(enterpriseNav.getByRole('link', { name: '我的办件' })).toBeVisible()
  await expect(enterprise.getByTestId('current-user')).toHaveAttribute('title', longName)
  const enterpriseTops = await enterpriseNav.getByRole('link').evaluateAll((links) => links.map((l) => Math.round(l.getBoundingClientRect().top)))
  expect(new Set(enterpriseTops).size, `nav link tops: ${enterpriseTops.join(', ')}`).toBe(1)

  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-psb', DEMO_PASSWORD)
  const staffNav = reviewer.getByRole('navigation', { name: '主导航' })
  await expect(staffNav.getByRole('link', { name: '审批工作台' })).toBeVisible()
  await expect(staffNav.getByRole('link', { name: '我的办件' })).toHaveCount(0)
  await expect(reviewer.getByTestId('current-user')).toHaveText('县公安局审批人员')

  // An administrator's many pages: the console's sidebar (sub-menus open), not the public bar.
  const admin = await newVisitor()
  await login(admin, 'admin', DEMO_PASSWORD)
  await expect(admin.locator('.site-header')).toHaveCount(0)
  const adminNav = admin.getByTestId('console-sidebar').getByRole('navigation', { name: '主导航' })
  await expect(adminNav.getByRole('link', { name: '清单管理' })).toBeVisible()
  await adminNav.getByRole('link', { name: '清单管理' }).click()
  await expect(admin).toHaveURL(/\/admin\/lists/)
  await expect(admin.getByTestId('breadcrumbs')).toContainText('事项与清单')
  await expect(adminNav.getByRole('link', { name: '清单管理' })).toHaveAttribute('aria-current', 'page')

  // A page that needs a login sends a visitor to log in, and back afterwards.
  const visitor = await newVisitor()
  await visitor.goto('/my/licenses')
  await expect(visitor).toHaveURL(/\/login\?redirect=/)
})

/** Opens a page and waits for its heading and for its lists to have loaded. */
async function open(page: Page, path: string): Promise<void> {
  await page.goto(path)
  await page.locator('main h1').first().waitFor()
  await page.waitForLoadState('networkidle')
  await expect(page.locator('main .el-loading-mask')).toHaveCount(0)
}

test('every control on the main pages has an accessible name', async ({ page }) => {
  const problems: string[] = []
  for (const path of ['/', '/items', '/items/330122-AMR-XK-0001', '/lists', '/bundles/330122-YJS-0001', '/verify', '/login', '/register']) {
    await page.goto(path)
    await page.locator('main h1').first().waitFor()
    problems.push(...(await labelViolations(page)))
  }
  await registerAtL2(page, '吴敏')
  for (const path of ['/my/cases', '/my/bundles', '/my/licenses', '/my/data-access', '/my/identity', '/apply/330122-HRSS-QR-0001', '/apply/330122-AMR-XK-0002', '/bundles/330122-YJS-0001']) {
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

test('every control on the pages added since has an accessible name', async ({ page, newVisitor }) => {
  test.slow() // a score of pages, each loaded in full
  const problems: string[] = []
  await registerPerson(page, newPerson('冯晓'))
  await open(page, '/my/notifications')
  problems.push(...(await labelViolations(page)))

  const admin = await newVisitor()
  await login(admin, 'admin', DEMO_PASSWORD)
  const pages: [string, () => Promise<unknown>][] = [
    ['/admin/catalogue', () => admin.getByTestId('item-status').first().waitFor()],
    ['/admin/catalogue/new', () => admin.getByRole('button', { name: '添加材料' }).waitFor()],
    ['/admin/lists', () => admin.getByTestId('in-force').waitFor()],
    ['/admin/data-resources', () => admin.locator('.resources tbody tr').first().waitFor()],
    ['/admin/rectifications', () => admin.getByRole('heading', { name: /整改任务（共 \d+ 条）/ }).waitFor()],
    ['/admin/calendar', () => admin.getByTestId('month-grid').waitFor()],
    ['/supervision', () => expect(admin.getByTestId('trend').getByTestId('trend-month')).toHaveCount(6)],
  ]
  for (const [path, ready] of pages) {
    await open(admin, path)
    await ready()
    problems.push(...(await labelViolations(admin)))
  }

  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-amr', DEMO_PASSWORD)
  await open(reviewer, '/review')
  await reviewer.getByTestId('tab-all').waitFor()
  problems.push(...(await labelViolations(reviewer)))
  expect(problems).toEqual([])
})

/** Text with less contrast than WCAG 1.4.3 asks (4.5:1, 3:1 for large text), with where it is. */
async function contrastViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withRules(['color-contrast']).analyze()
  return results.violations.flatMap((v) => v.nodes.map((n) => `${page.url()} ${v.id}: ${n.target.join(' ')} ${n.any.map((c) => c.message).join(' ')}`))
}

test('the text on the public and applicant pages has enough contrast', async ({ page }) => {
  test.slow() // a score of pages, each loaded in full
  const problems: string[] = []
  for (const path of ['/', '/items', '/items/330122-AMR-XK-0001', '/lists', '/bundles/330122-YJS-0001', '/verify', '/login', '/register']) {
    await open(page, path)
    problems.push(...(await contrastViolations(page)))
  }
  // An applicant with a case, a licence and notifications, so that their status tags are shown.
  await registerAtL2(page, '褚明')
  const caseNo = await apply(page, ITEM_INSTANT, {
    个体工商户名称: '褚明小吃店',
    经营场所: '示范县人民路9号',
    经营范围: '小吃服务',
    '资金数额（万元）': '5',
  })
  await expect(page.getByTestId('case-status')).toHaveText('已办结')
  const licenseNo = (await page.getByTestId('case-license-no').textContent())!.trim()
  await expect(async () => {
    await page.goto('/my/notifications')
    await expect(page.getByTestId('notification').first()).toBeVisible({ timeout: 2000 })
  }).toPass({ timeout: 45_000 })
  for (const path of [
    '/my/cases',
    '/my/bundles',
    `/cases/${caseNo}`,
    '/my/licenses',
    `/licenses/${licenseNo}`,
    `/verify/${licenseNo}`,
    '/my/notifications',
    '/my/data-access',
    '/my/identity',
    '/apply/330122-HRSS-QR-0001',
    '/apply/330122-AMR-XK-0002',
  ]) {
    await open(page, path)
    problems.push(...(await contrastViolations(page)))
  }
  expect(problems).toEqual([])
})
