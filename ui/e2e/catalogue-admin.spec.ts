/**
 * 事项管理 and 清单管理: an administrator creates a draft item, sees the API's refusal at the
 * field, fixes it, publishes it (the public catalogue shows it), edits it into a second version and
 * reads the difference, and retires it with a reason; drafts and retired items made elsewhere are
 * listed by status; the .xlsx import templates download with the token; an .xlsx import with a bad
 * row is refused row by row and applies nothing, a good one applies; a department compiles a list
 * draft, edits it, submits it, an administrator publishes it and the difference between versions is
 * shown; a department admin of another department is refused.
 */
import { readFileSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { labelViolations } from './axe'
import { choose, DEMO_PASSWORD, login, openNav } from './flows'

const AMR = '示范县市场监督管理局'

/** A fresh four-digit serial, so that runs on one platform do not collide. */
function serial(from: number): string {
  return String(from + Math.floor(Math.random() * 999)).padStart(4, '0')
}

// ---- a minimal .xlsx (Office Open XML: a zip of five XML parts, strings inline, stored uncompressed)

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function columnName(index: number): string {
  let name = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name
  return name
}

function zip(files: Record<string, string>): Buffer {
  const parts: Buffer[] = []
  const directory: Buffer[] = []
  let offset = 0
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text, 'utf8')
    const fileName = Buffer.from(name, 'utf8')
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6) // names in UTF-8
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(fileName.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(fileName.length, 28)
    central.writeUInt32LE(offset, 42)
    parts.push(local, fileName, data)
    directory.push(central, fileName)
    offset += local.length + fileName.length + data.length
  }
  const central = Buffer.concat(directory)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(Object.keys(files).length, 8)
  end.writeUInt16LE(Object.keys(files).length, 10)
  end.writeUInt32LE(central.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...parts, central, end])
}

function xlsx(rows: string[][]): Buffer {
  const sheet = rows
    .map((cells, r) => `<row r="${r + 1}">${cells.map((c, i) => `<c r="${columnName(i)}${r + 1}" t="inlineStr"><is><t>${escapeXml(c)}</t></is></c>`).join('')}</row>`)
    .join('')
  const xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
  return zip({
    '[Content_Types].xml': `${xml}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    '_rels/.rels': `${xml}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `${xml}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${rel}"><sheets><sheet name="事项" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `${xml}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    'xl/worksheets/sheet1.xml': `${xml}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${sheet}</sheetData></worksheet>`,
  })
}

const COLUMNS = ['code', 'name', 'item_type', 'department_code', 'legal_basis', 'statutory_days', 'committed_days', 'fee_amount', 'fee_basis', 'online_depth', 'channels', 'audience', 'themes', 'keywords', 'description', 'materials']

function itemRow(code: string, name: string, department: string, changes: Partial<Record<string, string>> = {}): string[] {
  const row: Record<string, string> = {
    code,
    name,
    item_type: code.split('-')[2] === 'GG' ? 'public_service' : 'licensing',
    department_code: department,
    legal_basis: '《药品管理法》第五十一条',
    statutory_days: '20',
    committed_days: '10',
    fee_amount: '',
    fee_basis: '',
    online_depth: 'at_most_one_visit',
    channels: 'online;window',
    audience: 'entity',
    themes: '',
    keywords: '药店;药品',
    description: '',
    materials: 'SQB|申请表|electronic|required|;YYZZ|营业执照|electronic|required|business_license',
    ...changes,
  }
  return COLUMNS.map((c) => row[c] ?? '')
}

// ---- steps

async function pick(page: Page, combobox: string, option: string): Promise<void> {
  await choose(page, page.getByRole('combobox', { name: combobox }), option, { exact: true })
}

/** An Element Plus table by its accessible name (the aria-label on its root). */
function table(page: Page, name: string) {
  return page.locator(`.el-table[aria-label="${name}"]`)
}

