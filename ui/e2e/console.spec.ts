/**
 * The staff console: each role's sidebar and breadcrumbs instead of the public top navigation (at
 * 1280 px and at phone width), the reviewer's work list searched, filtered and sorted by the
 * service, a material previewed in the page, stock opinions filling the opinion box, and the
 * supervision dashboard whose KPIs are its trend's total on the demo history; and the stock opinions a department
 * admin keeps (added, moved, edited, deleted, reset) that its reviewers pick from.
 */
import { deflateSync } from 'node:zlib'
import type { APIRequestContext, Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { choose, DEMO_PASSWORD, ITEM_REVIEWED, login } from './flows'
import { newPhone, newResidentId } from './identities'

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n')
const FOOD_FORM = { business_address: '示范县解放路12号', food_category: '热食类食品制售', floor_area: 36 }

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Buffer): number {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A real PNG (a site photo stand-in): blue sky over a grey building, 320 × 200. */
function sitePhoto(): Buffer {
  const [width, height] = [320, 200]
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8)
  const rows: Buffer[] = []
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3)
    for (let x = 0; x < width; x++) {
      const building = y > 80 && x > 60 && x < 260
      const window = building && (x - 70) % 40 < 20 && (y - 95) % 35 < 18
      const [r, g, b] = window ? [250, 220, 120] : building ? [150, 150, 160] : [120 + y / 2, 170 + y / 4, 235]
      row.set([r, g, b].map(Math.round), 1 + x * 3)
    }
    rows.push(row)
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))])
}

async function token(request: APIRequestContext, username: string, password = DEMO_PASSWORD): Promise<string> {
  const response = await request.post('/api/v1/auth/token', { form: { grant_type: 'password', username, password } })
  expect(response.ok(), await response.text()).toBeTruthy()
  return ((await response.json()) as { access_token: string }).access_token
}

const bearer = (t: string): Record<string, string> => ({ Authorization: `Bearer ${t}` })

/** Files a 食品经营许可 case for a new applicant named `name` and waits until amr holds it. */
async function foodCase(request: APIRequestContext, name: string): Promise<string> {
  const password = 'secret-123456'
  const idNumber = newResidentId()
  const registered = await request.post('/api/v1/auth/register', { data: { account_type: 'person', id_number: idNumber, name, phone: newPhone(), password } })
  expect(registered.ok(), await registered.text()).toBeTruthy()
  const applicant = await token(request, idNumber, password)
  const uploaded = await request.post('/api/v1/files', { headers: bearer(applicant), multipart: { file: { name: 'sqs.pdf', mimeType: 'application/pdf', buffer: PDF } } })
  expect(uploaded.ok(), await uploaded.text()).toBeTruthy()
  const { file_id } = (await uploaded.json()) as { file_id: string }
  const filed = await request.post('/api/v1/cases', {
    headers: bearer(applicant),
    data: { item_code: ITEM_REVIEWED, form: { ...FOOD_FORM, business_name: `${name}小吃店` }, materials: [{ code: 'SQS', file_id }] },
  })
  expect(filed.ok(), await filed.text()).toBeTruthy()
  const caseNo = ((await filed.json()) as { case_no: string }).case_no
  const reviewer = await token(request, 'reviewer-amr')
  await expect.poll(async () => (await request.get(`/api/v1/work-items/${caseNo}`, { headers: bearer(reviewer) })).status(), { timeout: 30_000 }).toBe(200)
  return caseNo
}

/** The console's frame: a sidebar, a one-row header with breadcrumbs ending in `title`, no public bar. */
async function expectConsole(page: Page, title: string): Promise<void> {
  await expect(page.getByTestId('console-sidebar')).toBeVisible()
  await expect(page.locator('.site-header')).toHaveCount(0)
  const crumbs = page.getByTestId('breadcrumbs')
  await expect(crumbs.locator('.el-breadcrumb__inner').last()).toHaveText(title)
  await expect(crumbs.locator('.el-breadcrumb__inner').first()).toHaveText('工作台')
  const header = await page.locator('header.header').boundingBox()
  expect(header!.height).toBeLessThanOrEqual(57) // one row, however many pages the role has
}

