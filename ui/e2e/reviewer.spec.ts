/**
 * 审批工作台 of 示范县市场监督管理局: a reviewer (reviewer-amr) approves a 食品经营许可 case and
 * denies a 个体工商户设立登记 case after reading the rule's explanation (the default one-step
 * chain); a case under a three-step chain goes 承办 → 审核 → 批准 through handler-amr,
 * reviewer-amr and approver-amr, with one send-back whose reason the handler sees and a stale
 * screen refused by the API; and an overdue case carries the red mark in the work list.
 *
 * The tests run in parallel with the other files, which file cases for the demo items and count
 * the public catalogue. So a scenario that needs an item configured otherwise (a review chain, a
 * process) does not touch a demo item: it copies one under a code of its own (see `ownItem`), and
 * the copy is public only for the moment its case is filed (see `fileWhilePublished`).
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { APIRequestContext, Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { labelViolations } from './axe'
import { apply, DEMO_PASSWORD, ITEM_INSTANT, ITEM_REVIEWED, login, newPerson, registerAtL2, registerPerson } from './flows'
import { newPhone, newResidentId } from './identities'

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n')
// The 8-byte PNG signature and an IHDR chunk: enough for the bytes to say "PNG".
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex')
const FOOD_FORM = { business_name: '张敏小吃店', business_address: '示范县解放路12号', food_category: '热食类食品制售', floor_area: 36 }

async function token(request: APIRequestContext, username: string, password = DEMO_PASSWORD): Promise<string> {
  const response = await request.post('/api/v1/auth/token', { form: { grant_type: 'password', username, password } })
  expect(response.ok(), await response.text()).toBeTruthy()
  return ((await response.json()) as { access_token: string }).access_token
}

const bearer = (t: string): Record<string, string> => ({ Authorization: `Bearer ${t}` })

/** A new applicant's token (registered through the API). */
async function newApplicant(request: APIRequestContext, name: string): Promise<string> {
  const password = 'secret-123456'
  const idNumber = newResidentId()
  const registered = await request.post('/api/v1/auth/register', { data: { account_type: 'person', id_number: idNumber, name, phone: newPhone(), password } })
  expect(registered.ok(), await registered.text()).toBeTruthy()
  return token(request, idNumber, password)
}

/**
 * A new applicant with the application form (申请书) uploaded as a PDF: a function that files a
 * 食品经营许可 case for them through the API (of `itemCode`, 食品经营许可 or a copy of it) and
 * gives its number. Split in two so the filing itself can be timed (see `fileWhilePublished`).
 */
async function foodApplicant(request: APIRequestContext, name: string, itemCode = ITEM_REVIEWED): Promise<() => Promise<string>> {
  const applicant = await newApplicant(request, name)
  const uploaded = await request.post('/api/v1/files', { headers: bearer(applicant), multipart: { file: { name: 'sqs.pdf', mimeType: 'application/pdf', buffer: PDF } } })
  expect(uploaded.ok(), await uploaded.text()).toBeTruthy()
  const { file_id } = (await uploaded.json()) as { file_id: string }
  return async () => {
    const filed = await request.post('/api/v1/cases', {
      headers: bearer(applicant),
      data: { item_code: itemCode, form: { ...FOOD_FORM, business_name: `${name}小吃店` }, materials: [{ code: 'SQS', file_id }] },
    })
    expect(filed.ok(), await filed.text()).toBeTruthy()
    return ((await filed.json()) as { case_no: string }).case_no
  }
}

/**
 * A draft copy of a demo item under a code of its own (`330122-AMR-XK-9nnn` for
 * `330122-AMR-XK-0002`, say): the same department, materials, form fields and time limits, so that
 * it can be given a review chain or a process without changing what the parallel tests file.
 * It has another name and no themes or keywords, so no search of the other tests finds it.
 */
async function ownItem(request: APIRequestContext, manager: string, sourceCode: string, name: string): Promise<string> {
  const read = await request.get(`/api/v1/items/${sourceCode}`)
  expect(read.ok(), await read.text()).toBeTruthy()
  const source = (await read.json()) as Record<string, unknown>
  const fields = ['item_type', 'department_code', 'legal_basis', 'statutory_days', 'committed_days', 'fee', 'materials', 'online_depth', 'channels', 'audience', 'form_fields', 'instant_approval', 'license_type', 'license_name']
  const prefix = sourceCode.slice(0, sourceCode.lastIndexOf('-'))
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const code = `${prefix}-9${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`
    const created = await request.post('/api/v1/items', {
      headers: bearer(manager),
      data: { ...Object.fromEntries(fields.map((f) => [f, source[f]])), code, name: `${name}${code.slice(-4)}`, themes: [], keywords: [], description: '' },
    })
    if (created.status() === 409) continue // the code is taken: another one
    expect(created.status(), await created.text()).toBe(201)
    return code
  }
  throw new Error(`no free code under ${prefix}`)
}

