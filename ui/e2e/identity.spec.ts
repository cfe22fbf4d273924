/**
 * Identity assurance (docs/identity.md): registration verified against the population registry
 * (人口库); an L1 applicant led from the wallet to 实名认证 and raised to L2 by a code to the
 * registry's phone; the window clerk verifying an applicant in person (L3); and taking back an
 * account someone registered under another person's number (找回被冒用账号).
 */
import type { Page } from '@playwright/test'
import { labelViolations } from './axe'
import { expect, test } from './fixtures'
import { addToPopulationRegistry, DEMO_PASSWORD, ITEM_REVIEWED, latestSmsCode, login, newPerson, registerPerson, type Person } from './flows'

const SCAN = { name: '申请书.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% signed\ntrailer<<>>\n%%EOF\n') }
const MISMATCH = '姓名与身份证号码不一致：与人口库登记的信息不符，请核对后重新填写'

/** The clerk files a 食品经营许可 case at the window for the applicant and opens its page. */
async function fileWalkInCase(clerk: Page, person: Pick<Person, 'idNumber' | 'name'>): Promise<string> {
  await clerk.goto('/intake/new')
  await clerk.getByLabel('居民身份证号码').fill(person.idNumber)
  await clerk.getByLabel('申请人姓名').fill(person.name)
  await clerk.getByLabel('事项名称、编码或关键词').fill(ITEM_REVIEWED)
  await clerk.getByRole('button', { name: '查找事项' }).click()
  await clerk.getByRole('button', { name: '选择 食品经营许可' }).click()
  await clerk.getByLabel('经营者名称', { exact: true }).fill(`${person.name}小吃店`)
  await clerk.getByLabel('经营场所', { exact: true }).fill('示范县富春路8号')
  await clerk.getByLabel('经营项目', { exact: true }).fill('热食类食品制售')
  await clerk.getByLabel('经营场所面积（平方米）', { exact: true }).fill('35')
  await clerk.locator('[data-material="SQS"] input[type=file]').setInputFiles(SCAN)
  await clerk.locator('[data-material="GLZD"] input[type=file]').setInputFiles(SCAN)
  await expect(clerk.getByTestId('missing-summary')).toHaveText('必需材料齐全')
  await clerk.getByRole('button', { name: '提交收件' }).click()
  await expect(clerk).toHaveURL(/\/intake\/\d+$/)
  return clerk.url().split('/').pop()!
}

test('registering under a name the population registry contradicts is refused, naming no one', async ({ page, shot }) => {
  const person = newPerson('赵云霞')
  await addToPopulationRegistry(page.request, person)

  await page.goto('/register')
  await page.getByLabel('居民身份证号码').fill(person.idNumber)
  await page.getByLabel('姓名').fill('赵云')
  await page.getByLabel('手机号码').fill(person.phone)
  await page.getByLabel('密码', { exact: true }).fill(person.password)
  await page.getByLabel('确认密码').fill(person.password)
  await page.getByRole('button', { name: '注册并登录' }).click()
  const nameItem = page.locator('.el-form-item', { has: page.getByLabel('姓名') })
  await expect(nameItem).toContainText(MISMATCH)
  await expect(page).toHaveURL(/\/register$/)
  // The registered name is never suggested.
  await expect(page.getByText(person.name)).toHaveCount(0)
  expect(await labelViolations(page)).toEqual([])
  await shot('注册：姓名与人口库不一致')

  // With the name the registry holds, the account opens at L1 and the applicant sees it.
  await page.getByLabel('姓名').fill(person.name)
  await page.getByRole('button', { name: '注册并登录' }).click()
  await expect(page).toHaveURL(/\/my\/cases$/)
  await expect(page.getByText('注册成功，您的实名认证等级为 L1 实名核验')).toBeVisible()
  await expect(page.getByTestId('assurance-level-tag')).toHaveText('L1 实名核验')
  await expect(page.getByTestId('identity-source')).toContainText('人口库实名核验')
  await expect(page.getByTestId('header-level')).toHaveText('L1')
  await shot('注册成功：实名认证等级 L1')
})

