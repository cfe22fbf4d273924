/**
 * Data and supervision administration: the data catalogue's resources (数据资源目录) registered and
 * edited by the owning department's admin only; the working-day calendar (工作日历) with next year's
 * missing holidays flagged, a day made a holiday and back; a rectification task (整改) opened by a
 * bad evaluation and completed by the department admin; the dashboard's monthly trend.
 */
import type { APIRequestContext } from '@playwright/test'
import { expect, test } from './fixtures'
import { labelViolations } from './axe'
import { choose, DEMO_PASSWORD, ITEM_INSTANT, login, openNav } from './flows'
import { newPhone, newResidentId } from './identities'

async function tokenOf(request: APIRequestContext, username: string, password = DEMO_PASSWORD): Promise<Record<string, string>> {
  const answer = await request.post('/api/v1/auth/token', { form: { grant_type: 'password', username, password } })
  expect(answer.status()).toBe(200)
  return { Authorization: `Bearer ${(await answer.json()).access_token}` }
}

/** Controls without an accessible name (axe's naming rules), with where they are. */
/** YYYY-MM-DD today in Asia/Shanghai. */
function shanghaiToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
}

test('a department admin registers a data resource, which another department admin cannot edit', async ({ page, shot, newVisitor, request }) => {
  const code = `food-premises-${Date.now().toString(36)}`
  await login(page, 'deptadmin-amr', DEMO_PASSWORD)
  await openNav(page, '数据目录')
  await expect(page.getByRole('heading', { name: '数据资源目录' })).toBeVisible()
  await expect(page.locator('.resources tbody tr').first()).toBeVisible()
  await shot('部门管理员：数据资源目录')

  await page.getByRole('button', { name: '登记数据资源' }).click()
  const form = page.getByTestId('register-form')
  // The owning department is the admin's own.
  await expect(form.getByRole('combobox', { name: '所属部门' })).toBeDisabled()
  // A code already taken: the form's own checks pass, data-sharing refuses it next to the code.
  await form.getByLabel('资源代码').fill('population')
  await form.getByLabel('资源名称').fill('食品经营场所信息')
  await choose(page, form.getByRole('combobox', { name: '更新频率' }), '每日')
  await form.locator('.el-radio', { hasText: '有条件共享' }).click()
  await form.getByLabel('字段名 1').fill('licence_no')
  await form.getByLabel('中文名称 1').fill('许可证编号')
  await form.getByRole('button', { name: '添加数据项' }).click()
  await form.getByLabel('字段名 2').fill('Premises Address')
  await form.getByLabel('中文名称 2').fill('经营场所地址')
  await form.getByRole('button', { name: '提交登记' }).click()
  const second = form.locator('.el-form-item', { has: page.getByLabel('字段名 2') })
  await expect(second).toContainText('字段名为小写字母、数字或下划线')
  await form.getByLabel('字段名 2').fill('premises_address')
  await form.getByRole('button', { name: '提交登记' }).click()
  const codeItem = form.locator('.el-form-item', { has: page.getByLabel('资源代码') })
  await expect(codeItem).toContainText('已被登记，请换一个代码')
  expect(await labelViolations(page)).toEqual([])
  await shot('部门管理员：资源代码已被登记')

  await form.getByLabel('资源代码').fill(code)
  await form.getByRole('button', { name: '提交登记' }).click()
  await expect(form).toBeHidden()
  await choose(page, page.getByRole('combobox', { name: '共享类型筛选' }), '有条件共享')
  await expect(page).toHaveURL(/sharing_type=conditional/)
  const row = page.locator('.resources tbody tr', { has: page.locator(`[data-resource="${code}"]`) })
  // Sorted by code, it may be on a later page: show the department's conditional resources, 50 a page.
  await page.goto(`/admin/data-resources?owner=amr&sharing_type=conditional&page_size=50`)
  await expect(row).toContainText('食品经营场所信息')
  await expect(row).toContainText('许可证编号、经营场所地址')
  await expect(row.getByTestId('sharing-type')).toHaveText('有条件共享')
  await shot('部门管理员：资源已登记')

  // Its own department admin edits it.
  await row.getByRole('button', { name: '编辑 食品经营场所信息' }).click()
  const edit = page.getByTestId('edit-form')
  await edit.getByLabel('资源名称').fill('')
  await edit.getByRole('button', { name: '保存修改' }).click()
  await expect(edit.locator('.el-form-item', { has: page.getByLabel('资源名称') })).toContainText('请填写资源名称')
  await edit.getByLabel('资源名称').fill('食品经营场所')
  expect(await labelViolations(page)).toEqual([])
  await edit.getByText('无条件共享', { exact: true }).click()
  await edit.getByRole('button', { name: '保存修改' }).click()
  // Saved before the page is left: a navigation right after the click could abort the request in flight.
  await expect(page.locator('.el-message--success')).toContainText('已保存')
  await page.goto(`/admin/data-resources?owner=amr&page_size=50`)
  await expect(row.getByTestId('sharing-type')).toHaveText('无条件共享')
  await expect(row).toContainText('食品经营场所')

  // Another department's admin sees it but may not edit it, as data-sharing decides.
  const psb = await newVisitor()
  await login(psb, 'deptadmin-psb', DEMO_PASSWORD)
  await psb.goto(`/admin/data-resources?owner=amr&page_size=50`)
  const psbRow = psb.locator('.resources tbody tr', { has: psb.locator(`[data-resource="${code}"]`) })
  await expect(psbRow).toContainText('食品经营场所')
  await expect(psbRow.getByRole('button', { name: /^编辑/ })).toHaveCount(0)
  await shot('其他部门管理员：不能编辑', psb)
  const refused = await request.patch(`/api/v1/catalogue/resources/${code}`, { headers: await tokenOf(request, 'deptadmin-psb'), data: { sharing_type: 'not_shared' } })
  expect(refused.status()).toBe(403)
  // …and registering for a department not theirs is refused too.
  const foreign = await request.post('/api/v1/catalogue/resources', {
    headers: await tokenOf(request, 'deptadmin-psb'),
    data: { code: `${code}-x`, name: '冒名登记', owner_department: 'amr', fields: [{ name: 'a', label: 'A' }], sharing_type: 'unconditional', update_frequency: 'daily' },
  })
  expect(foreign.status()).toBe(403)
})

