/**
 * The public pages: the catalogue paginates and filters by department, an unknown licence is
 * said to be unknown, the navigation follows the role. Names, labels and contrast on every page are
 * checked by axe in a11y.spec.ts (every route, at desktop and phone width).
 */
import { expect, test } from './fixtures'
import { choose, DEMO_PASSWORD, login, newPerson, registerPerson } from './flows'
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