function formItem(page: Page, label: string) {
  return page.locator('.el-form-item', { has: page.locator('.el-form-item__label', { hasText: label }) }).first()
}

async function confirm(page: Page, button: string): Promise<void> {
  const box = page.locator('.el-message-box')
  await expect(box).toBeVisible()
  await box.getByRole('button', { name: button }).click()
  await expect(box).toBeHidden()
}

async function apiToken(request: import('@playwright/test').APIRequestContext, username: string): Promise<Record<string, string>> {
  const token = await request.post('/api/v1/auth/token', { form: { grant_type: 'password', username, password: DEMO_PASSWORD } })
  expect(token.ok()).toBeTruthy()
  return { Authorization: `Bearer ${(await token.json()).access_token}` }
}

test('an administrator creates a draft item, fixes what the API refuses, publishes, revises and retires it', async ({ page, shot, newVisitor }) => {
  const code = `330122-AMR-XK-${serial(5000)}`
  const name = `户外招牌设置备案${code.slice(-4)}`
  await login(page, 'admin', DEMO_PASSWORD)
  await openNav(page, '事项管理')
  await expect(page.getByRole('heading', { name: '事项管理' })).toBeVisible()
  await expect(page.getByTestId('item-status').first()).toBeVisible()
  await shot('事项管理列表')

  await page.getByRole('link', { name: '新建事项' }).click()
  // The client checks first: an empty form names its required fields.
  await page.getByRole('button', { name: '保存草稿' }).click()
  await expect(formItem(page, '事项编码')).toContainText('请填写事项编码')
  await expect(formItem(page, '服务对象')).toContainText('至少选择一类服务对象')

  // An existing code passes every client check; the API refuses it at the code.
  await page.getByLabel('事项编码').fill('330122-AMR-XK-0001')
  await page.getByLabel('事项名称').fill(name)
  await pick(page, '事项类型', '行政许可')
  await pick(page, '实施部门', AMR)
  await page.getByLabel('设定依据').fill('《城市市容和环境卫生管理条例》第十一条')
  await page.locator('label.el-checkbox', { hasText: '法人' }).click()
  await page.getByLabel('法定办结时限（工作日）').fill('20')
  await page.getByLabel('承诺办结时限（工作日）').fill('5')
  await page.locator('label.el-radio', { hasText: /^收费$/ }).click()
  await page.getByLabel('收费金额（元）').fill('50.00')
  await page.getByLabel('收费依据').fill('浙价费〔2020〕1号')
  await page.getByRole('button', { name: '添加材料' }).click()
  await page.getByLabel('第1项材料·材料编码').fill('SQB')
  await page.getByLabel('第1项材料·材料名称').fill('申请表')
  await page.getByRole('button', { name: '添加材料' }).click()
  await page.getByLabel('第2项材料·材料编码').fill('XGT')
  await page.getByLabel('第2项材料·材料名称').fill('广告设计效果图')
  await pick(page, '第2项材料·材料形式', '复印件')
  await page.getByRole('button', { name: '添加字段' }).click()
  await page.getByLabel('第1个字段·字段名').fill('location')
  await page.getByLabel('第1个字段·显示名称').fill('设置地点')
  await page.getByRole('button', { name: '保存草稿' }).click()
  await expect(formItem(page, '事项编码')).toContainText('事项 330122-AMR-XK-0001 已存在')
  await shot('接口拒绝：事项编码已存在')

  await page.getByLabel('事项编码').fill(code)
  await page.getByRole('button', { name: '保存草稿' }).click()
  await expect(page).toHaveURL(new RegExp(`/admin/catalogue/items/${code}$`))
  await expect(page.getByTestId('latest-status')).toHaveText('草稿 · 第 1 版')
  await expect(table(page, '申请材料')).toContainText('广告设计效果图')
  await shot('草稿已保存')

  // Not public while a draft.
  const visitor = await newVisitor()
  await visitor.goto(`/items?q=${code}`)
  await expect(visitor.getByTestId('result-count')).toHaveText('（共 0 项）')

  await page.getByRole('button', { name: '发布', exact: true }).click()
  await confirm(page, '发布')
  await expect(page.getByTestId('latest-status')).toHaveText('已发布 · 第 1 版')
  await shot('已发布')

  await visitor.goto(`/items?q=${code}`)
  await expect(visitor.getByTestId('result-count')).toHaveText('（共 1 项）')
  await expect(visitor.locator('.card-list')).toContainText(name)
  await shot('公众办事指南可查到', visitor)

  // A second version: the published one stays until the draft is published.
  await page.getByRole('button', { name: '修改（新版本）' }).click()
  await expect(page.getByRole('heading', { name: /修改事项（新版本）/ })).toBeVisible()
  await page.getByLabel('事项名称').fill(`${name}（修订）`)
  await page.getByLabel('承诺办结时限（工作日）').fill('3')
  await page.getByRole('button', { name: '删除第2项材料' }).click()
  await page.getByRole('button', { name: '保存草稿' }).click()
  await expect(page.getByTestId('latest-status')).toHaveText('草稿 · 第 2 版')
  const diff = page.getByTestId('item-diff')
  await expect(diff.locator('tr', { hasText: '事项名称' })).toContainText(`${name}（修订）`)
  await expect(diff.locator('tr', { hasText: '承诺办结时限' })).toContainText('5 个工作日')
  await expect(diff.locator('tr', { hasText: '申请材料 XGT' })).toContainText('—（删除）')
  await shot('第2版草稿与第1版的差异')

  await page.getByRole('button', { name: '发布', exact: true }).click()
  await confirm(page, '发布')
  await expect(page.getByTestId('latest-status')).toHaveText('已发布 · 第 2 版')
  await expect(table(page, '版本记录')).toContainText('已被新版本替代')
  await visitor.goto(`/items/${code}`)
  await expect(visitor.getByRole('heading', { name: `${name}（修订）` })).toBeVisible()

  // Retiring asks why: the reason is required and shown with who and when.
  await page.getByRole('button', { name: '停用' }).click()
  const dialog = page.getByRole('dialog', { name: '确认停用' })
  await dialog.getByRole('button', { name: '停用' }).click()
  await expect(dialog.locator('.el-form-item', { hasText: '停用原因' }).locator('.el-form-item__error')).toHaveText('请填写停用原因')
  await shot('停用须填写原因')
  const reason = `已并入“户外招牌设置许可”，请按新事项申请（${code.slice(-4)}）`
  await dialog.getByLabel('停用原因').fill(reason)
  await dialog.getByRole('button', { name: '停用' }).click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('latest-status')).toHaveText('已停用 · 第 2 版')
  await expect(page.getByTestId('retirement')).toContainText(`停用原因：${reason}`)
  await expect(page.getByTestId('version-retirement')).toContainText(reason)
  await expect(page.getByTestId('version-retirement')).toContainText('（')
  await shot('已停用')
  await visitor.goto(`/items?q=${code}`)
  await expect(visitor.getByTestId('result-count')).toHaveText('（共 0 项）')
  // An old link's API answer says it was retired, when and why (not by whom).
  const gone = await visitor.request.get(`/api/v1/items/${code}`)
  expect(gone.status()).toBe(410)
  const problem = await gone.json()
  expect(problem.code).toBe('item_retired')
  expect(problem.retirement.reason).toBe(reason)
  expect(problem.retirement.by).toBeUndefined()
  // A citizen following the old link reads that, not an error.
  await visitor.goto(`/items/${code}`)
  const notice = visitor.getByTestId('item-retired')
  await expect(notice).toContainText('该事项已停止办理')
  await expect(notice).toContainText(`停办原因：${reason}`)
  await expect(notice.getByRole('link', { name: '办事指南' })).toBeVisible()
  await shot('旧链接：事项已停止办理', visitor)

  // The workbench lists it under 已停用.
  await page.goto('/admin/catalogue?status=retired')
  await expect(table(page, '事项')).toContainText(code)
  await shot('已停用事项')
})