test('an administrator sees next year missing, marks a day a holiday and removes it again', async ({ page, shot, newVisitor, request }) => {
  const nextYear = Number(shanghaiToday().slice(0, 4)) + 1
  // The first Wednesday of March next year.
  let day = new Date(Date.UTC(nextYear, 2, 1))
  while (day.getUTCDay() !== 3) day = new Date(day.getTime() + 86_400_000)
  const date = day.toISOString().slice(0, 10)

  await login(page, 'admin', DEMO_PASSWORD)
  await openNav(page, '工作日历')
  await expect(page.getByRole('heading', { name: '工作日历' })).toBeVisible()
  await expect(page.getByTestId('month-grid')).toBeVisible()
  await expect(page.getByTestId('next-year-missing')).toContainText(`${nextYear} 年的法定节假日安排尚未录入`)
  await shot('管理员：工作日历本月')

  await page.getByRole('button', { name: `查看 ${nextYear} 年` }).click()
  await expect(page).toHaveURL(new RegExp(`month=${nextYear}-01`))
  await expect(page.getByTestId('year-missing')).toContainText(`${nextYear} 年的法定节假日安排尚未录入：缺少春节、国庆节的放假安排`)
  await page.getByRole('button', { name: '下一月' }).click()
  await page.getByRole('button', { name: '下一月' }).click()
  await expect(page.getByRole('heading', { name: `${nextYear}年3月` })).toBeVisible()
  await shot('管理员：下一年尚未录入')

  const cell = page.locator(`button[data-date="${date}"]`)
  await expect(cell).toHaveAttribute('data-kind', 'workday')
  await cell.click()
  const editor = page.getByTestId('day-editor')
  await expect(editor.getByTestId('day-kind')).toHaveText('工作日')
  await editor.getByLabel('说明（如：春节、国庆节）').fill('示范县县庆')
  await editor.getByRole('button', { name: '设为节假日' }).click()
  await expect(cell).toHaveAttribute('data-kind', 'holiday')
  await expect(cell).toContainText('休')
  await expect(cell).toContainText('示范县县庆')
  await expect(editor.getByTestId('day-kind')).toHaveText('节假日')
  await expect(page.locator('.year-days')).toContainText(date)
  // One day entered by hand does not make the year's arrangement.
  await expect(page.getByTestId('year-missing')).toBeVisible()
  expect(await labelViolations(page)).toEqual([])
  const answer = await request.get(`/api/v1/calendar/${date}`)
  expect(await answer.json()).toMatchObject({ day: date, working_day: false })
  await shot('管理员：设为节假日')

  // A department admin sees the calendar but does not edit it.
  const amr = await newVisitor()
  await login(amr, 'deptadmin-amr', DEMO_PASSWORD)
  await amr.goto(`/admin/calendar?month=${date.slice(0, 7)}`)
  await expect(amr.getByText('仅管理员可以修改工作日历。')).toBeVisible()
  await amr.locator(`button[data-date="${date}"]`).click()
  await expect(amr.getByTestId('day-kind')).toHaveText('节假日')
  await expect(amr.getByRole('button', { name: '设为节假日' })).toHaveCount(0)

  await editor.getByRole('button', { name: '恢复为普通日' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(cell).toHaveAttribute('data-kind', 'workday')
  await expect(cell).not.toContainText('示范县县庆')
  await expect(page.locator('.year-days')).not.toContainText(date)
  expect(await (await request.get(`/api/v1/calendar/${date}`)).json()).toMatchObject({ working_day: true })
  await shot('管理员：已恢复为工作日')
})

test('a bad evaluation opens a rectification task that the department admin completes', async ({ page, shot, newVisitor, request }) => {
  // Setup through the API: an applicant's instant-approval case concludes and is rated 非常不满意.
  const idNumber = newResidentId()
  const password = 'secret-123456'
  const registered = await request.post('/api/v1/auth/register', { data: { account_type: 'person', id_number: idNumber, name: '周芳', phone: newPhone(), password } })
  expect(registered.status()).toBe(201)
  const applicant = await tokenOf(request, idNumber, password)
  const filed = await request.post('/api/v1/cases', {
    headers: applicant,
    data: { item_code: ITEM_INSTANT, form: { business_name: '周芳便利店', business_address: '示范县富春路8号', business_scope: '日用百货零售', capital: 2 } },
  })
  expect(filed.status()).toBe(201)
  const caseNo: string = (await filed.json()).case_no
  await expect.poll(async () => (await (await request.get(`/api/v1/cases/${caseNo}`, { headers: applicant })).json()).status, { timeout: 30_000 }).toBe('concluded')
  const rated = await request.post(`/api/v1/cases/${caseNo}/evaluation`, { headers: applicant, data: { rating: 1, reasons: ['guide_inaccurate', 'repeated_visits'], comment: '窗口说明不清楚，跑了两趟' } })
  expect(rated.status()).toBe(201)
  const taskId: number = (await rated.json()).rectification_id
  expect(taskId).toBeGreaterThan(0)

  // The department admin reaches the tasks from the supervision page.
  await login(page, 'deptadmin-amr', DEMO_PASSWORD)
  await expect(page).toHaveURL(/\/supervision$/)
  await page.getByRole('link', { name: '评价整改任务' }).click()
  await expect(page.getByRole('heading', { name: '整改任务', level: 1 })).toBeVisible()
  await choose(page, page.getByRole('combobox', { name: '整改状态' }), '待整改')
  await expect(page).toHaveURL(/status=open/)
  await page.goto('/admin/rectifications?status=open&page_size=100')
  const row = page.locator('.tasks tbody tr', { has: page.locator(`[data-rectification-id="${taskId}"]`) })
  await expect(row).toContainText(caseNo)
  await expect(row).toContainText('非常不满意')
  await expect(row).toContainText('跑了两趟')
  await expect(row.getByTestId('rect-status')).toHaveText('待整改')
  await expect(row).toContainText(/剩余 \d+ 天/)
  await expect(row.getByTestId('rect-overdue')).toHaveCount(0)
  await shot('部门管理员：待整改任务')

  await row.getByRole('button', { name: `办结第 ${taskId} 号整改任务` }).click()
  const editor = page.getByTestId('rectification-editor')
  await editor.getByRole('button', { name: '提交整改情况' }).click()
  await expect(editor.getByText('请填写整改情况')).toBeVisible()
  expect(await labelViolations(page)).toEqual([])
  await editor.getByLabel('整改情况').fill('已约谈窗口人员，补充一次性告知清单，并电话回访申请人。')
  await editor.getByRole('button', { name: '提交整改情况' }).click()
  await expect(editor).toContainText('已整改：已约谈窗口人员')
  await expect(editor).toContainText('评价：非常不满意')
  // Done tasks leave the open list.
  await expect(row).toHaveCount(0)
  await shot('部门管理员：整改已办结')

  // The administrator finds it by department and status; another department's list does not hold it.
  const admin = await newVisitor()
  await login(admin, 'admin', DEMO_PASSWORD)
  await admin.goto('/admin/rectifications?status=done&department=amr&page_size=100')
  const done = admin.locator('.tasks tbody tr', { has: admin.locator(`[data-rectification-id="${taskId}"]`) })
  await expect(done.getByTestId('rect-status')).toHaveText('已整改')
  await expect(done).toContainText('已约谈窗口人员')
  await shot('管理员：按部门查看整改任务', admin)
  await admin.goto('/admin/rectifications?status=done&department=psb&page_size=100')
  await expect(admin.getByRole('heading', { name: /整改任务（共 \d+ 条）/ })).toBeVisible()
  await expect(admin.locator(`[data-rectification-id="${taskId}"]`)).toHaveCount(0)
})

test('the performance dashboard shows the monthly trend for all cases, a department and an item', async ({ page, shot, request }) => {
  // A concluded case this month, so the current month has something to count.
  const idNumber = newResidentId()
  const password = 'secret-123456'
  expect((await request.post('/api/v1/auth/register', { data: { account_type: 'person', id_number: idNumber, name: '吴越', phone: newPhone(), password } })).status()).toBe(201)
  const applicant = await tokenOf(request, idNumber, password)
  const filed = await request.post('/api/v1/cases', {
    headers: applicant,
    data: { item_code: ITEM_INSTANT, form: { business_name: '吴越茶铺', business_address: '示范县迎春路3号', business_scope: '茶饮', capital: 1 } },
  })
  expect(filed.status()).toBe(201)

  const month = shanghaiToday().slice(0, 7)
  await login(page, 'admin', DEMO_PASSWORD)
  await expect(page).toHaveURL(/\/supervision$/)
  await expect(page.getByTestId('kpi-volume')).toBeVisible()
  const trend = page.getByTestId('trend')
  await expect(trend.getByRole('img', { name: /全部办件近 6 个月的办件量、按时办结率、平均办理时长和满意度/ })).toBeVisible()
  await expect(trend.getByTestId('trend-month')).toHaveCount(6)
  const current = trend.locator('.trend-table tbody tr', { has: page.locator(`[data-month="${month}"]`) })
  await expect.poll(async () => Number(await current.locator('td').nth(1).innerText())).toBeGreaterThanOrEqual(1)
  await trend.locator('svg').first().scrollIntoViewIfNeeded()
  await shot('管理员：近6个月趋势')

  // The KPIs are the trend's total: one period for the whole page.
  await expect(trend.locator('.trend-table tbody tr', { has: page.getByTestId('trend-total') }).locator('td').nth(1)).toHaveText(await page.getByTestId('kpi-volume').innerText())
  await page.getByText('近 12 个月', { exact: true }).click()
  await expect(trend.getByTestId('trend-month')).toHaveCount(12)

  // One department, then one item: psb has no instant-approval business licences, the item has this case.
  await choose(page, trend.getByRole('combobox', { name: '趋势范围' }), '示范县市场监督管理局')
  await expect(trend.getByRole('heading', { name: '月度趋势：示范县市场监督管理局' })).toBeVisible()
  await expect.poll(async () => Number(await current.locator('td').nth(1).innerText())).toBeGreaterThanOrEqual(1)
  await choose(page, trend.getByRole('combobox', { name: '趋势范围' }), '个体工商户设立登记')
  await expect(trend.getByRole('heading', { name: '月度趋势：个体工商户设立登记' })).toBeVisible()
  await expect.poll(async () => Number(await current.locator('td').nth(1).innerText())).toBeGreaterThanOrEqual(1)
  expect(await labelViolations(page)).toEqual([])
  await shot('管理员：单个事项近12个月趋势')
})