/**
 * Files a case of the item (a draft of `ownItem`) with it published only meanwhile, then retires
 * it: the public catalogue other tests count shows it for a moment only. The case goes on under
 * the version it was filed under; only new cases are refused.
 */
async function fileWhilePublished(request: APIRequestContext, manager: string, code: string, file: () => Promise<string>): Promise<string> {
  const published = await request.post(`/api/v1/items/${code}/publish`, { headers: bearer(manager) })
  expect(published.ok(), await published.text()).toBeTruthy()
  try {
    return await file()
  } finally {
    const retired = await request.post(`/api/v1/items/${code}/retire`, { headers: bearer(manager), data: { reason: '测试事项：办件申报后即停用' } })
    expect(retired.ok(), await retired.text()).toBeTruthy()
  }
}

interface WorkItem {
  chain: unknown[]
  handler: string
  item_version: number
  committed_days: number | null
  clock: { overdue: boolean }
  actions: { by: string; by_username: string | null }[]
  materials: { code: string; paper_received: boolean; paper_received_by: string | null }[]
}

/** Waits until the department's business system holds the case (it arrives by event). */
async function workItem(request: APIRequestContext, staff: string, caseNo: string): Promise<WorkItem> {
  let body: WorkItem | null = null
  await expect
    .poll(async () => {
      const response = await request.get(`/api/v1/work-items/${caseNo}`, { headers: bearer(staff) })
      if (response.ok()) body = await response.json()
      return response.status()
    }, { timeout: 20_000 })
    .toBe(200)
  return body!
}

/** Controls without an accessible name on the page (axe), as in public.spec.ts. */
async function openWorklist(page: Page, username: string): Promise<void> {
  await login(page, username, DEMO_PASSWORD)
  await page.goto('/review')
  await expect(page.getByRole('heading', { name: '审批工作台' })).toBeVisible()
}

async function act(page: Page, choice: string, opinion: string): Promise<void> {
  await page.getByRole('radiogroup', { name: '办理结果' }).getByText(choice, { exact: true }).click()
  await page.locator('#action-opinion').fill(opinion)
  await page.getByRole('button', { name: '提交', exact: true }).click()
  await page.getByRole('dialog').getByRole('button', { name: '确定' }).click()
}