test('the workbench lists drafts and retired items it has never opened, from the API', async ({ page, shot, request, newVisitor }) => {
  // Made through the API only: this browser has never seen them.
  const headers = await apiToken(request, 'admin')
  const prefix = `330122-PSB-XK-${serial(6000).slice(0, 3)}`
  const draft = `${prefix}1`
  const retired = `${prefix}2`
  const body = (code: string, name: string) => ({
    code,
    name,
    item_type: 'licensing',
    department_code: 'psb',
    legal_basis: '《中华人民共和国治安管理处罚法》',
    statutory_days: 20,
    committed_days: 10,
    audience: ['entity'],
  })
  for (const [code, name] of [[draft, `旅馆业特种行业许可草稿${prefix.slice(-3)}`], [retired, `印章刻制业许可旧版${prefix.slice(-3)}`]] as const) {
    const created = await request.post('/api/v1/items', { headers, data: body(code, name) })
    // A code may be taken by an earlier run: a fresh serial next time.
    expect(created.status(), await created.text()).toBe(201)
  }
  expect((await request.post(`/api/v1/items/${retired}/publish`, { headers })).ok()).toBeTruthy()
  const retiredAnswer = await request.post(`/api/v1/items/${retired}/retire`, { headers, data: { reason: '行业许可改为备案管理' } })
  expect(retiredAnswer.ok(), await retiredAnswer.text()).toBeTruthy()

  await login(page, 'admin', DEMO_PASSWORD)
  await page.goto(`/admin/catalogue?q=${prefix}`)
  const rows = table(page, '事项').locator('tbody tr')
  await expect(rows).toHaveCount(2)
  await expect(rows.filter({ hasText: draft }).getByTestId('item-status')).toHaveText('草稿 · 第 1 版')
  await expect(rows.filter({ hasText: retired }).getByTestId('item-status')).toHaveText('已停用 · 第 1 版')
  await expect(page.getByText('本浏览器')).toHaveCount(0) // the old caveat is gone
  await shot('草稿与已停用事项')

  await pick(page, '状态', '草稿（新事项或待发布的修改）')
  await expect(page).toHaveURL(/status=draft/)
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText(draft)
  await expect(rows.first().getByRole('button', { name: /^发布：/ })).toBeVisible()
  await pick(page, '状态', '已停用')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText(retired)
  await expect(rows.first().getByRole('button', { name: /^修改（新版本）：/ })).toBeVisible()
  await shot('按状态筛选：已停用')

  // A department admin of another department lists their own department's items only.
  const amrPage = await newVisitor()
  await login(amrPage, 'deptadmin-amr', DEMO_PASSWORD)
  await amrPage.goto(`/admin/catalogue?q=${prefix}`)
  await expect(table(amrPage, '事项')).toContainText('没有找到事项')
})

