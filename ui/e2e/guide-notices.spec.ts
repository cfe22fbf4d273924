/**
 * Issue 17, points 1 and 3: the public service guide (办事指南) with every field of the national guide, on a
 * desktop and at phone width; the notices a case produces — 受理回执, 补正材料一次性告知书 (with its deadline),
 * 不予受理决定书 and 不予许可决定书 (with the notice of remedies), 准予许可决定书 — laid out for A4 with a seal
 * box and a QR code; and the public progress look-up the QR code leads to (case number and the last six
 * characters of the ID number, no login). Also a bad rating (差评) that needs a reason from the list.
 */
import type { APIRequestContext, Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { apply, DEMO_PASSWORD, ITEM_INSTANT, ITEM_REVIEWED, login, newPerson, registerPerson, staffToken } from './flows'
import { newResidentId } from './identities'

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
const ITEM_EMPLOYMENT = '330122-HRSS-QR-0001' // 就业登记: 就业登记表 (electronic), 劳动合同 (copy)
const SCAN = { name: '就业登记表.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% form\ntrailer<<>>\n%%EOF\n') }
const EMPLOYMENT_FORM = { employer: '示范县青山茶业有限公司', start_date: '2026-11-02', position: '茶艺师' }

/** Nothing wider than the screen: no sideways scrolling. */
async function fitsTheScreen(page: Page): Promise<void> {
  const [scrollWidth, clientWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth])
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth + 1)
}

/** Print preview of the notice on the page alone (what `window.print()` shows), screenshot, back to screen. */
async function printed(page: Page, shot: (name: string, page?: Page, options?: { fullPage?: boolean }) => Promise<string>, name: string): Promise<void> {
  const size = page.viewportSize()
  await page.evaluate(() => document.body.classList.add('printing-notice'))
  await page.setViewportSize({ width: 794, height: 1123 }) // A4 at 96 dpi
  await page.emulateMedia({ media: 'print' })
  await expect(page.locator('.case-notice').first()).toBeVisible()
  await shot(name, page)
  await page.emulateMedia({ media: 'screen' })
  if (size) await page.setViewportSize(size)
}

async function windowCase(request: APIRequestContext, idNumber: string, name: string): Promise<string> {
  const token = await staffToken(request, 'clerk')
  const response = await request.post('/api/v1/intake/cases', {
    headers: { Authorization: `Bearer ${token}` },
    data: { item_code: ITEM_EMPLOYMENT, applicant: { type: 'person', id_number: idNumber, name }, form: EMPLOYMENT_FORM },
  })
  expect(response.status(), await response.text()).toBe(201)
  return ((await response.json()) as { case_no: string }).case_no
}

