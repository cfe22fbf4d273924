/**
 * Forms check what the API checks, before sending, and show the API's problem details next to
 * the field it names.
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { ITEM_INSTANT, newPerson, registerPerson } from './flows'
import { newPhone } from './identities'

test('registration checks the ID number and the other fields before sending; an enterprise is opened by its representative', async ({ page, shot }) => {
  await page.goto('/register')
  const idNumber = page.getByLabel('居民身份证号码')
  await idNumber.fill('110101199003077757') // check digit should be 8
  await idNumber.blur()
  await expect(page.locator('.el-form-item', { has: idNumber })).toContainText('校验位不正确')
  await shot('身份证号码校验位错误')

  // Every field is checked before anything is sent.
  await page.getByRole('button', { name: '注册并登录' }).click()
  await expect(page.getByText('请输入姓名')).toBeVisible()
  await expect(page.getByText('请输入手机号码')).toBeVisible()
  await page.getByLabel('手机号码').fill('1234')
  await page.getByLabel('手机号码').blur()
  await expect(page.getByText('请输入11位手机号码')).toBeVisible()
  await page.getByLabel('密码', { exact: true }).fill('secret-1')
  await page.getByLabel('确认密码').fill('secret-2')
  await page.getByLabel('确认密码').blur()
  await expect(page.getByText('两次输入的密码不一致')).toBeVisible()
  await expect(page).toHaveURL(/\/register$/)
  await shot('注册表单校验')

  // An enterprise is not registered here: its legal representative opens it after logging in as a
  // person (e2e/legal-person.spec.ts checks the credit code on 我的单位).
  await page.getByText('法人注册').click()
  await expect(page.getByTestId('entity-registration-notice')).toContainText('由法定代表人开通')
  await expect(page.getByLabel('统一社会信用代码')).toHaveCount(0)
  await expect(page.getByRole('link', { name: '已有个人账号，登录后开通单位账号' })).toHaveAttribute('href', '/login?redirect=/my/entities')
  await shot('法人注册')
})

test('the API refusing a second registration of a number is said next to the field', async ({ page, newVisitor }) => {
  const person = newPerson('孙丽')
  await registerPerson(page, person)
  const other = await newVisitor()
  await other.goto('/register')
  await other.getByLabel('居民身份证号码').fill(person.idNumber)
  await other.getByLabel('姓名').fill('孙丽')
  await other.getByLabel('手机号码').fill(newPhone())
  await other.getByLabel('密码', { exact: true }).fill('another-secret')
  await other.getByLabel('确认密码').fill('another-secret')
  await other.getByRole('button', { name: '注册并登录' }).click()
  await expect(other.locator('.el-form-item', { has: other.getByLabel('居民身份证号码') })).toContainText('该证件号码已注册')
})

test('a wrong password is said under the password', async ({ page }) => {
  await page.goto('/login')
  await page.getByLabel('账号').fill('reviewer-amr')
  await page.getByLabel('密码').fill('not-the-password')
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await expect(page.locator('.el-form-item', { has: page.getByLabel('密码') })).toContainText('用户名或密码错误')
})

test('five wrong passwords from one browser hold that browser back, not the owner on a known device', async ({ page, newVisitor, shot }) => {
  const person = newPerson('严防')
  await registerPerson(page, person)
  const logIn = async (browser: Page, password: string): Promise<void> => {
    await browser.evaluate(() => sessionStorage.clear())
    await browser.goto('/login')
    await browser.getByLabel('账号').fill(person.idNumber)
    await browser.getByLabel('密码').fill(password)
    await browser.getByRole('button', { name: '登录', exact: true }).click()
  }
  // The owner logs in once from this browser: it becomes one of the account's known devices.
  await logIn(page, person.password)
  await expect(page).not.toHaveURL(/\/login/)
  const visitor = await newVisitor()
  await visitor.goto('/login')
  await visitor.getByLabel('账号').fill(person.idNumber)
  for (let attempt = 1; attempt <= 5; attempt++) {
    await visitor.getByLabel('密码').fill(`wrong-${attempt}-password`)
    await visitor.getByRole('button', { name: '登录', exact: true }).click()
    await expect(visitor.locator('.el-form-item', { has: visitor.getByLabel('密码') })).toContainText('用户名或密码错误')
  }
  // The stranger's browser must wait, even with the right password...
  await visitor.getByLabel('密码').fill(person.password)
  await visitor.getByRole('button', { name: '登录', exact: true }).click()
  await expect(visitor.locator('.el-alert')).toContainText(/该账号登录失败次数过多，请 \d+ (秒|分钟)后再试/)
  await expect(visitor).toHaveURL(/\/login/)
  await shot('登录失败过多须稍后再试', visitor)
  // ...while the owner, on the browser they logged in from before, is not held back.
  await logIn(page, person.password)
  await expect(page).not.toHaveURL(/\/login/)
})

test('the application form says which fields are missing or malformed', async ({ page, shot }) => {
  await registerPerson(page, newPerson('周杰'))
  await page.goto(`/apply/${ITEM_INSTANT}`)
  await page.getByRole('button', { name: '提交申请' }).click()
  await expect(page.getByText('请填写个体工商户名称')).toBeVisible()
  await expect(page.getByText('请填写资金数额（万元）')).toBeVisible()
  await page.getByLabel('资金数额（万元）').fill('五万')
  await page.getByLabel('资金数额（万元）').blur()
  await expect(page.getByText('资金数额（万元）应为数字')).toBeVisible()
  await shot('申请表校验')
  await expect(page).toHaveURL(new RegExp(`/apply/${ITEM_INSTANT}$`))
})