test('an .xlsx import with a bad row is refused row by row and applies nothing; a good one applies', async ({ page, shot }) => {
  const first = `330122-AMR-XK-${serial(6000)}`
  const second = `330122-PSB-GG-${serial(6000)}`
  const good = [COLUMNS, itemRow(first, '药品零售企业许可', 'amr'), itemRow(second, '户籍证明开具', 'psb', { audience: 'person' })]
  const bad = [...good, itemRow(`330122-AMR-XK-${serial(7000)}`, '坏行', 'amr', { statutory_days: 'abc', legal_basis: '' })]

  await login(page, 'admin', DEMO_PASSWORD)
  await page.goto('/admin/catalogue')
  await page.getByRole('link', { name: '批量导入' }).click()
  await expect(page.getByRole('heading', { name: '批量导入事项' })).toBeVisible()
  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: '下载导入模板（CSV）' }).click()
  const template = await download
  expect(template.suggestedFilename()).toBe('事项导入模板.csv')
  // The template's header is the columns the API reads, by their Chinese names (the API reads those and the keys).
  expect(readFileSync(await template.path(), 'utf8').split('\r\n')[0]).toBe('\ufeff事项编码,事项名称,事项类型,实施部门,设定依据,法定办结时限,承诺办结时限,收费金额,收费依据,网办深度,办理渠道,服务对象,主题,关键词,事项说明,申请材料')

  await page.locator('#import-file').setInputFiles({ name: 'items-bad.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx(bad) })
  await page.getByRole('button', { name: '导入', exact: true }).click()
  const result = page.getByTestId('import-result')
  await expect(result).toContainText('未导入任何事项（共 3 行，2 行无误）')
  const problems = page.getByTestId('import-problems')
  // The API's own Chinese: the row, the column by the template's name, what is wrong.
  await expect(problems.locator('tr', { hasText: '法定办结时限' })).toContainText('第 4 行“法定办结时限”列：应为整数')
  await expect(problems.locator('tr', { hasText: '设定依据' })).toContainText('第 4 行“设定依据”列：必填，不能为空')
  await shot('导入被拒绝：逐行原因')

  // Nothing applied: the good rows' codes are unknown.
  await page.goto(`/admin/catalogue?q=${first}`)
  await expect(table(page, '事项')).toContainText('没有找到事项')

  await page.goto('/admin/catalogue/import')
  await page.locator('#import-file').setInputFiles({ name: 'items.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx(good) })
  await page.getByRole('button', { name: '只检查，不导入' }).click()
  await expect(page.getByTestId('import-result')).toContainText('检查通过：2 行均可导入（尚未导入）')
  await page.getByRole('button', { name: '导入', exact: true }).click()
  await expect(page.getByTestId('import-result')).toContainText('已导入 2 个事项，均为草稿')
  await shot('导入成功')

  await page.getByRole('link', { name: first }).click()
  await expect(page.getByTestId('latest-status')).toHaveText('草稿 · 第 1 版')
  await expect(table(page, '申请材料')).toContainText('business_license')
  await page.goto('/admin/catalogue?status=draft')
  await expect(table(page, '事项')).toContainText(first)
  await expect(table(page, '事项')).toContainText(second)
  await shot('草稿事项')
})

test('the .xlsx import templates are fetched with the token and saved as files', async ({ page, shot }) => {
  await login(page, 'deptadmin-amr', DEMO_PASSWORD)
  for (const [path, heading] of [['/admin/catalogue/import', '批量导入事项'], ['/admin/lists?type=power', '清单管理']] as const) {
    await page.goto(path)
    await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible()
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: '下载导入模板', exact: true }).click()
    const template = await download
    expect(template.suggestedFilename()).toMatch(/\.xlsx$/)
    // A workbook (a zip archive), not a problem+json refusal saved under that name.
    expect(readFileSync(await template.path()).subarray(0, 4).toString('latin1')).toBe('PK\x03\x04')
    await expect(page.getByRole('alert')).toHaveCount(0)
    await shot(`${heading}：下载导入模板`)
  }
})

