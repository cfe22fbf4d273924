/**
 * One-window intake (一窗受理): the window clerk (clerk) looks the walk-in applicant up in the
 * population registry (found: the name is filled; not found: the clerk is told and types it),
 * files a 食品经营许可 case with the signed form scanned, cannot accept it until every required
 * material is there, accepts it and prints the receipt; the reviewer of 示范县市场监督管理局
 * (reviewer-amr) approves it; the administrator (admin) sees it counted on the performance
 * dashboard. And the other two intake outcomes: a supplement request, taken at the window on paper,
 * then a rejection with its reason.
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { DEMO_PASSWORD, ITEM_REVIEWED, login } from './flows'
import { newResidentId } from './identities'

const PDF = { name: '布局图.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n') }
const FORM_SCAN = { name: '申请书.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% signed form\ntrailer<<>>\n%%EOF\n') }
const COMMITMENT_SCAN = { name: '承诺书.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% commitment\ntrailer<<>>\n%%EOF\n') }
/** 钱多多, in the demo population registry (data-sharing's seed). */
const QIAN = '33012219920202001X'
const FOOD_ITEM_NAME = '食品经营许可'

async function startWalkIn(clerk: Page, idNumber: string, name: string): Promise<void> {
  await clerk.goto('/intake')
  await clerk.getByRole('button', { name: '新建收件' }).click()
  await expect(clerk).toHaveURL(/\/intake\/new$/)
  await clerk.getByLabel('居民身份证号码').fill(idNumber)
  await clerk.getByLabel('申请人姓名').fill(name)
  await clerk.getByLabel('事项名称、编码或关键词').fill('食品经营')
  await clerk.getByRole('button', { name: '查找事项' }).click()
  await clerk.getByRole('button', { name: `选择 ${FOOD_ITEM_NAME}` }).click()
  await expect(clerk.getByTestId('chosen-item')).toContainText(ITEM_REVIEWED)
}

async function fillFoodForm(clerk: Page, business: string): Promise<void> {
  await clerk.getByLabel('经营者名称', { exact: true }).fill(business)
  await clerk.getByLabel('经营场所', { exact: true }).fill('示范县迎春路12号')
  await clerk.getByLabel('经营项目', { exact: true }).fill('热食类食品制售')
  await clerk.getByLabel('经营场所面积（平方米）', { exact: true }).fill('60')
}

/** The 食品经营许可 row of the dashboard by item: [volume, finished] (0, 0 when it has no row). */
async function foodFigures(admin: Page): Promise<[number, number]> {
  await admin.getByText('按事项', { exact: true }).click()
  await expect(admin.getByText(/^(按事项办件量|统计期内没有办件)$/)).toBeVisible()
  const row = admin.locator('.figures tbody tr', { has: admin.locator(`[data-key="${ITEM_REVIEWED}"]`) })
  if ((await row.count()) === 0) return [0, 0]
  const cells = row.locator('td')
  return [Number(await cells.nth(1).innerText()), Number(await cells.nth(2).innerText())]
}