test('a reviewer approves a food business licence and the applicant sees it concluded', async ({ page, shot, newVisitor }) => {
  // At L2: the applicant opens the wallet at the end.
  await registerAtL2(page, '李芳')
  const caseNo = await apply(page, ITEM_REVIEWED, {
    经营者名称: '李芳便利店',
    经营场所: '示范县文化路8号',
    经营项目: '预包装食品销售',
    '经营场所面积（平方米）': '45.5',
  })
  await expect(page.getByTestId('case-status')).toHaveText('审查中')
  await shot('申请人：审查中')

  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-amr', DEMO_PASSWORD)
  await expect(reviewer).toHaveURL(/\/review$/)
  await expect(reviewer.getByRole('link', { name: '审批工作台' })).toBeVisible()
  const row = reviewer.locator(`a[data-case-no="${caseNo}"]`)
  await expect(row).toBeVisible()
  // A fresh case of a 10-working-day item: green, nowhere near the yellow mark.
  const mark = reviewer.locator('.worklist tr', { has: row }).locator('.time-mark')
  await expect(mark).toHaveAttribute('data-level', 'normal')
  await expect(mark).toHaveText(/^剩余 \d+ 个工作日$/)
  await shot('审批人员：待审批办件', reviewer)
  await row.click()

  await expect(reviewer.getByRole('heading', { name: '食品经营许可' })).toBeVisible()
  await expect(reviewer.getByText('李芳便利店')).toBeVisible()
  await expect(reviewer.getByTestId('work-status')).toHaveText('待审批')
  await expect(reviewer.getByTestId('current-step')).toHaveText('当前步骤：批准')
  await expect(reviewer.locator('.materials')).toBeVisible()
  await reviewer.getByRole('radiogroup', { name: '办理结果' }).getByText('准予许可', { exact: true }).click()
  await reviewer.getByLabel('审批意见').fill('经审查，申请材料齐全，经营场所符合食品安全要求，准予许可。')
  await shot('审批人员：填写审批意见', reviewer)
  await reviewer.getByRole('button', { name: '提交', exact: true }).click()
  await reviewer.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(reviewer.getByTestId('work-status')).toHaveText('已准予')
  await expect(reviewer.locator('.history')).toContainText('批准：准予许可')
  await shot('审批人员：已准予', reviewer)

  // The applicant's page follows the case until it concludes.
  await page.getByRole('button', { name: '刷新' }).click()
  await expect(page.getByTestId('case-status')).toHaveText('已办结')
  await expect(page.getByTestId('case-outcome')).toContainText('准予许可')
  await expect(page.getByTestId('case-license-no')).toHaveText(/^AMR-/)
  await shot('申请人：已办结')
  await page.goto('/my/licenses')
  await expect(page.locator('.license-card')).toContainText('食品经营许可证')

  // A window clerk can look the case up by its number.
  const clerk = await newVisitor()
  await login(clerk, 'clerk', DEMO_PASSWORD)
  await expect(clerk).toHaveURL(/\/intake$/)
  await clerk.getByRole('link', { name: '办件查询' }).click()
  await expect(clerk).toHaveURL(/\/staff\/cases$/)
  await clerk.getByLabel('办件编号').fill(caseNo)
  await clerk.getByRole('button', { name: '查询' }).click()
  await expect(clerk.getByTestId('case-status')).toHaveText('已办结')
  await shot('窗口人员：办件查询', clerk)
})

test('a case the decision table sent to review shows why, and a denial reaches the applicant', async ({ page, shot, newVisitor }) => {
  const person = newPerson('王强')
  await registerPerson(page, person)
  const caseNo = await apply(page, ITEM_INSTANT, {
    个体工商户名称: '王强建材经营部',
    经营场所: '示范县工业园区3号',
    经营范围: '建材销售',
    '资金数额（万元）': '500',
  })
  await expect(page.getByTestId('case-status')).toHaveText('审查中')

  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-amr', DEMO_PASSWORD)
  await reviewer.goto(`/review/${caseNo}`)
  await expect(reviewer.getByRole('heading', { name: '秒批规则说明' })).toBeVisible()
  await expect(reviewer.getByTestId('rule-conclusion')).toHaveText('不符合自动审批条件，转人工审核')
  await expect(reviewer.getByTestId('rule-reason')).toHaveText('资金数额超过100万元，转人工审核')
  const capitalRow = reviewer.locator('.rule-table tr', { hasText: '资金数额（万元）' })
  await expect(capitalRow).toContainText('500')
  await expect(capitalRow).toContainText('大于 100')
  await expect(reviewer.locator('.rule-table')).not.toContainText('form.capital')
  await shot('审批人员：秒批规则说明', reviewer)

  await reviewer.getByRole('button', { name: '提交', exact: true }).click()
  await expect(reviewer.getByText('请选择办理结果')).toBeVisible()
  await expect(reviewer.getByText('请填写审批意见')).toBeVisible()
  await act(reviewer, '不予许可', '资金数额超过个体工商户登记的适用范围，建议申请设立公司。')
  await expect(reviewer.getByTestId('work-status')).toHaveText('不予许可')

  await page.getByRole('button', { name: '刷新' }).click()
  await expect(page.getByTestId('case-status')).toHaveText('不予许可')
  await expect(page.getByTestId('case-outcome')).toContainText('资金数额超过个体工商户登记的适用范围')
  await shot('申请人：不予许可')
})