test('each role works in a console of its own: sidebar, breadcrumbs, one header row', async ({ page, newVisitor, shot }) => {
  test.setTimeout(240_000) // five sign-ins on a loaded machine
  const roles: [string, string, string[], string[]][] = [
    ['clerk', '窗口收件', ['窗口收件', '办件查询'], ['审批工作台', '事项管理']],
    ['reviewer-amr', '待审批办件', ['审批工作台', '办件查询'], ['窗口收件', '效能监察']],
    ['deptadmin-amr', '效能监察', ['审批工作台', '效能监察', '事项管理', '共享授权'], ['窗口收件', '死信消息']],
    ['admin', '效能监察', ['窗口收件', '效能监察', '领导驾驶舱', '死信消息'], ['审批工作台']],
  ]
  for (const [username, start, shown, hidden] of roles) {
    const staff = username === 'clerk' ? page : await newVisitor()
    await login(staff, username, DEMO_PASSWORD)
    await expectConsole(staff, start)
    const nav = staff.getByTestId('console-sidebar').getByRole('navigation', { name: '主导航' })
    for (const label of shown) await expect(nav.getByRole('link', { name: label, exact: true })).toBeVisible()
    for (const label of hidden) await expect(nav.getByRole('link', { name: label, exact: true })).toHaveCount(0)
    await expect(staff.getByTestId('current-department')).not.toBeEmpty()
    await shot(`${username}：工作台侧边栏与面包屑`, staff, { fullPage: false })
  }

  // A department admin's deeper page: 工作台 / 事项与清单 / 事项管理 / 事项版本, each ancestor a link.
  const admin = await newVisitor()
  await login(admin, 'deptadmin-amr', DEMO_PASSWORD)
  await admin.getByTestId('console-sidebar').getByRole('link', { name: '事项管理', exact: true }).click()
  await expectConsole(admin, '事项管理')
  await admin.goto('/admin/catalogue/items/330122-AMR-XK-0002')
  await expectConsole(admin, '事项版本')
  await expect(admin.getByTestId('breadcrumbs')).toContainText('事项与清单')
  await admin.getByTestId('breadcrumbs').getByText('事项管理', { exact: true }).click()
  await expect(admin).toHaveURL(/\/admin\/catalogue$/)
  await shot('部门管理员：事项管理的面包屑', admin, { fullPage: false })

  // The sidebar folds to its initials and back.
  await admin.getByTestId('sidebar-toggle').click()
  await expect.poll(async () => (await admin.getByTestId('console-sidebar').boundingBox())!.width).toBeLessThan(80)
  await shot('部门管理员：折叠的侧边栏', admin, { fullPage: false })
  await admin.getByTestId('sidebar-toggle').click()

  // At phone width the sidebar is a drawer behind the menu button.
  await admin.setViewportSize({ width: 390, height: 844 })
  await expect(admin.getByTestId('console-sidebar')).toHaveCount(0)
  await admin.getByRole('button', { name: '打开菜单' }).click()
  const drawer = admin.getByRole('dialog', { name: '菜单' })
  await expect(drawer.getByRole('link', { name: '效能监察' })).toBeVisible()
  await shot('部门管理员：手机上的菜单', admin, { fullPage: false })
  await drawer.getByRole('link', { name: '效能监察' }).click()
  await expect(admin).toHaveURL(/\/supervision$/)
  await expect(admin.getByTestId('breadcrumbs')).toContainText('效能监察')
})