test('an L1 applicant opening the wallet is led to 实名认证, raises to L2 by an SMS code and sees the wallet', async ({ page, shot }) => {
  const person = newPerson('孔令辉')
  await addToPopulationRegistry(page.request, person)
  await registerPerson(page, person)

  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的证照' }).click()
  await expect(page).toHaveURL(/\/my\/identity\?/)
  const why = page.getByTestId('assurance-required')
  await expect(why).toContainText('查看我的证照需要 L2 手机核验 及以上的实名认证等级，您当前为 L1 实名核验')
  await expect(page.getByTestId('assurance-return')).toHaveAttribute('href', '/my/licenses')
  await expect(page.getByTestId('assurance-level-tag')).toHaveText('L1 实名核验')
  await expect(page.locator('tr[data-level="L2"]')).toContainText('我的证照')
  expect(await labelViolations(page)).toEqual([])
  await shot('实名认证：查看证照需要 L2')

  await page.getByTestId('request-code').click()
  await expect(page.getByTestId('masked-phone')).toHaveText(`${person.phone.slice(0, 3)}****${person.phone.slice(-4)}`)
  await expect(page.getByTestId('request-code')).toBeDisabled()
  await expect(page.getByTestId('request-code')).toContainText(/重新获取（\d+秒）/)
  const code = await latestSmsCode(page.request, person.phone)

  // A wrong code is said next to the field.
  const wrong = code === '000000' ? '111111' : '000000'
  await page.getByLabel('短信验证码').fill(wrong)
  await page.getByRole('button', { name: '提交验证' }).click()
  await expect(page.locator('.el-form-item', { has: page.getByLabel('短信验证码') })).toContainText('验证码不正确')
  expect(await labelViolations(page)).toEqual([])
  await shot('实名认证：验证码已发送')

  await page.getByLabel('短信验证码').fill(code)
  await page.getByRole('button', { name: '提交验证' }).click()
  await expect(page).toHaveURL(/\/my\/licenses$/)
  await expect(page.getByRole('heading', { name: '我的证照' })).toBeVisible()
  await expect(page.getByText('暂无电子证照')).toBeVisible()
  await expect(page.getByTestId('header-level')).toHaveText('L2')
  await shot('实名认证后：我的证照')

  await page.goto('/my/identity')
  await expect(page.getByTestId('assurance-level-tag')).toHaveText('L2 手机核验')
  await expect(page.getByTestId('raise-l2')).toHaveCount(0)
  await shot('实名认证：L2 手机核验')
})

test('an applicant the registry does not know is sent to a window or 统一身份认证 instead of a code', async ({ page, shot }) => {
  await registerPerson(page, newPerson('外地人'))
  await page.goto('/my/data-access')
  await expect(page).toHaveURL(/\/my\/identity\?/)
  await expect(page.getByTestId('assurance-required')).toContainText('查看谁查看了我的数据需要 L2 手机核验')
  await expect(page.getByTestId('identity-source')).toContainText('人口库暂无登记')
  await expect(page.getByTestId('no-registry-phone')).toContainText('政务服务窗口')
  await expect(page.getByTestId('request-code')).toHaveCount(0)
  await shot('实名认证：人口库无登记')
})