async function decide(page: Page, status: string | RegExp): Promise<void> {
  await page.getByRole('button', { name: '提交受理结论' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(page.getByTestId('intake-status')).toHaveText(status)
}

/** Accepted, and perhaps dispatched to the department already. */
const ACCEPTED = /^(已受理|审查中)$/

test('the public service guide shows every field of the national guide, on a desktop and a phone', async ({ page, shot, newVisitor }) => {
  await page.goto(`/items/${ITEM_REVIEWED}`)
  await expect(page.getByRole('heading', { name: '食品经营许可', level: 1 })).toBeVisible()
  for (const section of ['基本信息', '设定依据', '受理条件', '申请材料（4 项）', '办理流程', '收费标准', '办理地点和时间', '咨询和监督投诉']) {
    await expect(page.getByRole('heading', { name: section, level: 2 })).toBeVisible()
  }
  await expect(page.getByTestId('guide-conditions')).toContainText('具有与经营的食品品种、数量相适应的经营场所')
  const licence = page.getByTestId('guide-materials').locator('[data-material="YYZZ"]')
  await expect(licence).toContainText('非必需')
  await expect(licence).toContainText('来源：政府部门核发')
  await expect(licence).toContainText('可用电子证照代替')
  await expect(page.getByTestId('guide-materials').locator('[data-material="SQS"]')).toContainText('份数：1 份')
  await expect(page.getByTestId('guide-steps').locator('li')).toHaveCount(5)
  await expect(page.getByTestId('guide-fee')).toHaveText('不收费')
  await expect(page.getByTestId('guide-visits')).toHaveText('1 次')
  await expect(page.getByTestId('guide-location')).toContainText('示范县行政服务中心')
  await expect(page.getByTestId('guide-phone')).toHaveAttribute('href', 'tel:0571-64120002')
  await expect(page.getByText('法定办结时限')).toBeVisible()
  await expect(page.getByRole('button', { name: '登录后在线办理' })).toBeVisible()
  await shot('办事指南：桌面')
  await page.getByTestId('booking').click()
  await expect(page.getByTestId('booking-dialog')).toContainText('周一至周五')
  await shot('办事指南：预约办理', page, { fullPage: false })

  // 零跑动 and 秒批: no visit, the licence by electronic delivery or mail.
  await page.goto(`/items/${ITEM_INSTANT}`)
  await expect(page.getByTestId('guide-visits')).toHaveText('0 次（零跑动）')

  const phone = await newVisitor(PHONE)
  await phone.goto(`/items/${ITEM_REVIEWED}`)
  await expect(phone.getByRole('heading', { name: '受理条件', level: 2 })).toBeVisible()
  await expect(phone.getByRole('button', { name: '预约办理' })).toBeVisible()
  await fitsTheScreen(phone)
  await shot('办事指南：手机', phone)
})

test('a window clerk prints the receipt, the supplement notice with its deadline and a rejection with the remedies; the QR code leads to the public look-up', async ({ page, request, shot, newVisitor }) => {
  await login(page, 'clerk', DEMO_PASSWORD)

  // 受理回执: accepted once the form is scanned and the contract's copy received.
  const idNumber = newResidentId()
  const accepted = await windowCase(request, idNumber, '周青')
  await page.goto(`/intake/${accepted}`)
  await expect(page.getByTestId('receipt')).toContainText('收件凭证')
  await page.getByText('受理', { exact: true }).click()
  await page.locator('#accept-material-DJB-file').setInputFiles(SCAN)
  // Uploaded before the decision: a scan still on its way counts as missing.
  await expect(page.locator('[data-testid="accept-materials"] [data-material="DJB"] [data-testid="material-state"]')).toHaveText('已上传扫描件')
  await page.locator('[data-testid="accept-materials"] [data-material="LDHT"]').getByTestId('paper-received').click()
  await decide(page, ACCEPTED)
  const receipt = page.getByTestId('receipt')
  await expect(receipt).toContainText('受理回执')
  await expect(receipt).toContainText('本机关于')
  await expect(receipt).toContainText('决定予以受理')
  await expect(receipt.getByTestId('notice-seal')).toContainText('示范县人力资源和社会保障局')
  await expect(receipt.getByTestId('notice-seal')).toContainText(/\d{4}年\d{1,2}月\d{1,2}日$/) // a date, no time
  await expect(receipt.getByTestId('notice-qr')).toBeVisible()
  await expect(receipt).toContainText(`/progress?case_no=${accepted}`)
  await expect(receipt).not.toContainText('办件查询') // no longer the staff-only page
  // The QR code's address, for the look-up below.
  const address = (await receipt.locator('.qr-url').innerText()).trim()
  expect(address).toContain(`/progress?case_no=${accepted}`)
  await printed(page, shot, '受理回执：打印')

  // 补正材料一次性告知书 with the deadline.
  const asked = await windowCase(request, newResidentId(), '吴桐')
  await page.goto(`/intake/${asked}`)
  await page.getByText('一次性告知补正', { exact: true }).click()
  await page.getByLabel('补正要求').fill('劳动合同须有用人单位盖章和劳动者签字的页面。')
  await decide(page, '待补正')
  const notice = page.getByTestId('receipt')
  await expect(notice).toContainText('补正材料一次性告知书')
  await expect(notice.getByTestId('notice-asked')).toContainText('劳动合同')
  await expect(notice.getByTestId('notice-deadline')).toContainText(/请于\d{4}年\d{1,2}月\d{1,2}日前补正/)
  await expect(notice.getByTestId('notice-deadline')).toContainText('逾期未补正的，视为撤回申请')
  await printed(page, shot, '一次性告知书：打印')

  // 不予受理决定书 with the notice of remedies and the bodies configured for the department.
  const rejected = await windowCase(request, newResidentId(), '郑安')
  await page.goto(`/intake/${rejected}`)
  await page.getByText('不予受理', { exact: true }).click()
  await page.getByLabel('不予受理理由').fill('申请人已在其他县区办理就业登记，不属于本机关受理范围。')
  await decide(page, '不予受理')
  const refusal = page.getByTestId('receipt')
  await expect(refusal).toContainText('不予受理决定书')
  await expect(refusal.getByTestId('notice-remedy')).toHaveText(
    '如不服本决定，可以在收到本决定书之日起六十日内向示范县人民政府申请行政复议，或者在六个月内依法向示范县人民法院提起行政诉讼。',
  )
  await printed(page, shot, '不予受理决定书：打印')

  // The QR code's address, opened by anyone: the right last six give the progress, a wrong pair nothing.
  const visitor = await newVisitor()
  await visitor.goto(address)
  await expect(visitor.getByLabel('办件编号')).toHaveValue(accepted)
  await visitor.getByLabel('证件号码后六位').fill('000000')
  await visitor.getByRole('button', { name: '查询' }).click()
  await expect(visitor.getByTestId('progress-error')).toContainText('未查询到办件')
  await shot('办件进度查询：号码不符', visitor)
  await visitor.getByLabel('证件号码后六位').fill(idNumber.slice(-6))
  await visitor.getByRole('button', { name: '查询' }).click()
  await expect(visitor.getByTestId('progress-status')).toHaveText(ACCEPTED)
  await expect(visitor.getByTestId('progress-result')).toContainText('周*')
  await expect(visitor.getByTestId('progress-result')).toContainText('就业登记')
  await expect(visitor.getByTestId('progress-result')).not.toContainText('窗口人员') // no staff names
  await shot('办件进度查询：桌面', visitor)

  const phone = await newVisitor(PHONE)
  await phone.goto(address)
  await phone.getByLabel('证件号码后六位').fill(idNumber.slice(-6))
  await phone.getByRole('button', { name: '查询' }).click()
  await expect(phone.getByTestId('progress-status')).toHaveText(ACCEPTED)
  await fitsTheScreen(phone)
  await shot('办件进度查询：手机', phone)
})

test('the applicant prints the decisions: a denial with the remedies, an approval; a bad rating needs a reason', async ({ page, shot, newVisitor }) => {
  await registerPerson(page, newPerson('冯远'))
  // Over 100 万元: the decision table sends it to a reviewer, who denies it.
  const denied = await apply(page, ITEM_INSTANT, { 个体工商户名称: '冯远建材经营部', 经营场所: '示范县工业园区9号', 经营范围: '建材销售', '资金数额（万元）': '300' })
  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-amr', DEMO_PASSWORD)
  await reviewer.goto(`/review/${denied}`)
  await reviewer.getByRole('radiogroup', { name: '办理结果' }).getByText('不予许可', { exact: true }).click()
  await reviewer.locator('#action-opinion').fill('资金数额超过个体工商户登记的适用范围，建议申请设立公司')
  await reviewer.getByRole('button', { name: '提交', exact: true }).click()
  await reviewer.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(reviewer.getByTestId('work-status')).toHaveText('不予许可')

  await page.goto(`/cases/${denied}`)
  await expect(page.getByTestId('case-status')).toHaveText('不予许可')
  await page.getByTestId('case-notices').getByRole('link', { name: '不予许可决定书' }).click()
  const denial = page.locator('.case-notice')
  await expect(denial).toContainText('本机关决定不予行政许可')
  await expect(denial).toContainText('资金数额超过个体工商户登记的适用范围')
  await expect(denial.getByTestId('notice-remedy')).toContainText('六十日内向示范县人民政府申请行政复议')
  await expect(denial.getByTestId('notice-remedy')).toContainText('六个月内依法向示范县人民法院提起行政诉讼')
  await expect(denial.getByTestId('notice-seal')).toContainText('示范县市场监督管理局')
  await shot('不予许可决定书')
  await page.setViewportSize({ width: 794, height: 1123 }) // A4 at 96 dpi
  await page.emulateMedia({ media: 'print' })
  await expect(page.getByTestId('print-notice')).toBeHidden()
  await shot('不予许可决定书：打印')
  await page.emulateMedia({ media: 'screen' })
  await page.setViewportSize({ width: 1280, height: 860 })

  // Approved at once (秒批): the approval with the licence number.
  const approved = await apply(page, ITEM_INSTANT, { 个体工商户名称: '冯远茶叶店', 经营场所: '示范县茶乡路6号', 经营范围: '茶叶零售', '资金数额（万元）': '8' })
  await expect(page.getByTestId('case-status')).toHaveText('已办结', { timeout: 60_000 })
  await page.getByTestId('case-notices').getByRole('link', { name: '准予许可决定书' }).click()
  const approval = page.locator('.case-notice')
  await expect(approval).toContainText('本机关决定准予行政许可')
  await expect(approval).toContainText(/证照编号：AMR-\d{8}-/)
  await expect(approval).not.toContainText('申请行政复议')
  await shot('准予许可决定书')

  // 差评: at least one reason from the list, then the department reads it.
  await page.goto(`/cases/${approved}`)
  await page.getByRole('radiogroup', { name: '评价等级' }).getByText('不满意', { exact: true }).click()
  await page.getByRole('button', { name: '提交评价' }).click()
  await expect(page.getByText('差评请至少选择一项原因')).toBeVisible()
  await shot('好差评：差评须选择原因')
  await page.getByTestId('bad-rating-reasons').getByText('办理时间长或超时办理').click()
  await page.getByTestId('bad-rating-reasons').getByText('网上办事系统不好用').click()
  await page.getByRole('textbox', { name: '评价内容' }).fill('页面加载慢，提交后等了很久。')
  await page.getByRole('button', { name: '提交评价' }).click()
  await expect(page.getByTestId('evaluation-result')).toContainText('感谢评价：不满意')

  const admin = await newVisitor()
  await login(admin, 'deptadmin-amr', DEMO_PASSWORD)
  await admin.goto('/admin/rectifications?status=open')
  const row = admin.locator('tr', { has: admin.getByRole('link', { name: approved }) })
  await expect(row.getByTestId('rect-reasons')).toHaveText('原因：办理时间长或超时办理、网上办事系统不好用')
  await shot('部门管理员：差评原因', admin)
})
