/**
 * The applicant's services around a case: the form prefilled from the population registry; a held
 * licence standing for a material; a supplement asked for at the window and supplied online;
 * the evaluation (好差评) of a concluded case; and who read the applicant's data.
 */
import { expect, test } from './fixtures'
import { apply, DEMO_PASSWORD, ITEM_INSTANT, ITEM_REVIEWED, login, newPerson, raiseToL2, registerAtL2, registerPerson, type Person } from './flows'

const PDF = { name: '布局图.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n') }
const RESIDENCE_PERMIT = '330122-PSB-XK-0001'

test('a held licence stands for a material, a concluded case is evaluated once, and the data reads are listed', async ({ page, shot }) => {
  // At L2 (手机核验): a held licence standing for a material and the data-access log need it.
  await registerAtL2(page, '陈晨')
  // An instant approval issues a business licence (营业执照) into the wallet.
  const firstCase = await apply(page, ITEM_INSTANT, {
    个体工商户名称: '陈晨早餐店',
    经营场所: '示范县春江路6号',
    经营范围: '早餐服务',
    '资金数额（万元）': '3',
  })
  await expect(page.getByTestId('case-status')).toHaveText('已办结')
  const licenseNo = (await page.getByTestId('case-license-no').textContent())!.trim()

  // 好差评 on the concluded case: a level is required; rated once only.
  await page.getByRole('button', { name: '提交评价' }).click()
  await expect(page.getByText('请选择评价等级')).toBeVisible()
  await page.getByRole('radiogroup', { name: '评价等级' }).getByText('非常满意', { exact: true }).click()
  await page.getByLabel('评价内容').fill('秒批办结，全程网办，非常方便。')
  await shot('申请人：好差评')
  await page.getByRole('button', { name: '提交评价' }).click()
  await expect(page.getByTestId('evaluation-result')).toHaveText(/感谢评价：非常满意/)
  // Back on the case, the rating given is shown and cannot be given again (Part A: the case detail's evaluation).
  await page.goto(`/cases/${firstCase}`)
  await expect(page.getByTestId('evaluation-result')).toContainText('您已评价：非常满意')
  await expect(page.getByRole('button', { name: '提交评价' })).toHaveCount(0)

  // Applying for 食品经营许可: the business licence stands for 营业执照; the layout plan is uploaded.
  await page.goto(`/apply/${ITEM_REVIEWED}`)
  const held = page.locator('[data-material="YYZZ"] [data-testid="material-state"]')
  await expect(held).toHaveText(`已由电子证照 ${licenseNo} 代替，无需上传`)
  await expect(page.locator('[data-material="SQS"] [data-testid="material-state"]')).toHaveText('随申请表生成')
  await page.locator('[data-material="BJT"] input[type=file]').setInputFiles(PDF)
  await expect(page.locator('[data-material="BJT"] [data-testid="material-state"]')).toHaveText('已上传扫描件')
  await page.getByLabel('经营者名称', { exact: true }).fill('陈晨早餐店')
  await page.getByLabel('经营场所', { exact: true }).fill('示范县春江路6号')
  await page.getByLabel('经营项目', { exact: true }).fill('热食类食品制售')
  await page.getByLabel('经营场所面积（平方米）', { exact: true }).fill('30')
  await shot('申请人：证照代替材料')
  await page.getByRole('button', { name: '提交申请' }).click()
  await expect(page).toHaveURL(/\/cases\/\d+$/)
  await expect(page.getByTestId('case-status')).toHaveText('审查中')

  // Dispatch read the applicant's credit record: the applicant sees who read it, and why.
  await page.goto('/my/data-access')
  await expect(page.getByRole('heading', { name: '谁查看了我的数据' })).toBeVisible()
  const log = page.locator('.access-log tbody tr', { hasText: '社会信用信息库' }).first()
  await expect(log).toContainText('政务服务管理平台')
  await expect(log).toContainText('已读取')
  await shot('申请人：谁查看了我的数据')
})