test('承办 → 审核 → 批准 with a send-back: each step sees its work, the handler sees the reason', async ({ page, request, shot, newVisitor }) => {
  // The department admin gives a copy of 食品经营许可 of its own a three-step chain (the other
  // scenarios file cases of 食品经营许可 itself and expect the default one step). The copy has no
  // handler of its own in the business system: the default handler takes its cases.
  const admin = await token(request, 'deptadmin-amr')
  const handlerToken = await token(request, 'handler-amr')
  const item = await ownItem(request, admin, ITEM_REVIEWED, '三级审批示例（食品经营）')
  const steps = [
    { name: 'handle', role: 'handler' },
    { name: 'review', role: 'reviewer' },
    { name: 'approve', role: 'approver' },
  ]
  const configured = await request.put(`/api/v1/review-chains/${item}`, { headers: bearer(admin), data: { steps } })
  expect(configured.ok(), await configured.text()).toBeTruthy()
  const caseNo = await fileWhilePublished(request, admin, item, await foodApplicant(request, '张敏', item))
  const arrived = await workItem(request, handlerToken, caseNo)
  expect(arrived.chain).toHaveLength(3)
  expect(arrived.handler).toBe('default') // no plugin handler claims the copy's code

  // 承办: the handler's list, by step, with the department's counts.
  await openWorklist(page, 'handler-amr')
  await expect(page.getByTestId('tab-handle')).toHaveAttribute('data-waiting', /^[1-9]\d*$/)
  await page.getByRole('tab', { name: /承办/ }).click()
  await expect(page).toHaveURL(/view=handle/)
  const handlerRow = page.locator(`a[data-case-no="${caseNo}"]`)
  await expect(handlerRow).toBeVisible()
  await expect(page.locator('.worklist tr', { has: handlerRow })).toContainText('承办（第 1/3 步）')
  await shot('承办人员：按步骤的待办')
  expect(await labelViolations(page)).toEqual([])
  await handlerRow.click()
  await expect(page.getByTestId('current-step')).toHaveText('当前步骤：承办')
  // The copy was retired right after filing: the form's labels come from the version the case was filed under.
  const content = page.locator('.el-descriptions').nth(1)
  for (const label of ['经营者名称', '经营场所', '经营项目', '经营场所面积（平方米）']) await expect(content.getByText(label, { exact: true })).toBeVisible()
  await expect(content).toContainText('张敏小吃店')
  await expect(content).not.toContainText('business_name')
  await expect(page.getByTestId('labels-from-published')).toHaveCount(0)
  // The applicant's material opens from the case; an internal attachment is checked by its bytes.
  const material = page.waitForEvent('download')
  await page.getByRole('button', { name: '下载材料 食品经营许可申请书' }).click()
  expect((await material).suggestedFilename()).toBe('食品经营许可申请书.pdf')
  await page.getByTestId('attachment-upload').locator('input[type=file]').setInputFiles({ name: '现场核查记录.pdf', mimeType: 'application/pdf', buffer: Buffer.from('not a pdf at all') })
  await page.getByRole('button', { name: '上传', exact: true }).click()
  await expect(page.getByTestId('upload-error')).toContainText('其内容不是 PDF、JPEG 或 PNG 文件')
  await page.getByTestId('attachment-upload').locator('input[type=file]').setInputFiles({ name: '现场照片.png', mimeType: 'image/png', buffer: PNG })
  await page.getByRole('button', { name: '上传', exact: true }).click()
  await expect(page.locator('.attachments')).toContainText('现场照片.png')
  const attachment = page.waitForEvent('download')
  await page.getByRole('button', { name: '下载附件 现场照片.png' }).click()
  expect((await attachment).suggestedFilename()).toBe('现场照片.png')
  await shot('承办人员：材料与附件')
  expect(await labelViolations(page)).toEqual([])
  await expect(page.getByRole('radiogroup', { name: '办理结果' }).getByRole('radio')).toHaveCount(1) // the first step cannot send back
  await act(page, '通过，转审核', '材料齐全，经营场所与申请一致，拟同意。')
  await expect(page.getByTestId('current-step')).toHaveText('当前步骤：审核')
  await expect(page.getByTestId('not-mine')).toContainText('当前步骤“审核”由审核人员办理')
  await shot('承办人员：已转审核')

  // 审核: the reviewer sends it back, and must say why.
  const reviewer = await newVisitor()
  await openWorklist(reviewer, 'reviewer-amr')
  await reviewer.getByRole('tab', { name: /审核/ }).click()
  await reviewer.locator(`a[data-case-no="${caseNo}"]`).click()
  await expect(reviewer.getByTestId('current-step')).toHaveText('当前步骤：审核')
  await expect(reviewer.locator('.history')).toContainText('材料齐全，经营场所与申请一致，拟同意。')
  await reviewer.getByRole('radiogroup', { name: '办理结果' }).getByText('退回承办', { exact: true }).click()
  await expect(reviewer.getByTestId('send-back-to')).toContainText('退回至第 1 步“承办”')
  await reviewer.getByRole('button', { name: '提交', exact: true }).click()
  await expect(reviewer.locator('.el-form-item', { has: reviewer.locator('#action-opinion') })).toContainText('退回须写明理由')
  await reviewer.locator('#action-opinion').fill('经营场所平面图不清晰，请现场核实后补充说明。')
  await shot('审核人员：退回须写明理由', reviewer)
  await reviewer.getByRole('button', { name: '提交', exact: true }).click()
  await reviewer.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(reviewer.getByTestId('current-step')).toHaveText('当前步骤：承办')
  await shot('审核人员：已退回承办', reviewer)

  // Back at 承办: the handler sees the reason in the list and on the case.
  await page.goto('/review?view=handle')
  const backRow = page.locator('.worklist tr', { has: page.locator(`a[data-case-no="${caseNo}"]`) })
  // Someone else's action shows their display name.
  await expect(backRow).toContainText('审核 · 县市场监管局审批人员 退回：经营场所平面图不清晰，请现场核实后补充说明。')
  await shot('承办人员：退回的办件')
  await page.locator(`a[data-case-no="${caseNo}"]`).click()
  await expect(page.getByTestId('sent-back-notice')).toContainText('县市场监管局审批人员 退回：经营场所平面图不清晰，请现场核实后补充说明。')
  await expect(page.locator('.history')).toContainText('审核：退回承办')

  // A stale screen: the same step done meanwhile elsewhere is refused by the API, and said so.
  await page.getByRole('radiogroup', { name: '办理结果' }).getByText('通过，转审核', { exact: true }).click()
  await page.locator('#action-opinion').fill('已现场核实，平面图已补充。')
  const passed = await request.post(`/api/v1/work-items/${caseNo}/actions`, { headers: bearer(handlerToken), data: { step: 1, action: 'pass', opinion: '已现场核实，平面图已补充。' } })
  expect(passed.ok(), await passed.text()).toBeTruthy()
  await page.getByRole('button', { name: '提交', exact: true }).click()
  await page.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(page.getByTestId('action-error')).toContainText('当前在第 2 步（审核），不在第 1 步')
  await expect(page.getByTestId('current-step')).toHaveText('当前步骤：审核')
  await shot('承办人员：他人已办理')

  // 审核 passes it on; 批准 decides.
  await reviewer.reload()
  await act(reviewer, '通过，转批准', '审核通过。')
  await expect(reviewer.getByTestId('current-step')).toHaveText('当前步骤：批准')

  const approver = await newVisitor()
  await openWorklist(approver, 'approver-amr')
  await approver.getByRole('tab', { name: /批准/ }).click()
  await approver.locator(`a[data-case-no="${caseNo}"]`).click()
  await expect(approver.getByRole('radiogroup', { name: '办理结果' }).locator('.el-radio')).toHaveText(['准予许可', '不予许可', '退回审核'])
  await shot('批准人员：办理', approver)
  await act(approver, '准予许可', '同意，准予食品经营许可。')
  await expect(approver.getByTestId('work-status')).toHaveText('已准予')
  const history = approver.locator('.history').locator('tbody tr')
  await expect(history).toHaveCount(5)
  await expect(history.first()).toContainText('批准：准予许可')
  await shot('批准人员：已准予', approver)
  // Every action names the person and the account that took it.
  const decided = await workItem(request, handlerToken, caseNo)
  expect(decided.actions.map((a) => [a.by_username, a.by])).toEqual([
    ['handler-amr', '县市场监管局承办人员'],
    ['reviewer-amr', '县市场监管局审批人员'],
    ['handler-amr', '县市场监管局承办人员'],
    ['reviewer-amr', '县市场监管局审批人员'],
    ['approver-amr', '县市场监管局批准人员'],
  ])

  // What the handler did is in 我已办理: the step, the action and the opinion, the time beside it — not their own name.
  await page.goto('/review?view=done')
  await expect(page.locator(`a[data-case-no="${caseNo}"]`)).toBeVisible()
  const doneRow = page.locator('.worklist tr', { has: page.locator(`a[data-case-no="${caseNo}"]`) })
  await expect(doneRow.locator('.mine')).toHaveText('承办 · 通过：已现场核实，平面图已补充。')
  await expect(doneRow).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/)
  await expect(doneRow).not.toContainText('县市场监管局承办人员')
  await shot('承办人员：我已办理')
})