test('the window clerk verifies an applicant in person and the applicant sees L3', async ({ page, shot, newVisitor }) => {
  const person = newPerson('邓佳')
  await addToPopulationRegistry(page.request, person)
  await registerPerson(page, person)
  await expect(page.getByTestId('assurance-level-tag')).toHaveText('L1 实名核验')

  const clerk = await newVisitor()
  await login(clerk, 'clerk', DEMO_PASSWORD)
  await fileWalkInCase(clerk, person)
  const card = clerk.locator('section', { has: clerk.getByRole('heading', { name: '网上办事账号' }) })
  await card.getByRole('button', { name: '现场核验身份' }).click()
  const question = clerk.getByRole('dialog', { name: '现场核验身份', exact: true })
  await expect(question).toContainText('身份证件原件')
  await shot('窗口人员：确认已核验身份证件', clerk)
  await question.getByRole('button', { name: '确认已核验' }).click()
  await expect(card.getByTestId('verified-in-person')).toContainText(person.idNumber)
  await expect(card.getByTestId('verified-level')).toHaveText('L3 现场核验或统一身份认证')
  expect(await labelViolations(clerk)).toEqual([])
  await shot('窗口人员：现场核验身份完成', clerk)

  // The applicant's account is at L3 (the next log-in carries it).
  await page.goto('/my/identity')
  await expect(page.getByTestId('assurance-level-tag')).toHaveText('L3 现场核验或统一身份认证')
  await expect(page.getByTestId('identity-source')).toContainText('政务服务窗口现场核验')
  await expect(page.getByTestId('level-stale')).toContainText('重新登录后生效')
  await page.getByTestId('level-stale').getByRole('button', { name: '重新登录' }).click()
  await expect(page).toHaveURL(/\/login/)
  await page.getByLabel('账号').fill(person.idNumber)
  await page.getByLabel('密码').fill(person.password)
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await expect(page).toHaveURL(/\/my\/identity$/)
  await expect(page.getByTestId('level-top')).toBeVisible()
  await shot('申请人：实名认证等级 L3')
  // L3 includes L2: the wallet opens.
  await page.goto('/my/licenses')
  await expect(page.getByRole('heading', { name: '我的证照' })).toBeVisible()
})

test('the window clerk takes back a squatted account: the squatter is logged out, the owner logs in with the slip', async ({ page, shot, newVisitor }) => {
  // Someone registers an account under the owner's number (one the registry does not know) and their own name.
  const owner = newPerson('蒋晓')
  const squatter: Person = { ...owner, name: '冒用者', phone: '13912345678', password: 'squatter-123' }
  await registerPerson(page, squatter)
  await expect(page.getByTestId('current-user').first()).toHaveText('冒用者')

  // The owner comes to the window with their identity document.
  const clerk = await newVisitor()
  await login(clerk, 'clerk', DEMO_PASSWORD)
  const caseNo = await fileWalkInCase(clerk, owner)
  const card = clerk.locator('section', { has: clerk.getByRole('heading', { name: '网上办事账号' }) })

  // Verifying in person is refused: the account carries another name.
  await card.getByRole('button', { name: '现场核验身份' }).click()
  await clerk.getByRole('dialog', { name: '现场核验身份', exact: true }).getByRole('button', { name: '确认已核验' }).click()
  await expect(card.getByRole('alert')).toContainText('找回被冒用账号')

  await card.getByRole('button', { name: '找回被冒用账号' }).click()
  const dialog = clerk.getByRole('dialog', { name: '找回被冒用的网上账号' })
  await expect(dialog.getByLabel('姓名')).toHaveValue(owner.name)
  await dialog.getByLabel('手机号码').fill(owner.phone)
  expect(await labelViolations(clerk)).toEqual([])
  await shot('窗口人员：找回被冒用账号', clerk)
  await dialog.getByRole('button', { name: '找回账号' }).click()
  const question = clerk.getByRole('dialog', { name: '找回被冒用账号', exact: true })
  await expect(question).toContainText('冒用者的登录立即失效')
  await question.getByRole('button', { name: '确认找回' }).click()

  await expect(dialog.getByTestId('result-status')).toContainText('账号已找回')
  const password = (await dialog.getByTestId('initial-password').innerText()).trim()
  expect(password).toMatch(/^\S{12}$/)
  await shot('窗口人员：账号已找回', clerk)
  await clerk.evaluate(() => {
    window.print = () => {}
  })
  await dialog.getByRole('button', { name: '打印账号找回告知单' }).click()
  await clerk.emulateMedia({ media: 'print' })
  const slip = clerk.getByTestId('account-slip')
  await expect(slip).toContainText('网上办事账号账号找回告知单')
  await expect(slip).toContainText(owner.name)
  await expect(slip).toContainText(password)
  await expect(slip).toContainText(caseNo)
  await shot('窗口人员：打印的账号找回告知单', clerk, { fullPage: false })
  await clerk.emulateMedia({ media: 'screen' })
  await dialog.getByRole('button', { name: '完成' }).click()
  await expect(card.getByTestId('account-reclaimed')).toContainText(owner.idNumber)

  // The squatter's session has ended.
  await page.goto('/my/cases')
  await expect(page).toHaveURL(/\/login/)
  await expect(page.getByText('登录已失效，请重新登录')).toBeVisible()
  await page.getByLabel('账号').fill(owner.idNumber)
  await page.getByLabel('密码').fill(squatter.password)
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await expect(page.locator('.el-form-item', { has: page.getByLabel('密码') })).toContainText('用户名或密码错误')
  await shot('冒用者：登录已失效')

  // The owner logs in with the slip's password, sets their own and is at L3.
  const applicant = await newVisitor()
  await applicant.goto('/login')
  await applicant.getByLabel('账号').fill(owner.idNumber)
  await applicant.getByLabel('密码').fill(password)
  await applicant.getByRole('button', { name: '登录', exact: true }).click()
  await expect(applicant.getByRole('heading', { name: '首次登录，请设置新密码' })).toBeVisible()
  await applicant.getByLabel('新密码', { exact: true }).fill(owner.password)
  await applicant.getByLabel('确认新密码').fill(owner.password)
  await applicant.getByRole('button', { name: '设置新密码并登录' }).click()
  await expect(applicant).toHaveURL(/\/my\/cases$/)
  await expect(applicant.getByTestId('current-user').first()).toHaveText(owner.name)
  await expect(applicant.getByTestId('assurance-level-tag')).toHaveText('L3 现场核验或统一身份认证')
  await expect(applicant.locator(`a[data-case-no="${caseNo}"]`)).toBeVisible()
  await shot('本人：找回后登录，实名认证等级 L3', applicant)
})