test('a supplement asked for at the window is supplied online by the applicant', async ({ page, shot, newVisitor }) => {
  const person: Person = newPerson('林静')
  await registerPerson(page, person)

  // The applicant came to the window; the clerk files the case under her ID number and asks for a supplement.
  const clerk = await newVisitor()
  await login(clerk, 'clerk', DEMO_PASSWORD)
  await clerk.goto('/intake/new')
  await clerk.getByLabel('居民身份证号码').fill(person.idNumber)
  await clerk.getByLabel('申请人姓名').fill(person.name)
  await clerk.getByLabel('事项名称、编码或关键词').fill(ITEM_REVIEWED)
  await clerk.getByRole('button', { name: '查找事项' }).click()
  await clerk.getByRole('button', { name: '选择 食品经营许可' }).click()
  await clerk.getByLabel('经营者名称', { exact: true }).fill('林静面馆')
  await clerk.getByLabel('经营场所', { exact: true }).fill('示范县学院路3号')
  await clerk.getByLabel('经营项目', { exact: true }).fill('热食类食品制售')
  await clerk.getByLabel('经营场所面积（平方米）', { exact: true }).fill('40')
  // At the window the signed application form and commitment are scanned (Part A: nothing is produced by a window filing).
  await clerk.locator('[data-material="SQS"] input[type=file]').setInputFiles(PDF)
  await clerk.locator('[data-material="GLZD"] input[type=file]').setInputFiles(PDF)
  await expect(clerk.getByTestId('missing-summary')).toHaveText('必需材料齐全')
  await clerk.getByRole('button', { name: '提交收件' }).click()
  await expect(clerk).toHaveURL(/\/intake\/\d+$/)
  const caseNo = clerk.url().split('/').pop()!
  await clerk.getByText('一次性告知补正', { exact: true }).click()
  await clerk.locator('.el-checkbox', { hasText: '主要设备设施布局和操作流程' }).click()
  await clerk.getByLabel('补正要求').fill('请上传主要设备设施布局图。')
  await clerk.getByRole('button', { name: '提交受理结论' }).click()
  await clerk.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(clerk.getByTestId('intake-status')).toHaveText('待补正')

  // The applicant finds it among her cases and supplies the plan.
  await page.goto('/my/cases')
  await page.locator(`a[data-case-no="${caseNo}"]`).click()
  await expect(page.getByTestId('case-status')).toHaveText('待补正')
  await expect(page.getByTestId('supplement-request')).toContainText('请上传主要设备设施布局图')
  await page.getByRole('button', { name: '提交补正材料' }).click()
  await expect(page.getByText('请先上传补正的材料')).toBeVisible()
  await page.locator('[data-material="BJT"] input[type=file]').setInputFiles(PDF)
  await expect(page.locator('[data-material="BJT"] [data-testid="material-state"]')).toHaveText('已上传扫描件')
  await shot('申请人：补正材料')
  await page.getByRole('button', { name: '提交补正材料' }).click()
  await expect(page.getByTestId('case-status')).toHaveText('已提交')

  // Back in the clerk's queue, with the plan among the materials.
  await clerk.reload()
  await expect(clerk.getByTestId('intake-status')).toHaveText('已提交')
  await expect(clerk.getByRole('list', { name: '申请材料核对' })).toContainText('已提交扫描件')
})

