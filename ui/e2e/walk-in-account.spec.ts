/**
 * 窗口代为注册 (docs/walk-in-accounts.md): the window clerk (clerk) files a walk-in case for an
 * applicant without a portal account and opens one for them on the case page; the applicant logs
 * in with the initial password from the account slip, is asked to set a new one first, sets it
 * and finds the case among their cases (我的办件). Opening the account again is refused (409).
 * 窗口重置密码: an applicant who forgot the password comes back; after the 409 the clerk resets it
 * (having checked the identity document), and the applicant logs in with the new initial password.
 */
import type { Page } from '@playwright/test'
import { labelViolations } from './axe'
import { expect, test } from './fixtures'
import { DEMO_PASSWORD, ITEM_REVIEWED, login, newPerson, type Person } from './flows'

const FORM_SCAN = { name: '申请书.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% signed form\ntrailer<<>>\n%%EOF\n') }
const COMMITMENT_SCAN = { name: '承诺书.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% commitment\ntrailer<<>>\n%%EOF\n') }
const ACCOUNT_EXISTS = '该申请人已注册网上账号，请告知其直接登录'
const RESET_QUESTION = '确认已核验申请人身份证件原件，并为其重置登录密码？'

/** The clerk files a 食品经营许可 case for the walk-in applicant, with the two signed scans. */
async function fileWalkInCase(clerk: Page, person: Person): Promise<string> {
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
  await clerk.locator('[data-material="SQS"] input[type=file]').setInputFiles(FORM_SCAN)
  await clerk.locator('[data-material="GLZD"] input[type=file]').setInputFiles(COMMITMENT_SCAN)
  await expect(clerk.getByTestId('missing-summary')).toHaveText('必需材料齐全')
  await clerk.getByRole('button', { name: '提交收件' }).click()
  await expect(clerk).toHaveURL(/\/intake\/\d+$/)
  return clerk.url().split('/').pop()!
}