test("the reviewer's work list is searched, filtered and sorted; a material is previewed; a stock opinion fills the box", async ({ page, request, shot }) => {
  test.setTimeout(180_000)
  const tag = String(Math.floor(Math.random() * 1e6))
  const first = await foodCase(request, `筛选甲${tag}`)
  const second = await foodCase(request, `筛选乙${tag}`)

  await login(page, 'reviewer-amr', DEMO_PASSWORD)
  await expectConsole(page, '待审批办件')
  const filters = page.getByTestId('work-filters')
  await filters.getByRole('textbox', { name: '搜索办件' }).fill(`筛选甲${tag}`)
  await filters.getByRole('button', { name: '搜索' }).click()
  await expect(page).toHaveURL(new RegExp(`q=`))
  const rows = page.locator('.worklist tbody tr')
  await expect(rows).toHaveCount(1)
  await expect(rows.first().locator(`a[data-case-no="${first}"]`)).toBeVisible()
  await expect(page.getByTestId('filtered-count')).toHaveText('筛选结果 1 件')

  // Both cases of this run, newest received first, then oldest first.
  await filters.getByRole('textbox', { name: '搜索办件' }).fill(tag)
  await filters.getByRole('button', { name: '搜索' }).click()
  await choose(page, filters.getByRole('combobox', { name: '事项' }), '食品经营许可')
  await choose(page, filters.getByRole('combobox', { name: '排序' }), '按收件时间从晚到早')
  await expect(page).toHaveURL(/sort=-received/)
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0).locator('a[data-case-no]')).toHaveAttribute('data-case-no', second)
  await expect(rows.nth(1).locator('a[data-case-no]')).toHaveAttribute('data-case-no', first)
  await shot('审批人员：按关键字和事项筛选、按收件时间排序的待办', page, { fullPage: false })
  await choose(page, filters.getByRole('combobox', { name: '排序' }), '按收件时间从早到晚')
  await expect(rows.nth(0).locator('a[data-case-no]')).toHaveAttribute('data-case-no', first)
  // The choice lives in the URL: a reload shows the same list.
  await page.reload()
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0).locator('a[data-case-no]')).toHaveAttribute('data-case-no', first)

  // The case's materials open in the page: the applicant's PDF, then a site photo uploaded with el-upload.
  await rows.nth(0).getByRole('link', { name: `办理办件 ${first}` }).click()
  await expectConsole(page, '办件审查')
  await expect(page.getByTestId('breadcrumbs')).toContainText('待审批办件')
  await page.getByRole('button', { name: '预览材料 食品经营许可申请书' }).click()
  const preview = page.getByRole('dialog', { name: /预览：食品经营许可申请书/ })
  await expect(preview.getByTestId('preview-pdf')).toBeVisible()
  await expect(preview.getByTestId('preview-pdf')).toHaveAttribute('src', /^blob:/)
  await preview.getByRole('button', { name: '关闭', exact: true }).click()
  await page.getByTestId('attachment-upload').locator('input[type=file]').setInputFiles({ name: '现场照片.png', mimeType: 'image/png', buffer: sitePhoto() })
  await expect(page.getByTestId('attachment-upload')).toContainText('现场照片.png')
  await page.getByRole('button', { name: '上传', exact: true }).click()
  await expect(page.locator('.attachments')).toContainText('现场照片.png')
  await page.getByRole('button', { name: '预览附件 现场照片.png' }).click()
  const photo = page.getByRole('dialog', { name: /预览：现场照片\.png/ }).getByTestId('preview-image')
  await expect(photo).toBeVisible()
  await expect.poll(async () => photo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320)
  await shot('审批人员：在页面中预览现场照片', page, { fullPage: false })
  await page.getByRole('dialog', { name: /预览：现场照片\.png/ }).getByRole('button', { name: '关闭', exact: true }).click()

  // Stock opinions for the chosen result fill the opinion box.
  await page.getByRole('radiogroup', { name: '办理结果' }).getByText('不予许可').click()
  const stock = page.getByTestId('stock-opinions')
  await expect(stock.getByRole('button')).not.toHaveCount(0)
  const phrase = (await stock.getByRole('button').first().innerText()).trim()
  await stock.getByRole('button').first().click()
  await expect(page.locator('#action-opinion')).toHaveValue(phrase)
  await page.getByRole('radiogroup', { name: '办理结果' }).getByText('准予许可').click()
  await expect(stock.getByRole('button').first()).toContainText('准予许可')
  await stock.getByRole('button').first().scrollIntoViewIfNeeded()
  await shot('审批人员：常用意见', page, { fullPage: false })
})