test('the application form is prefilled from the population registry', async ({ page, shot }) => {
  // 钱多多 is in the demo population registry (data-sharing's seed).
  const person: Person = { idNumber: '33012219920202001X', name: '钱多多', phone: '13900139001', password: 'secret-123456' }
  await registerPerson(page, person)
  // At L1 the form is not prefilled: the page offers 实名认证 and comes back.
  await page.goto(`/apply/${RESIDENCE_PERMIT}`)
  await expect(page.getByTestId('prefill-assurance')).toContainText('需要 L2 手机核验')
  await shot('申请人：自动填写需要 L2')
  await page.getByTestId('prefill-raise-link').click()
  await expect(page).toHaveURL(/\/my\/identity\?/)
  await expect(page.getByTestId('assurance-required')).toContainText('申报时自动填写本人信息需要 L2 手机核验')
  await raiseToL2(page, person)
  await expect(page).toHaveURL(new RegExp(`/apply/${RESIDENCE_PERMIT}$`))
  await expect(page.getByTestId('prefill-note')).toContainText('居住地址')
  await expect(page.getByLabel('居住地址', { exact: true })).not.toHaveValue('')
  await shot('申请人：自动填写')
})

test('an applicant files a bundle (一件事一次办) in one application and follows its branches', async ({ page, shot }) => {
  await page.goto('/')
  await page.locator('[data-bundle="330122-YJS-0001"]').getByRole('link', { name: '开办餐饮店一件事' }).click()
  await expect(page).toHaveURL(/\/bundles\/330122-YJS-0001$/)
  await expect(page.getByRole('heading', { name: '开办餐饮店一件事' })).toBeVisible()
  await expect(page.getByText('主要设备设施布局和操作流程')).toBeVisible()
  await shot('一件事：事项与材料')

  await registerPerson(page, newPerson('黄蕾'))
  await page.goto('/bundles/330122-YJS-0001')
  const form = '#bundle-form'
  await page.getByRole('button', { name: '一次提交全部事项' }).click()
  await expect(page.getByRole('alert').first()).toContainText('请按提示修改标红的填写项')
  // 一表申请: the name and address both items ask for are asked once.
  await expect(page.getByTestId('bundle-shared-fields')).toContainText('个体工商户名称')
  await expect(page.locator(`${form}-business_name`)).toHaveCount(1)
  await page.locator(`${form}-business_name`).fill('黄蕾餐馆')
  await page.locator(`${form}-business_address`).fill('示范县滨江路9号')
  await page.locator(`${form}-business_scope`).fill('餐饮服务')
  await page.locator(`${form}-capital`).fill('8')
  await page.locator(`${form}-food_category`).fill('热食类食品制售')
  await page.locator(`${form}-floor_area`).fill('80')
  await shot('一件事：一表申请')
  await page.getByRole('button', { name: '一次提交全部事项' }).click()

  await expect(page).toHaveURL(/\/bundle-applications\/[^/]+$/)
  const branches = page.locator('.branches tbody tr')
  await expect(branches).toHaveCount(2)
  await expect(branches.filter({ hasText: '个体工商户设立登记' }).getByTestId('branch-status')).toHaveText('已办结')
  await expect(branches.filter({ hasText: '食品经营许可' }).getByTestId('branch-status')).toHaveText('审查中')
  await expect(page.getByTestId('bundle-status')).toHaveText('办理中')
  await shot('一件事：办理情况')

  // 我的一件事: the application listed with its progress, and the way back to it.
  const bundleNo = decodeURIComponent(page.url().split('/').pop()!)
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的办件' }).click()
  await page.getByRole('main').getByRole('link', { name: '我的一件事' }).click()
  await expect(page).toHaveURL(/\/my\/bundles$/)
  const card = page.locator(`[data-bundle-no="${bundleNo}"]`)
  await expect(card.getByRole('heading', { name: '开办餐饮店一件事' })).toBeVisible()
  await expect(card.getByTestId('bundle-overall-status')).toHaveText('办理中')
  await expect(card.getByTestId('bundle-progress')).toHaveText('已办结事项：1 / 2')
  await shot('一件事：我的一件事')
  await card.click()
  await expect(page).toHaveURL(new RegExp(`/bundle-applications/${bundleNo}$`))
  await expect(page.locator('.branches tbody tr')).toHaveCount(2)
})