test('a clerk opens a walk-in applicant\'s account; the applicant sets a new password at the first log-in and finds the case', async ({ page, shot, newVisitor }) => {
  const person = newPerson('周芳')
  await login(page, 'clerk', DEMO_PASSWORD)
  const caseNo = await fileWalkInCase(page, person)

  // The case page of a window case offers to open the applicant's account.
  const card = page.locator('section', { has: page.getByRole('heading', { name: '网上办事账号' }) })
  await expect(card).toBeVisible()
  await card.getByRole('button', { name: '为申请人开通网上账号' }).click()
  const dialog = page.getByRole('dialog', { name: '为申请人开通网上账号' })
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText(person.idNumber)
  await expect(dialog).toContainText(person.name)

  // The phone is checked as the API checks it, next to the field.
  const phoneItem = dialog.locator('.el-form-item', { has: page.getByLabel('手机号码') })
  await dialog.getByRole('button', { name: '确定' }).click()
  await expect(phoneItem).toContainText('请输入手机号码')
  await dialog.getByLabel('手机号码').fill('12345678901')
  await dialog.getByRole('button', { name: '确定' }).click()
  await expect(phoneItem).toContainText('请输入正确的11位手机号码')
  expect(await labelViolations(page)).toEqual([])
  await shot('窗口人员：开通网上账号（手机号码有误）')

  await dialog.getByLabel('手机号码').fill(person.phone)
  await dialog.getByRole('button', { name: '确定' }).click()
  const password = dialog.getByTestId('initial-password')
  await expect(password).toHaveText(/^\S{12}$/)
  const initialPassword = (await password.innerText()).trim()
  await expect(dialog.getByTestId('account-username')).toHaveText(person.idNumber)
  await expect(dialog).toContainText('初始密码只显示这一次')
  await expect(dialog).toContainText('首次登录时须设置新密码')
  expect(await labelViolations(page)).toEqual([])
  await shot('窗口人员：网上账号已开通')

  // The account slip: printed alone (the browser's print dialog is replaced by a counter).
  await page.evaluate(() => {
    const counted = window as unknown as { printed: number }
    counted.printed = 0
    window.print = () => {
      counted.printed += 1
    }
  })
  await dialog.getByRole('button', { name: '打印开户告知单' }).click()
  expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1)
  await page.emulateMedia({ media: 'print' })
  const slip = page.getByTestId('account-slip')
  await expect(slip).toBeVisible()
  await expect(slip).toContainText('网上办事账号开户告知单')
  await expect(slip).toContainText(person.idNumber)
  await expect(slip).toContainText(initialPassword)
  await expect(page.getByTestId('receipt')).toBeHidden()
  await expect(dialog).toBeHidden()
  await shot('窗口人员：打印的开户告知单', page, { fullPage: false })
  await page.emulateMedia({ media: 'screen' })

  // Done: the password leaves the page; the card names the account.
  await dialog.getByRole('button', { name: '完成' }).click()
  await expect(dialog).toBeHidden()
  await expect(card.getByTestId('account-opened')).toContainText(person.idNumber)
  await expect(page.getByTestId('account-slip')).toHaveCount(0)
  await expect(page.getByText(initialPassword)).toHaveCount(0)

  // The applicant logs in with the slip's password and is asked for a new one first.
  const applicant = await newVisitor()
  await applicant.goto('/login')
  await applicant.getByLabel('账号').fill(person.idNumber)
  await applicant.getByLabel('密码').fill(initialPassword)
  await applicant.getByRole('button', { name: '登录', exact: true }).click()
  await expect(applicant.getByRole('heading', { name: '首次登录，请设置新密码' })).toBeVisible()
  await expect(applicant).toHaveURL(/\/login/)
  await expect(applicant.getByLabel('新密码', { exact: true })).toBeFocused()
  expect(await labelViolations(applicant)).toEqual([])
  // Checked before it is sent: the initial password again, then two different entries.
  await applicant.getByLabel('新密码', { exact: true }).fill(initialPassword)
  await applicant.getByLabel('确认新密码').fill(initialPassword)
  await applicant.getByRole('button', { name: '设置新密码并登录' }).click()
  await expect(applicant.locator('.el-form-item', { has: applicant.getByLabel('新密码', { exact: true }) })).toContainText('新密码不能与初始密码相同')
  await applicant.getByLabel('新密码', { exact: true }).fill(person.password)
  await applicant.getByLabel('确认新密码').fill(`${person.password}x`)
  await applicant.getByRole('button', { name: '设置新密码并登录' }).click()
  await expect(applicant.locator('.el-form-item', { has: applicant.getByLabel('确认新密码') })).toContainText('两次输入的密码不一致')
  await shot('申请人：首次登录设置新密码', applicant)
  await applicant.getByLabel('确认新密码').fill(person.password)
  await applicant.getByRole('button', { name: '设置新密码并登录' }).click()

  // Logged in with the new password: the case filed at the window is among theirs.
  await expect(applicant).toHaveURL(/\/my\/cases$/)
  await expect(applicant.locator(`a[data-case-no="${caseNo}"]`)).toBeVisible()
  await shot('申请人：我的办件', applicant)

  // The clerk (on another visit to the case page) cannot open a second account.
  await page.reload()
  await card.getByRole('button', { name: '为申请人开通网上账号' }).click()
  await expect(dialog).toBeVisible()
  await dialog.getByLabel('手机号码').fill(person.phone)
  await dialog.getByRole('button', { name: '确定' }).click()
  await expect(dialog.getByRole('alert')).toContainText(ACCOUNT_EXISTS)
  await expect(dialog.getByTestId('initial-password')).toHaveCount(0)
  await shot('窗口人员：申请人已有网上账号')
  await dialog.getByRole('button', { name: '取消' }).click()
  await expect(dialog).toBeHidden()
})