test('signing in through 统一身份认证 opens an account at L3 and comes back where the sign-in began', async ({ page, shot }) => {
  // The test OpenID provider (tests/oidc_provider) stands for the provincial identity platform.
  const issuer = process.env.E2E_OIDC_ISSUER!
  const person = JSON.parse(process.env.E2E_OIDC_ACCOUNT!) as { account: string; name: string; id_number: string }

  await page.goto('/login?redirect=/my/licenses')
  const button = page.getByTestId('oidc-login')
  await expect(button).toHaveText('使用统一身份认证登录')
  await expect(page.getByText('通过浙江政务服务网统一身份认证登录')).toBeVisible()
  expect(await labelViolations(page)).toEqual([])
  await shot('登录：使用统一身份认证登录')
  await button.click()

  // At the provider: the person logs in (the provider's interaction, driven as its tests drive it).
  await page.waitForURL((address) => address.href.startsWith(`${issuer}/interaction/`))
  const finished = await page.request.post(`${page.url()}/login`, { form: { account: person.account }, maxRedirects: 0 })
  expect(finished.status(), await finished.text()).toBe(303)
  await page.goto(new URL(finished.headers().location!, issuer).href)

  // Back at the portal: logged in at L3, on the page the sign-in began from, the token gone from the address.
  await expect(page).toHaveURL(/\/my\/licenses$/)
  expect(new URL(page.url()).hash).toBe('')
  await expect(page.getByRole('heading', { name: '我的证照' })).toBeVisible()
  await expect(page.getByTestId('current-user').first()).toHaveText(person.name)
  await expect(page.getByTestId('header-level')).toHaveText('L3')
  await shot('统一身份认证登录后：我的证照')
  await page.goto('/my/identity')
  await expect(page.getByTestId('assurance-level-tag')).toHaveText('L3 现场核验或统一身份认证')
  await expect(page.getByTestId('identity-source')).toContainText('统一身份认证平台')
  await shot('统一身份认证：实名认证等级 L3')
})