test('the dashboard: figures of one period that agree, months labelled, charts with the demo history', async ({ page, shot }) => {
  await login(page, 'admin', DEMO_PASSWORD)
  await expect(page).toHaveURL(/\/supervision$/)
  await expectConsole(page, '效能监察')
  const volume = page.getByTestId('kpi-volume')
  await expect(volume).not.toHaveText('0')
  // The demo history's reviewed cases took days: not "0.00 天".
  await expect(page.getByTestId('kpi-days')).toHaveText(/^\d+\.\d 天$/)
  await expect(page.getByTestId('kpi-satisfaction')).toHaveText(/分$/)
  const trend = page.getByTestId('trend')
  await expect(trend.getByTestId('trend-month')).toHaveCount(6)
  const total = trend.locator('.trend-table tbody tr', { has: page.getByTestId('trend-total') }).locator('td')
  await expect(total.nth(1)).toHaveText(await volume.innerText())
  await expect(total.nth(2)).toHaveText(await page.getByTestId('kpi-finished').innerText())
  // Every month of the trend has cases (the five before this one from the demo history).
  const monthVolumes = await trend.locator('.trend-table tbody tr', { has: page.getByTestId('trend-month') }).evaluateAll((trs) => trs.map((tr) => Number(tr.querySelectorAll('td')[1]!.textContent)))
  expect(monthVolumes.slice(0, 5).every((n) => n > 0), monthVolumes.join(',')).toBe(true)
  // Departments named in full in the table (and on the charts' axis).
  await expect(page.locator('.figures')).toContainText('示范县人力资源和社会保障局')
  await shot('管理员：效能监察（近6个月，数字一致）')
  await page.getByText('按事项', { exact: true }).click()
  await expect(page.getByRole('heading', { name: '按事项办件量' })).toBeVisible()
  await expect(total.nth(1)).toHaveText(await volume.innerText())

  await page.setViewportSize({ width: 390, height: 844 })
  await expect(page.getByTestId('kpi-volume')).toBeVisible()
  await shot('管理员：手机上的效能监察')
})