test('a department compiles, edits and submits a list; an administrator publishes it and reads the difference', async ({ page, shot, newVisitor }) => {
  const tag = serial(100)
  await login(page, 'deptadmin-amr', DEMO_PASSWORD)
  await openNav(page, '清单管理')
  await page.getByRole('tab', { name: '责任清单' }).click()
  await expect(page).toHaveURL(/type=responsibility/)
  await page.getByRole('link', { name: '编制新草稿' }).click()
  await expect(page.getByRole('heading', { name: '编制责任清单草稿' })).toBeVisible()
  await page.getByLabel('第1条·编码').fill(`ZR-${tag}-01`)
  await page.getByLabel('第1条·名称').fill('食品经营许可的审查责任')
  await page.getByLabel('第1条·类别').fill('行政许可')
  await page.getByLabel('第1条·依据').fill('《中华人民共和国食品安全法》第三十五条')
  await page.getByRole('button', { name: '添加条目' }).click()
  await page.getByLabel('第2条·编码').fill(`ZR-${tag}-01`)
  await page.getByLabel('第2条·名称').fill('个体工商户登记的审查责任')
  await page.getByRole('button', { name: '保存草稿' }).click()
  // Checked as the API checks: a code twice, a missing basis.
  await expect(page.locator('[data-testid="entry-row"]').nth(1)).toContainText(`编码 ZR-${tag}-01 重复出现`)
  await expect(page.locator('[data-testid="entry-row"]').nth(1)).toContainText('请填写依据')
  await page.getByLabel('第2条·编码').fill(`ZR-${tag}-02`)
  await page.getByLabel('第2条·依据').fill('《促进个体工商户发展条例》第八条')
  await page.getByRole('button', { name: '保存草稿' }).click()
  await expect(page).toHaveURL(/\/admin\/lists\?type=responsibility/)
  const versions = table(page, '清单版本')
  const v1 = versions.locator('tr', { hasText: '第 1 版' })
  await expect(v1).toContainText('草稿')

  // Edit the draft: the next draft starts from it.
  await page.getByRole('button', { name: `编制新草稿：第1版（${AMR}）` }).click()
  await expect(page.getByLabel('第2条·名称')).toHaveValue('个体工商户登记的审查责任')
  await page.getByLabel('第1条·依据').fill('《中华人民共和国食品安全法》第三十五条、第三十六条')
  await page.getByRole('button', { name: '删除第2条' }).click()
  await page.getByRole('button', { name: '添加条目' }).click()
  await page.getByLabel('第2条·编码').fill(`ZR-${tag}-03`)
  await page.getByLabel('第2条·名称').fill('药品经营许可的审查责任')
  await page.getByLabel('第2条·依据').fill('《中华人民共和国药品管理法》第五十一条')
  await page.getByLabel('修订说明（选填）').fill('调整依据，增加药品经营')
  await page.getByRole('button', { name: '保存草稿' }).click()
  const v2 = versions.locator('tr', { hasText: '第 2 版' })
  await expect(v2).toContainText('草稿')
  // A department admin submits; only administrators publish.
  await expect(v2.getByRole('button', { name: /^发布/ })).toHaveCount(0)
  await v2.getByRole('button', { name: /^报审/ }).click()
  await confirm(page, '报审')
  await expect(v2).toContainText('已报审')
  await shot('部门管理员：草稿已报审')

  const admin = await newVisitor()
  await login(admin, 'admin', DEMO_PASSWORD)
  await admin.goto('/admin/lists?type=responsibility&department=amr')
  const adminVersions = table(admin, '清单版本')
  await adminVersions.locator('tr', { hasText: '第 2 版' }).getByRole('button', { name: /^发布/ }).click()
  const dialog = admin.getByRole('dialog', { name: '发布清单' })
  await dialog.getByLabel('生效日期').fill('2027-01-01')
  await dialog.getByRole('button', { name: '确认发布' }).click()
  await expect(adminVersions.locator('tr', { hasText: '第 2 版' })).toContainText('已发布')
  await expect(admin.getByTestId('in-force')).toContainText(`${AMR} 第 2 版（2027-01-01 起生效，2 条）`)
  await shot('管理员：已发布', admin)

  await adminVersions.locator('tr', { hasText: '第 2 版' }).getByRole('button', { name: /^比较第2版与上一版/ }).click()
  const diff = admin.getByTestId('list-diff')
  await expect(diff.locator('tr', { hasText: '依据' })).toContainText('第三十五条、第三十六条')
  await expect(diff.locator('tr', { hasText: `ZR-${tag}-02` })).toContainText('删除')
  await expect(diff.locator('tr', { hasText: `ZR-${tag}-03` })).toContainText('新增')
  await shot('管理员：版本差异', admin)

  // The public lists page shows the published version.
  await admin.goto('/lists?type=responsibility')
  await expect(admin.locator('.list-table')).toContainText('药品经营许可的审查责任')
})