test('a clerk resets the password of an applicant who already has an account; the applicant logs in with the new initial password', async ({ page, shot, newVisitor }) => {
  const person = newPerson('吴敏')
  await login(page, 'clerk', DEMO_PASSWORD)
  const caseNo = await fileWalkInCase(page, person)

  // The account is opened once; the clerk closes the result without printing (asked first).
  const card = page.locator('section', { has: page.getByRole('heading', { name: '网上办事账号' }) })
  await card.getByRole('button', { name: '为申请人开通网上账号' }).click()
  const dialog = page.getByRole('dialog', { name: '为申请人开通网上账号' })
  await dialog.getByLabel('手机号码').fill(person.phone)
  await dialog.getByRole('button', { name: '确定' }).click()
  await expect(dialog.getByTestId('initial-password')).toHaveText(/^\S{12}$/)
  const firstPassword = (await dialog.getByTestId('initial-password').innerText()).trim()
  await dialog.getByRole('button', { name: '完成' }).click()
  const closing = page.getByRole('dialog', { name: '关闭', exact: true })
  await expect(closing).toContainText('初始密码只显示这一次')
  await closing.getByRole('button', { name: '确认关闭' }).click()
  await expect(dialog).toBeHidden()

  // The applicant lost the slip and comes back: opening again is refused, a reset is offered.
  await page.reload()
  await card.getByRole('button', { name: '为申请人开通网上账号' }).click()
  await expect(dialog).toBeVisible()
  await dialog.getByLabel('手机号码').fill(person.phone)
  await dialog.getByRole('button', { name: '确定' }).click()
  await expect(dialog.getByTestId('account-exists')).toContainText(ACCOUNT_EXISTS)
  const offer = dialog.getByTestId('password-reset-offer')
  await expect(offer).toContainText('忘记登录密码')
  await expect(offer).toContainText('身份证件原件')
  const resetButton = offer.getByRole('button', { name: '重置登录密码' })
  await expect(resetButton).toHaveAccessibleDescription(/忘记登录密码/)
  expect(await labelViolations(page)).toEqual([])
  await shot('窗口人员：申请人已有网上账号，可重置登录密码')

  // Asked first: the identity document was checked. Going back changes nothing.
  await resetButton.click()
  const question = page.getByRole('dialog', { name: '重置登录密码', exact: true })
  await expect(question).toBeVisible()
  await expect(question).toHaveAccessibleDescription(RESET_QUESTION)
  expect(await labelViolations(page)).toEqual([])
  await shot('窗口人员：确认已核验身份证件')
  await question.getByRole('button', { name: '返回' }).click()
  await expect(question).toBeHidden()
  await expect(dialog.getByTestId('initial-password')).toHaveCount(0)

  await resetButton.click()
  await expect(question).toBeVisible()
  await question.getByRole('button', { name: '确认重置' }).click()
  await expect(question).toBeHidden()

  // The new initial password, shown once, as for a new account but saying it is a reset.
  const resetDialog = page.getByRole('dialog', { name: '为申请人重置登录密码' })
  await expect(resetDialog).toBeVisible()
  await expect(resetDialog.getByTestId('result-status')).toContainText('密码已重置')
  const password = resetDialog.getByTestId('initial-password')
  await expect(password).toHaveText(/^\S{12}$/)
  const newPassword = (await password.innerText()).trim()
  expect(newPassword).not.toBe(firstPassword)
  await expect(resetDialog.getByTestId('account-username')).toHaveText(person.idNumber)
  await expect(resetDialog).toContainText('只显示这一次')
  await expect(resetDialog).toContainText('原密码已失效')
  await expect(resetDialog.getByTestId('account-exists')).toHaveCount(0)
  expect(await labelViolations(page)).toEqual([])
  await shot('窗口人员：登录密码已重置')

  // The slip for the reset, printed alone.
  await page.evaluate(() => {
    window.print = () => {}
  })
  await resetDialog.getByRole('button', { name: '打印密码重置告知单' }).click()
  await page.emulateMedia({ media: 'print' })
  const slip = page.getByTestId('account-slip')
  await expect(slip).toBeVisible()
  await expect(slip).toContainText('网上办事账号密码重置告知单')
  await expect(slip).toContainText(person.idNumber)
  await expect(slip).toContainText(newPassword)
  await expect(resetDialog).toBeHidden()
  await shot('窗口人员：打印的密码重置告知单', page, { fullPage: false })
  await page.emulateMedia({ media: 'screen' })

  await resetDialog.getByRole('button', { name: '完成' }).click()
  await expect(resetDialog).toBeHidden()
  await expect(card.getByTestId('password-reset-done')).toContainText(person.idNumber)
  await expect(page.getByText(newPassword)).toHaveCount(0)

  // The applicant: the first initial password no longer works; the new one asks for a new password.
  const applicant = await newVisitor()
  await applicant.goto('/login')
  await applicant.getByLabel('账号').fill(person.idNumber)
  await applicant.getByLabel('密码').fill(firstPassword)
  await applicant.getByRole('button', { name: '登录', exact: true }).click()
  await expect(applicant.locator('.el-form-item', { has: applicant.getByLabel('密码') })).toContainText('用户名或密码错误')
  await applicant.getByLabel('密码').fill(newPassword)
  await applicant.getByRole('button', { name: '登录', exact: true }).click()
  await expect(applicant.getByRole('heading', { name: '首次登录，请设置新密码' })).toBeVisible()
  await applicant.getByLabel('新密码', { exact: true }).fill(person.password)
  await applicant.getByLabel('确认新密码').fill(person.password)
  await shot('申请人：重置后设置新密码', applicant)
  await applicant.getByRole('button', { name: '设置新密码并登录' }).click()

  await expect(applicant).toHaveURL(/\/my\/cases$/)
  await expect(applicant.locator(`a[data-case-no="${caseNo}"]`)).toBeVisible()
  await shot('申请人：重置密码后登录，我的办件', applicant)
})