test('a department admin keeps the stock opinions; a reviewer picks the new one on a work item', async ({ page, request, newVisitor, shot }) => {
  test.setTimeout(180_000)
  const caseNo = await foodCase(request, `常用意见${Math.floor(Math.random() * 1e6)}`)
  await login(page, 'deptadmin-amr', DEMO_PASSWORD)
  await page.getByTestId('console-sidebar').getByRole('link', { name: '常用意见', exact: true }).click()
  await expect(page).toHaveURL(/\/admin\/stock-opinions$/)
  await expectConsole(page, '常用意见')
  const source = page.getByTestId('opinions-source')
  const kept = source.locator('.el-tag')
  await expect(kept).toHaveText(/^(系统默认|本部门维护)$/)
  if ((await kept.innerText()).trim() === '本部门维护') {
    // Left over from an earlier attempt: start from the defaults.
    await source.getByRole('button', { name: '恢复默认' }).click()
    await page.getByRole('dialog').getByRole('button', { name: '恢复默认' }).click()
  }
  await expect(kept).toHaveText('系统默认')

  await page.getByRole('tab', { name: /^不予许可/ }).click()
  const deny = page.locator('ol[data-action="deny"] [data-testid="stock-opinion"]')
  const count = await deny.count()
  expect(count).toBeGreaterThan(0)
  const input = page.getByRole('textbox', { name: '新增不予许可意见' })
  const addForm = page.locator('form.add', { has: input })
  // Empty, then the same as the first: refused by the API, shown at the field.
  await addForm.getByRole('button', { name: '添加' }).click()
  await expect(addForm.locator('.el-form-item__error')).toHaveText(`第 ${count + 1} 条意见内容为空，请填写或删除该条`)
  const firstPhrase = (await deny.first().locator('.text').innerText()).trim()
  await input.fill(firstPhrase)
  await addForm.getByRole('button', { name: '添加' }).click()
  await expect(addForm.locator('.el-form-item__error')).toHaveText(`第 ${count + 1} 条意见与第 1 条相同`)
  await expect(addForm.locator('.el-form-item__error')).toBeInViewport() // not clipped by the tabs
  await shot('部门管理员：与已有常用意见重复被退回', page, { fullPage: false })
  await expect(kept).toHaveText('系统默认') // nothing was stored

  // Added at the end, moved up one, then edited.
  await input.fill('经现场核查，经营场所卫生条件不符合要求，不予许可。')
  await addForm.getByRole('button', { name: '添加' }).click()
  await expect(deny).toHaveCount(count + 1)
  await expect(deny.last()).toContainText('经现场核查，经营场所卫生条件不符合要求，不予许可。')
  await expect(kept).toHaveText('本部门维护')
  await expect(source).toContainText('更新')
  await page.getByRole('button', { name: `上移第 ${count + 1} 条` }).click()
  await expect(deny.nth(count - 1)).toContainText('经现场核查，经营场所卫生条件不符合要求')
  await page.getByRole('button', { name: `编辑第 ${count} 条` }).click()
  const phrase = '经现场核查，经营场所卫生条件不符合食品安全要求，不予许可。'
  await page.getByRole('textbox', { name: `修改第 ${count} 条意见` }).fill(phrase)
  await page.getByRole('button', { name: '保存', exact: true }).click()
  await expect(deny.nth(count - 1).locator('.text')).toHaveText(phrase)
  await expect(page.locator('.el-message')).toHaveCount(0) // the confirmations faded
  await shot('部门管理员：新增、上移并修改后的常用意见', page, { fullPage: false })

  // The reviewer finds it among the stock opinions for 不予许可 and picks it.
  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-amr', DEMO_PASSWORD)
  await reviewer.goto(`/review/${caseNo}`)
  await reviewer.getByRole('radiogroup', { name: '办理结果' }).getByText('不予许可').click()
  const stock = reviewer.getByTestId('stock-opinions')
  await expect(stock.getByRole('button')).toHaveCount(count + 1)
  await expect(stock.getByRole('button').nth(count - 1)).toHaveText(phrase)
  await stock.getByRole('button', { name: phrase }).click()
  await expect(reviewer.locator('#action-opinion')).toHaveValue(phrase)
  await stock.scrollIntoViewIfNeeded()
  await shot('审批人员：选用部门管理员新增的常用意见', reviewer, { fullPage: false })

  // On a phone the page fits the screen; the admin deletes the phrase, then goes back to the defaults.
  await page.setViewportSize({ width: 390, height: 844 })
  await expect(deny).toHaveCount(count + 1)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow, 'the stock opinions page is wider than the screen').toBeLessThanOrEqual(1)
  await shot('部门管理员：手机上的常用意见', page, { fullPage: false })
  await page.getByRole('button', { name: `删除第 ${count} 条` }).click()
  await page.getByRole('dialog').getByRole('button', { name: '删除' }).click()
  await expect(deny).toHaveCount(count)
  await expect(page.locator('ol[data-action="deny"]')).not.toContainText(phrase)
  await source.getByRole('button', { name: '恢复默认' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '恢复默认' }).click()
  await expect(kept).toHaveText('系统默认')
})