test('a list import with a bad row applies nothing; a good one makes a draft', async ({ page, shot }) => {
  const header = ['code', 'name', 'category', 'basis', 'content', 'amount']
  const good = ['ZJ-01', '职业技能鉴定服务', '中介服务', '《职业技能鉴定规定》第十条', '技能等级评价', '']
  await login(page, 'deptadmin-hrss', DEMO_PASSWORD)
  await page.goto('/admin/lists?type=intermediary')
  await expect(page.getByRole('tab', { name: '中介服务清单', selected: true })).toBeVisible()
  await expect(table(page, '清单版本')).toContainText('暂无中介服务清单的版本')
  await page.locator('#list-import-file').setInputFiles({ name: 'bad.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx([header, good, ['ZJ-02', '', '中介服务', '', '', '']]) })
  await page.getByRole('button', { name: '导入为草稿' }).click()
  const result = page.getByTestId('list-import-result')
  await expect(result).toContainText('未导入任何条目（共 2 行）')
  await expect(result.locator('tr', { hasText: '“名称”列' })).toContainText('第 3 行“名称”列：必填，不能为空')
  await expect(result.locator('tr', { hasText: '“依据”列' })).toContainText('第 3 行“依据”列：必填，不能为空')
  await expect(table(page, '清单版本')).toContainText('暂无中介服务清单的版本')
  await shot('清单导入被拒绝')

  await page.locator('#list-import-file').setInputFiles({ name: 'good.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx([header, good]) })
  await page.getByRole('button', { name: '导入为草稿' }).click()
  await expect(result).toContainText('已导入 1 条，生成草稿 第 1 版')
  await expect(table(page, '清单版本').locator('tr', { hasText: '第 1 版' })).toContainText('草稿')
  await table(page, '清单版本').getByRole('button', { name: /^查看第1版/ }).click()
  await expect(page.getByTestId('version-entries')).toContainText('职业技能鉴定服务')
  await shot('清单导入为草稿')

  // A draft no longer wanted is deleted (after a confirmation); nothing of it is left.
  await table(page, '清单版本').getByRole('button', { name: /^删除草稿：第1版/ }).click()
  await page.getByRole('dialog', { name: '确认删除草稿' }).getByRole('button', { name: '删除' }).click()
  await expect(table(page, '清单版本')).toContainText('暂无中介服务清单的版本')
  await expect(page.getByTestId('version-entries')).toHaveCount(0)
  await shot('删除清单草稿')
})

test('a department admin of another department is refused', async ({ page, shot, request, newVisitor }) => {
  // An amr item the administrator made through the API: published, with its next version pending
  // as a draft; and a new amr item that is a draft only.
  const code = `330122-AMR-XK-${serial(8000)}`
  const newDraft = `330122-AMR-XK-${serial(4000)}`
  const headers = await apiToken(request, 'admin')
  const item = {
    code,
    name: '市场监管部门的事项',
    item_type: 'licensing',
    department_code: 'amr',
    legal_basis: '《行政许可法》',
    statutory_days: 20,
    committed_days: 10,
    audience: ['entity'],
  }
  expect((await request.post('/api/v1/items', { headers, data: item })).status()).toBe(201)
  expect((await request.post(`/api/v1/items/${code}/publish`, { headers })).status()).toBe(200)
  const pending = await request.put(`/api/v1/items/${code}/draft`, { headers, data: { ...item, name: '市场监管部门的事项（修订草稿）' } })
  expect(pending.status()).toBe(200)
  expect((await request.post('/api/v1/items', { headers, data: { ...item, code: newDraft, name: '市场监管部门的新草稿' } })).status()).toBe(201)

  await login(page, 'deptadmin-psb', DEMO_PASSWORD)
  // Another department's drafts are its work in progress: neither the new draft nor the pending version shows.
  await page.goto(`/admin/catalogue?q=${newDraft}`)
  await expect(table(page, '事项')).toContainText('没有找到事项')
  await page.goto(`/admin/catalogue/items/${code}`)
  await expect(page.getByText(`该事项属于${AMR}，您只能查看，不能修改、发布或停用。`)).toBeVisible()
  await expect(page.getByRole('heading', { name: '市场监管部门的事项' })).toBeVisible()
  await expect(page.getByText('市场监管部门的事项（修订草稿）')).toHaveCount(0)
  await expect(page.getByRole('button', { name: '发布', exact: true })).toHaveCount(0)
  await page.goto(`/admin/catalogue/items/${code}/edit`)
  await expect(page.getByText(`该事项属于${AMR}，您只能修改本部门的事项。`)).toBeVisible()
  await expect(page.getByRole('button', { name: '保存草稿' })).toHaveCount(0)
  await shot('其他部门的事项：只读')

  // The API refuses an import row of another department, and applies nothing.
  await page.goto('/admin/catalogue/import')
  const own = `330122-PSB-GG-${serial(8000)}`
  const rows = [COLUMNS, itemRow(own, '本部门事项', 'psb'), itemRow(`330122-AMR-XK-${serial(9000)}`, '他部门事项', 'amr')]
  await page.locator('#import-file').setInputFiles({ name: 'mixed.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx(rows) })
  await page.getByRole('button', { name: '导入', exact: true }).click()
  const refused = page.getByTestId('import-problems').locator('tr', { hasText: '第 3 行' })
  await expect(refused).toContainText('实施部门')
  await expect(refused).toContainText('第 3 行“实施部门”列：部门管理员只能导入本部门的事项')
  await expect(page.getByTestId('import-result')).toContainText('未导入任何事项')
  await shot('导入其他部门的事项被拒绝')

  // The lists: a department admin sees no other department's drafts and cannot publish.
  await page.goto('/admin/lists?type=power')
  await expect(page.getByRole('combobox', { name: '部门' })).toHaveCount(0)
  await expect(table(page, '清单版本').getByRole('button', { name: /^发布/ })).toHaveCount(0)

  // Other staff do not reach the workbench at all.
  const clerk = await newVisitor()
  await login(clerk, 'clerk', DEMO_PASSWORD)
  await clerk.goto('/admin/catalogue')
  await expect(clerk).toHaveURL(/\/forbidden/)
  await expect(clerk.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '事项管理' })).toHaveCount(0)
})

test('every control of the catalogue workbench has an accessible name', async ({ page }) => {
  const problems: string[] = []
  await login(page, 'admin', DEMO_PASSWORD)
  const pages: [string, () => Promise<unknown>][] = [
    ['/admin/catalogue', () => page.getByTestId('item-status').first().waitFor()],
    ['/admin/catalogue/new', async () => {
      await page.getByRole('button', { name: '添加材料' }).click()
      await page.getByRole('button', { name: '添加字段' }).click()
      await page.locator('label.el-radio', { hasText: /^收费$/ }).click()
    }],
    ['/admin/catalogue/import', () => page.locator('main h1').first().waitFor()],
    ['/admin/catalogue/items/330122-AMR-XK-0002', () => page.getByTestId('latest-status').waitFor()],
    ['/admin/catalogue/items/330122-AMR-XK-0002/edit', () => page.getByLabel('第1项材料·材料编码').waitFor()],
    ['/admin/lists?type=fee', () => page.getByTestId('in-force').waitFor()],
    ['/admin/lists/fee/draft?department=amr', () => page.getByLabel('第1条·编码').waitFor()],
  ]
  for (const [path, ready] of pages) {
    await page.goto(path)
    await page.locator('main h1').first().waitFor()
    await ready()
    problems.push(...(await labelViolations(page)))
  }
  expect(problems).toEqual([])
})