test('a clerk files a walk-in case that a reviewer approves and the admin sees in the dashboard', async ({ page, shot, newVisitor }) => {
  // The administrator's dashboard before.
  const admin = await newVisitor()
  await login(admin, 'admin', DEMO_PASSWORD)
  await expect(admin).toHaveURL(/\/supervision$/)
  await expect(admin.getByTestId('kpi-volume')).toBeVisible()
  const [volumeBefore, finishedBefore] = await foodFigures(admin)

  // The clerk takes the walk-in application.
  await login(page, 'clerk', DEMO_PASSWORD)
  await expect(page).toHaveURL(/\/intake$/)
  await expect(page.getByRole('heading', { name: '窗口收件' })).toBeVisible()
  const idNumber = newResidentId()
  await startWalkIn(page, idNumber.slice(0, 17) + (idNumber[17] === '1' ? '2' : '1'), '赵敏')
  await page.getByLabel('申请人姓名').click()
  await expect(page.locator('.el-form-item', { has: page.getByLabel('居民身份证号码') })).toContainText('校验')

  // The clerk looks the applicant up by ID number (the clerk's standing grant: 一窗受理核验身份).
  await page.getByLabel('居民身份证号码').fill(QIAN)
  await page.getByLabel('申请人姓名').fill('')
  await page.getByTestId('registry-lookup').click()
  await expect(page.getByTestId('registry-result')).toContainText('人口库中有此人')
  await expect(page.getByLabel('申请人姓名')).toHaveValue('钱多多')
  await expect(page.getByTestId('registry-result')).toContainText('1992-02-02') // for comparing with the ID card
  await shot('窗口人员：查询人口库')
  // A number the registry does not hold: the clerk is told so and types the name from the document.
  await page.getByLabel('居民身份证号码').fill(idNumber)
  await page.getByTestId('registry-lookup').click()
  await expect(page.getByTestId('registry-result')).toContainText('人口库中没有该居民身份证号码的记录')
  await shot('窗口人员：人口库无记录')
  await page.getByLabel('申请人姓名').fill('赵敏')
  await fillFoodForm(page, '赵敏小吃店')

  // Materials: at the window nothing is produced by the filing itself — the signed application form
  // is scanned; the layout plan too; a made-up licence number for the business licence is refused
  // by the API next to that material.
  await expect(page.locator('[data-material="SQS"] [data-testid="material-state"]')).toHaveText('缺少（必需）')
  await page.locator('[data-material="SQS"] input[type=file]').setInputFiles(FORM_SCAN)
  await expect(page.locator('[data-material="SQS"] [data-testid="material-state"]')).toHaveText('已上传扫描件')
  await page.locator('[data-material="BJT"] input[type=file]').setInputFiles(PDF)
  await expect(page.locator('[data-material="BJT"] [data-testid="material-state"]')).toHaveText('已上传扫描件')
  await page.getByLabel('营业执照（主体资格证明）的电子证照编号').fill('AMR-NO-SUCH-LICENCE')
  await page.getByRole('button', { name: '提交收件' }).click()
  await expect(page.locator('[data-material="YYZZ"] [role="alert"]')).toHaveText('该电子证照不能代替本项材料：证照不存在')
  await expect(page.getByRole('alert').first()).not.toContainText('materials[')
  await shot('窗口人员：证照编号被退回')
  await page.getByLabel('营业执照（主体资格证明）的电子证照编号').fill('')
  // The commitment is not signed yet: the case may be taken in, but not accepted.
  await expect(page.getByTestId('missing-summary')).toContainText('尚缺必需材料：食品安全管理制度（在线承诺）')
  await shot('窗口人员：新建收件')
  await page.getByRole('button', { name: '提交收件' }).click()
  await expect(page).toHaveURL(/\/intake\/\d+$/)
  const caseNo = page.url().split('/').pop()!
  await expect(page.getByTestId('intake-status')).toHaveText('已提交')
  await expect(page.getByTestId('receipt')).toContainText('收件凭证')

  // In the queue, then accepted.
  await page.goto('/intake')
  await page.locator(`a[data-case-no="${caseNo}"]`).click()
  const checklist = page.getByRole('list', { name: '申请材料核对' })
  await expect(checklist).toContainText('已提交扫描件')
  await expect(checklist.locator('[data-material="GLZD"]')).toContainText('缺少')
  await page.getByRole('button', { name: '提交受理结论' }).click()
  await expect(page.getByText('请选择受理结论')).toBeVisible()
  await page.getByText('受理', { exact: true }).click()
  await page.getByLabel('受理说明（选填）').fill('材料齐全，予以受理。')
  // Accepting without the commitment is refused, naming it; the clerk scans the signed one.
  await page.getByRole('button', { name: '提交受理结论' }).click()
  await expect(page.getByTestId('accept-materials').getByRole('alert')).toContainText('尚缺必需材料：食品安全管理制度（在线承诺）')
  await shot('窗口人员：受理前缺少必需材料')
  await page.locator('#accept-material-GLZD-file').setInputFiles(COMMITMENT_SCAN)
  await expect(page.locator('[data-testid="accept-materials"] [data-material="GLZD"] [data-testid="material-state"]')).toHaveText('已上传扫描件')
  await page.getByRole('button', { name: '提交受理结论' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(page.getByTestId('intake-status')).not.toHaveText('已提交')
  const receipt = page.getByTestId('receipt')
  await expect(receipt).toContainText('受理回执')
  await expect(receipt).toContainText(caseNo)
  await expect(receipt).toContainText('赵敏')
  await expect(checklist.locator('[data-material="GLZD"]')).toContainText('已提交扫描件')
  await shot('窗口人员：已受理')
  await page.emulateMedia({ media: 'print' })
  await expect(page.getByRole('button', { name: '打印受理回执' })).toBeHidden()
  await shot('窗口人员：打印的受理回执', page, { fullPage: false })
  await page.emulateMedia({ media: 'screen' })

  // The reviewer approves it.
  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-amr', DEMO_PASSWORD)
  await reviewer.locator(`a[data-case-no="${caseNo}"]`).click()
  await expect(reviewer.getByText('赵敏小吃店')).toBeVisible()
  await reviewer.getByRole('radiogroup', { name: '办理结果' }).getByText('准予许可', { exact: true }).click()
  await reviewer.getByLabel('审批意见').fill('窗口受理材料齐全，经营场所符合要求，准予许可。')
  await reviewer.getByRole('button', { name: '提交', exact: true }).click()
  await reviewer.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(reviewer.getByTestId('work-status')).toHaveText('已准予')
  await shot('审批人员：已准予', reviewer)

  // The clerk's page follows it to its conclusion.
  await expect(async () => {
    await page.reload()
    await expect(page.getByTestId('intake-status')).toHaveText('已办结', { timeout: 2_000 })
  }).toPass({ timeout: 30_000 })

  // The administrator sees it counted.
  await expect(async () => {
    await admin.getByRole('button', { name: '统计' }).click()
    const [volume, finished] = await foodFigures(admin)
    expect(volume).toBeGreaterThanOrEqual(volumeBefore + 1)
    expect(finished).toBeGreaterThanOrEqual(finishedBefore + 1)
  }).toPass({ timeout: 30_000 })
  await expect(admin.getByTestId('kpi-finished')).not.toHaveText('0')
  await expect(admin.getByRole('img', { name: /按事项的办件量/ })).toBeVisible()
  await expect(admin.getByRole('heading', { name: /预警与超时/ })).toBeVisible()
  await shot('管理员：效能监察', admin)
})

test('a clerk asks once for a supplement, takes it at the window, then rejects with a reason', async ({ page, shot }) => {
  await login(page, 'clerk', DEMO_PASSWORD)
  await startWalkIn(page, newResidentId(), '孙立')
  await fillFoodForm(page, '孙立餐饮店')
  await page.getByRole('button', { name: '提交收件' }).click()
  await expect(page).toHaveURL(/\/intake\/\d+$/)

  // A supplement request needs what and why.
  await page.getByText('一次性告知补正', { exact: true }).click()
  await page.locator('.el-checkbox', { hasText: '主要设备设施布局和操作流程' }).click()
  await page.getByRole('button', { name: '提交受理结论' }).click()
  await expect(page.getByText('请填写补正要求')).toBeVisible()
  await page.getByLabel('补正要求').fill('请提供主要设备设施布局图和操作流程说明。')
  await page.getByRole('button', { name: '提交受理结论' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(page.getByTestId('intake-status')).toHaveText('待补正')
  await expect(page.getByTestId('receipt')).toContainText('补正材料一次性告知书')
  await expect(page.getByTestId('receipt')).toContainText('请提供主要设备设施布局图')
  await shot('窗口人员：一次性告知补正')

  // Asked for at once: the layout plan, and the two required materials not brought (preselected).
  await expect(page.getByTestId('intake-supplement')).toContainText('食品经营许可申请书、食品安全管理制度（在线承诺）、主要设备设施布局和操作流程：请提供主要设备设施布局图')

  // The applicant comes back: the signed forms are scanned, the plan's paper copy is received.
  await page.getByRole('button', { name: '提交补正材料' }).click()
  await expect(page.getByText('请先上传补正的材料')).toBeVisible()
  const offered = page.locator('#supplement-title').locator('..').locator('[data-material]')
  await expect(offered).toHaveCount(3) // only what was asked for
  await expect(offered.locator('[data-testid="paper-received"]')).toHaveCount(1) // paper only for the copy
  await page.locator('#supplement-material-SQS-file').setInputFiles(FORM_SCAN)
  await page.locator('#supplement-material-GLZD-file').setInputFiles(COMMITMENT_SCAN)
  const plan = page.locator('#supplement-title').locator('..').locator('[data-material="BJT"]')
  await plan.getByTestId('paper-received').click()
  await expect(plan.getByTestId('material-state')).toHaveText('已核验纸质材料')
  await expect(page.locator('#supplement-title').locator('..').locator('[data-material="GLZD"] [data-testid="material-state"]')).toHaveText('已上传扫描件')
  await page.getByRole('button', { name: '提交补正材料' }).click()
  await expect(page.getByTestId('intake-status')).toHaveText('已提交')
  await expect(page.getByRole('list', { name: '申请材料核对' }).locator('[data-material="BJT"]')).toContainText('已核验纸质材料')
  await shot('窗口人员：收取纸质补正材料')

  // Rejected, with its reason on the notice.
  await page.getByText('不予受理', { exact: true }).click()
  await page.getByRole('button', { name: '提交受理结论' }).click()
  await expect(page.getByText('请填写不予受理的理由')).toBeVisible()
  await page.getByLabel('不予受理理由').fill('经营场所位于居民住宅楼内，不符合食品经营场所设置要求。')
  await page.getByRole('button', { name: '提交受理结论' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(page.getByTestId('intake-status')).toHaveText('不予受理')
  await expect(page.getByTestId('receipt')).toContainText('不予受理决定书')
  await expect(page.getByTestId('receipt')).toContainText('不符合食品经营场所设置要求')
  await shot('窗口人员：不予受理')
})

/** A real PNG (a scanned form stand-in): a ruled page with a header band in a red frame, 240 × 160. */
const SCAN_PNG = {
  name: '申请书扫描件.png',
  mimeType: 'image/png',
  buffer: Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAPAAAACgCAIAAAC9uXYyAAABnElEQVR42u3bqw2AMBiF0Q6B7hTswxqMyDiVBIUlqIomPO65ORM0n6j5y1Yr/EbxBAgaBA2CBkEj6Itjb/2meYGx+vMTNIIWNIIGQYOgEbSgEbSgETQIGkELGkELGkELGkGDoBG0oBG0oBG0oBE0CBpBCxpBCxpBw5MEjaBB0CBoEDSCFjSCBkGDoEHQCFrQCPpmNRs9QZugfTnw5QBBg6BB0Aha0AgaBA2CBkEjaEEjaBA0CBoEjaAFjaBB0PDKoN0LmZtCMzeFIGgELWgEDYIGQYOgETQIGgQNggZBI2gQNAgaBI2gBY2gISNo90LmptDMTSEIGkELGkGDoEHQIGgEDYIGQYOgQdAIGgQNggZBI2hBI2jICNq9kLkpNHNTCIJG0IJG0CBoEDQIGkGDoEHQIGgQNIIGQYOgQdAIWtAIGjKCdi9kbgrN3BSCoBG0oBE0CBoEDYJG0CBoEDQIGgSNoEHQIGgQNIIWNIKGjKDdC5mbQjM3hSBoBC1oBA2CBkGDoBE0CBoEDYIGQRMZNHyXoBE0CBoEDYIm2AlgQJ+hgg+ACwAAAABJRU5ErkJggg==',
    'base64',
  ),
}

/** A real one-page PDF (a layout plan stand-in: rooms drawn as boxes), its cross-reference table by byte offsets. */
function layoutPlanPdf(): Buffer {
  const drawing = [
    '2 w 0.1 0.2 0.4 RG',
    '60 500 480 260 re S', // the premises
    '60 640 200 120 re S', // the kitchen
    '260 640 280 120 re S', // the dining room
    '60 500 200 140 re S', // the store room
    'BT /F1 20 Tf 60 790 Td (Layout plan) Tj ET',
    'BT /F1 12 Tf 80 700 Td (Kitchen) Tj 200 0 Td (Dining room) Tj -200 -120 Td (Store) Tj ET',
  ].join('\n')
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${drawing.length} >>\nstream\n${drawing}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]
  let body = '%PDF-1.4\n'
  const offsets = objects.map((object, n) => {
    const at = body.length
    body += `${n + 1} 0 obj\n${object}\nendobj\n`
    return at
  })
  const xref = body.length
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(body, 'latin1')
}
const LAYOUT_PDF = { name: '布局图.pdf', mimeType: 'application/pdf', buffer: layoutPlanPdf() }

/** Files a walk-in case with the application form scanned as a PNG and the layout plan as a PDF; its case number. */
async function fileWithScans(clerk: Page, business: string): Promise<string> {
  await startWalkIn(clerk, newResidentId(), '孙丽')
  await fillFoodForm(clerk, business)
  await clerk.locator('[data-material="SQS"] input[type=file]').setInputFiles(SCAN_PNG)
  await expect(clerk.locator('[data-material="SQS"] [data-testid="material-state"]')).toHaveText('已上传扫描件')
  await clerk.locator('[data-material="BJT"] input[type=file]').setInputFiles(LAYOUT_PDF)
  await expect(clerk.locator('[data-material="BJT"] [data-testid="material-state"]')).toHaveText('已上传扫描件')
  await clerk.getByRole('button', { name: '提交收件' }).click()
  await expect(clerk).toHaveURL(/\/intake\/\d+$/)
  await expect(clerk.getByTestId('intake-status')).toHaveText('已提交')
  return clerk.url().split('/').pop()!
}

/** On the intake page, the clerk opens the scanned form (an image) and the layout plan (a PDF) in the page. */
async function previewScans(clerk: Page, shot: (name: string, page?: Page, options?: { fullPage?: boolean }) => Promise<string>, where: string): Promise<void> {
  const checklist = clerk.getByRole('list', { name: '申请材料核对' })
  // Only what the case holds a file for can be opened: the missing commitment has no preview.
  await expect(checklist.locator('[data-material="GLZD"]').getByRole('button', { name: /预览材料/ })).toHaveCount(0)
  await checklist.getByRole('button', { name: '预览材料 食品经营许可申请书' }).click()
  const scan = clerk.getByRole('dialog', { name: /预览：食品经营许可申请书/ })
  const image = scan.getByTestId('preview-image')
  await expect(image).toBeVisible()
  await expect(image).toHaveAttribute('src', /^blob:/)
  await expect.poll(async () => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240)
  await shot(`窗口人员：受理前预览扫描的申请书（图片，${where}）`, clerk, { fullPage: false })
  // The same bytes can be saved from the preview.
  const saved = clerk.waitForEvent('download')
  await scan.getByRole('button', { name: '下载', exact: true }).click()
  expect((await saved).suggestedFilename()).toBe('食品经营许可申请书.png')
  await scan.getByRole('button', { name: '关闭', exact: true }).click()
  await expect(scan).toBeHidden()

  await checklist.getByRole('button', { name: '预览材料 主要设备设施布局和操作流程' }).click()
  const plan = clerk.getByRole('dialog', { name: /预览：主要设备设施布局和操作流程/ })
  await expect(plan.getByTestId('preview-pdf')).toBeVisible()
  await expect(plan.getByTestId('preview-pdf')).toHaveAttribute('src', /^blob:/)
  // The browser's PDF viewer draws the page some time after the frame loads, and says nothing the
  // page can wait on: only the screenshot waits for it.
  await clerk.waitForTimeout(2_500)
  await shot(`窗口人员：受理前预览布局图（PDF，${where}）`, clerk, { fullPage: false })
  await plan.getByRole('button', { name: '关闭', exact: true }).click()
  await expect(plan).toBeHidden()
}

test('a clerk previews the scanned materials (an image and a PDF) on the intake page before accepting', async ({ page, shot }) => {
  await login(page, 'clerk', DEMO_PASSWORD)
  const caseNo = await fileWithScans(page, '孙丽面馆')
  await page.goto('/intake')
  await page.locator(`a[data-case-no="${caseNo}"]`).click()
  await expect(page.getByTestId('intake-case-no')).toHaveText(caseNo)
  await previewScans(page, shot, '电脑')
})

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })

  test('a clerk previews the scanned materials on the intake page on a phone-sized screen', async ({ page, shot, newVisitor }) => {
    // Filed at a desktop window; checked on the phone.
    const desk = await newVisitor()
    await login(desk, 'clerk', DEMO_PASSWORD)
    const caseNo = await fileWithScans(desk, '孙丽早餐店')
    await login(page, 'clerk', DEMO_PASSWORD)
    await page.goto(`/intake/${caseNo}`)
    await expect(page.getByTestId('intake-case-no')).toHaveText(caseNo)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow, 'the intake page is wider than the screen').toBeLessThanOrEqual(1)
    const checklist = page.getByRole('list', { name: '申请材料核对' })
    await checklist.scrollIntoViewIfNeeded()
    await expect(checklist.getByRole('button', { name: '预览材料 食品经营许可申请书' })).toBeInViewport()
    await shot('窗口人员：手机上的申请材料核对（可预览、下载）', page, { fullPage: false })
    await previewScans(page, shot, '手机')
  })
})