// ---- an overdue case: the due time must have passed, which no test can wait for.

const repository = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')

/** The var directory of the platform this run started (global-setup passes only its address on). */
function platformVarDir(): string {
  const port = new URL(process.env.E2E_BASE_URL!).port
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let args: string[]
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    const at = (flag: string): string | undefined => args[args.indexOf(flag) + 1]
    if (args.includes('gov_standalone') && at('--port') === port && at('--var-dir')) return at('--var-dir')!
  }
  throw new Error(`no gov_standalone process on port ${port}`)
}

/**
 * service-management's clock report for a case filed long enough ago to be past its due time:
 * `gov.case.clock_changed` on the standalone bus, on amr's own case topic, as the service publishes it for the
 * department's system (gov.case.dept.amr.v1). The business system takes due times only from these events, so
 * this is where time is made to have passed.
 */
function reportClock(caseNo: string, dueAt: Date): void {
  const python = process.env.GOV_PYTHON || join(repository, '.venv', 'bin', 'python')
  const script = `
import json, sqlite3, sys
from gov_common.events import Event, EventTypes, Topics, CONTENT_TYPE
bus, case_no, due_at = sys.argv[1:4]
event = Event.new(type=EventTypes.CASE_CLOCK_CHANGED, source="/service-management", subject=case_no,
                  data={"case_no": case_no, "department_code": "amr", "due_at": due_at, "paused": False, "stopped": False,
                        "remaining_working_days": -2})
conn = sqlite3.connect(bus, timeout=30)
conn.execute("INSERT INTO messages (topic, key, value, headers) VALUES (?, ?, ?, ?)",
             (Topics.department_cases("amr"), case_no, event.encode(), json.dumps({"content-type": CONTENT_TYPE})))
conn.commit()
`
  const run = spawnSync(python, ['-c', script, join(platformVarDir(), 'bus.db'), caseNo, dueAt.toISOString()], { cwd: repository, encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`could not report the clock: ${run.stderr}`)
}

test('an overdue case is marked red and one due today yellow in the work list, counted at its step', async ({ page, request, shot }) => {
  const reviewerToken = await token(request, 'reviewer-amr')
  const caseNo = await (await foodApplicant(request, '赵雷'))()
  const dueToday = await (await foodApplicant(request, '孙丽'))()
  await workItem(request, reviewerToken, caseNo)
  // The yellow mark is measured against the limit the case was filed with (食品经营许可: 10 working days).
  expect((await workItem(request, reviewerToken, dueToday)).committed_days).toBe(10)
  /** 24:00 Asia/Shanghai at the end of the day `days` from today. */
  const endOfDay = (days: number): Date => new Date(`${new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10)}T16:00:00Z`)
  reportClock(caseNo, endOfDay(-3))
  // The other: due tonight, its 10 committed working days all used: the yellow warning.
  reportClock(dueToday, endOfDay(0))
  await expect.poll(async () => (await workItem(request, reviewerToken, caseNo)).clock.overdue, { timeout: 20_000 }).toBe(true)

  await openWorklist(page, 'reviewer-amr')
  // The summary counts it at 批准 (the default chain's one step), and its tab says so.
  await expect(page.getByTestId('tab-approve')).toHaveAttribute('data-overdue', /^[1-9]\d*$/)
  await expect(page.getByTestId('tab-approve')).toContainText('超期')
  const row = page.locator('.worklist tr', { has: page.locator(`a[data-case-no="${caseNo}"]`) })
  const mark = row.locator('.time-mark')
  await expect(mark).toHaveAttribute('data-level', 'red')
  await expect(mark).toHaveText(/^已超期/)
  await expect(mark).toHaveAttribute('aria-label', /^红牌超时：已超期/)
  const yellow = page.locator('.worklist tr', { has: page.locator(`a[data-case-no="${dueToday}"]`) }).locator('.time-mark')
  await expect(yellow).toHaveAttribute('data-level', 'yellow')
  await expect(yellow).toHaveText('今日到期')
  await shot('审批人员：红牌超时')
  await page.getByRole('tab', { name: /批准/ }).click()
  await expect(page).toHaveURL(/view=approve/)
  await expect(row.locator('.time-mark')).toHaveAttribute('data-level', 'red')
  await row.locator(`a[data-case-no="${caseNo}"]`).click()
  await expect(page.getByTestId('time-mark')).toHaveAttribute('data-level', 'red')
  await shot('审批人员：超期办件')
  // Decided, it leaves the work lists (and their counts) of the other scenarios.
  await act(page, '不予许可', '测试办件：超期示例，不予许可。')
  await expect(page.getByTestId('work-status')).toHaveText('不予许可')
  const denied = await request.post(`/api/v1/work-items/${dueToday}/actions`, { headers: bearer(reviewerToken), data: { step: 1, action: 'deny', opinion: '测试办件：预警示例，不予许可。' } })
  expect(denied.ok(), await denied.text()).toBeTruthy()
})

// ---- paper a window clerk confirmed instead of scanning it

test('a copy the window clerk received on paper says so on the work item', async ({ page, request, shot }) => {
  // At the window: the application form and the management rules scanned, the layout plan (a copy) handed in on paper.
  const clerk = await token(request, 'clerk')
  const uploaded = await request.post('/api/v1/files', { headers: bearer(clerk), multipart: { file: { name: 'scan.pdf', mimeType: 'application/pdf', buffer: PDF } } })
  expect(uploaded.ok(), await uploaded.text()).toBeTruthy()
  const { file_id } = (await uploaded.json()) as { file_id: string }
  const filed = await request.post('/api/v1/intake/cases', {
    headers: bearer(clerk),
    data: {
      item_code: ITEM_REVIEWED,
      applicant: { type: 'person', id_number: newResidentId(), name: '周静' },
      form: { ...FOOD_FORM, business_name: '周静小吃店' },
      materials: [{ code: 'SQS', file_id }, { code: 'GLZD', file_id }, { code: 'BJT', paper_received: true }],
    },
  })
  expect(filed.ok(), await filed.text()).toBeTruthy()
  const caseNo = ((await filed.json()) as { case_no: string }).case_no
  const accepted = await request.post(`/api/v1/intake/cases/${caseNo}/accept`, { headers: bearer(clerk), data: {} })
  expect(accepted.ok(), await accepted.text()).toBeTruthy()

  const reviewerToken = await token(request, 'reviewer-amr')
  const work = await workItem(request, reviewerToken, caseNo)
  const paper = work.materials.find((m) => m.code === 'BJT')
  expect(paper?.paper_received).toBe(true)
  expect(paper?.paper_received_by).toBe('综合窗口人员') // the demo clerk who confirmed it

  await login(page, 'reviewer-amr', DEMO_PASSWORD)
  await page.goto(`/review/${caseNo}`)
  const materials = page.locator('.materials')
  const row = materials.locator('tr', { hasText: '主要设备设施布局和操作流程' })
  await expect(row).toContainText('窗口已收取复印件（经办人 综合窗口人员）')
  await expect(row.locator('[data-provision="paper"]')).toBeVisible()
  await expect(materials.locator('tr', { hasText: '食品经营许可申请书' })).toContainText('电子文件')
  await expect(materials).not.toContainText('网上申报表单')
  await shot('审批人员：窗口收取的纸质复印件')
  // Decided, it leaves the work lists (and their counts) of the other scenarios.
  await act(page, '不予许可', '测试办件：纸质材料示例，不予许可。')
  await expect(page.getByTestId('work-status')).toHaveText('不予许可')
})

// ---- a department step of the case's BPMN process

const SOCIAL_CARD = '330122-HRSS-GG-0001' // 社会保障卡申领 (示范县人力资源和社会保障局), copied with a process of its own
const INSPECTION_BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="with-inspection" targetNamespace="https://gov.example/bpmn">
  <bpmn:process id="case" name="含现场核查的流程" isExecutable="true">
    <bpmn:startEvent id="start" name="申请"/>
    <bpmn:sequenceFlow id="to_intake" sourceRef="start" targetRef="intake"/>
    <bpmn:userTask id="intake" name="受理"/>
    <bpmn:sequenceFlow id="to_intake_gateway" sourceRef="intake" targetRef="intake_decided"/>
    <bpmn:exclusiveGateway id="intake_decided" name="是否受理" default="to_rejected"/>
    <bpmn:sequenceFlow id="to_inspection" sourceRef="intake_decided" targetRef="site_inspection">
      <bpmn:conditionExpression>intake_result == "accepted"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_rejected" sourceRef="intake_decided" targetRef="rejected"/>
    <bpmn:endEvent id="rejected" name="不予受理"/>
    <bpmn:userTask id="site_inspection" name="现场核查"/>
    <bpmn:sequenceFlow id="to_inspected" sourceRef="site_inspection" targetRef="inspected"/>
    <bpmn:exclusiveGateway id="inspected" name="核查结果" default="to_review_with_findings"/>
    <bpmn:sequenceFlow id="to_review" name="核查通过" sourceRef="inspected" targetRef="department_review">
      <bpmn:conditionExpression>inspection_passed == true</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_review_with_findings" name="核查发现问题，报部门审批" sourceRef="inspected" targetRef="department_review"/>
    <bpmn:userTask id="department_review" name="部门审批"/>
    <bpmn:sequenceFlow id="to_end" sourceRef="department_review" targetRef="decided"/>
    <bpmn:endEvent id="decided" name="办结"/>
  </bpmn:process>
</bpmn:definitions>`

test('a department step of the process (现场核查) is completed from the workbench before the case reaches review', async ({ page, request, shot }) => {
  // The process goes to a copy of 社会保障卡申领 of its own: a process is the item's for every
  // case filed after it, and rules.spec.ts works on 社会保障卡申领 meanwhile.
  const admin = await token(request, 'admin')
  const item = await ownItem(request, admin, SOCIAL_CARD, '现场核查示例（社会保障卡）')
  const uploaded = await request.put(`/api/v1/items/${item}/process`, { headers: bearer(admin), data: { bpmn_xml: INSPECTION_BPMN, time_limits: { site_inspection: 2 } } })
  expect(uploaded.ok(), await uploaded.text()).toBeTruthy()
  const applicant = await newApplicant(request, '钱芳')
  const caseNo = await fileWhilePublished(request, admin, item, async () => {
    const filed = await request.post('/api/v1/cases', { headers: bearer(applicant), data: { item_code: item, form: { mailing_address: '示范县人民路1号', bank: '示范农商银行' } } })
    expect(filed.ok(), await filed.text()).toBeTruthy()
    return ((await filed.json()) as { case_no: string }).case_no
  })

  await login(page, 'handler-hrss', DEMO_PASSWORD)
  await page.goto(`/review/${caseNo}`)
  await expect(page.getByTestId('not-dispatched')).toBeVisible()
  const task = page.locator('[data-task="site_inspection"]')
  await expect(task).toContainText('现场核查')
  await expect(task).toContainText('期限')
  // The ways the step can end are the branches of the process's next gateway, picked by name; no variable typed.
  const choices = task.getByTestId('task-choices')
  await expect(choices.getByRole('radio')).toHaveCount(2)
  await expect(choices).toContainText('核查通过')
  await expect(choices).toContainText('核查发现问题，报部门审批')
  await task.getByRole('button', { name: '完成“现场核查”' }).click()
  await expect(task).toContainText('请选择办理结果')
  // Free variables stay under 高级, checked as before.
  await task.getByText('高级：其他流程变量（一般无需填写）').click()
  await task.getByLabel('变量名 1').fill('1passed')
  await task.getByLabel('变量值 1').fill('true')
  await choices.getByText('核查通过').click()
  await task.getByRole('button', { name: '完成“现场核查”' }).click()
  await expect(task).toContainText('变量名须以字母或下划线开头')
  await task.getByLabel('变量名 1').fill('')
  await task.getByLabel('变量值 1').fill('')
  await task.getByLabel('办理意见').fill('经现场核查，申请人信息属实。')
  await shot('承办人员：流程环节现场核查')
  expect(await labelViolations(page)).toEqual([])
  await task.getByRole('button', { name: '完成“现场核查”' }).click()
  // Completed, the case goes on to the department's review (dispatched; the copy has no decision table, so not approved instantly).
  await expect(page.getByText('现场核查 · 县人社局承办人员', { exact: false })).toBeVisible()
  await expect(page.getByText('经现场核查，申请人信息属实。')).toBeVisible()
  await shot('承办人员：现场核查已完成')
  const detail = await request.get(`/api/v1/cases/${caseNo}`, { headers: bearer(admin) })
  const states = ((await detail.json()) as { states: { state: string; left_at: string | null }[] }).states
  expect(states.find((s) => s.state === 'site_inspection')?.left_at).toBeTruthy()
  expect(states.map((s) => s.state)).toContain('department_review')
})
