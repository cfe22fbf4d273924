/** Steps that several tests take, done the way a person does them: through the pages. */
import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test'
import { newPhone, newResidentId } from './identities'

export const DEMO_PASSWORD = 'demo12345'
export const ITEM_INSTANT = '330122-AMR-XK-0001' // 个体工商户设立登记, instant approval
export const ITEM_REVIEWED = '330122-AMR-XK-0002' // 食品经营许可, a reviewer decides

export interface Person {
  idNumber: string
  name: string
  phone: string
  password: string
}

export function newPerson(name: string): Person {
  return { idNumber: newResidentId(), name, phone: newPhone(), password: 'secret-123456' }
}

export async function registerPerson(page: Page, person: Person): Promise<void> {
  await page.goto('/register')
  await page.getByLabel('居民身份证号码').fill(person.idNumber)
  await page.getByLabel('姓名').fill(person.name)
  await page.getByLabel('手机号码').fill(person.phone)
  await page.getByLabel('密码', { exact: true }).fill(person.password)
  await page.getByLabel('确认密码').fill(person.password)
  await page.getByRole('button', { name: '注册并登录' }).click()
  await expect(page).toHaveURL(/\/my\/cases$/)
}

/** A token for a demo staff account (for the few set-ups a test does through the API, not the pages). */
export async function staffToken(request: APIRequestContext, username = 'admin'): Promise<string> {
  const response = await request.post('/api/v1/auth/token', { form: { grant_type: 'password', username, password: DEMO_PASSWORD } })
  expect(response.status(), await response.text()).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

/**
 * Puts people into the population registry (人口库) with their phone, as the data administrator
 * would: the admin's CSV import (POST /registries/population/imports). Registration is verified
 * against it, and the L2 code goes to the phone it holds.
 */
export async function addToPopulationRegistry(request: APIRequestContext, ...persons: Person[]): Promise<void> {
  const token = await staffToken(request)
  const rows = persons.map((p, i) => [p.idNumber, p.name, '330122', `示范县测试路${p.idNumber.slice(-6)}-${i}号`, p.phone].join(','))
  const response = await request.post('/api/v1/registries/population/imports', {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
    data: ['id_number,name,household_division_code,residence_address,phone', ...rows].join('\n') + '\n',
  })
  expect(response.status(), await response.text()).toBe(201)
  const report = (await response.json()) as { accepted_rows: number; errors: unknown[] }
  expect(report.accepted_rows, JSON.stringify(report.errors)).toBe(persons.length)
}

/** The newest one-time code the development SMS channel sent to a phone (GET /dev/sms-outbox). */
export async function latestSmsCode(request: APIRequestContext, phone: string, after?: string): Promise<string> {
  let code = ''
  await expect(async () => {
    const response = await request.get(`/api/v1/dev/sms-outbox?phone=${encodeURIComponent(phone)}`)
    expect(response.status()).toBe(200)
    const messages = (await response.json()) as { code: string; sent_at: string }[]
    const newest = messages[0]
    expect(newest, `no SMS to ${phone}`).toBeTruthy()
    expect(newest!.code).not.toBe(after ?? '')
    code = newest!.code
  }).toPass({ timeout: 10_000 })
  return code
}

/**
 * Raises the logged-in applicant to L2 (手机核验) the way a person does: 实名认证, 获取验证码, the
 * code from the SMS (the development outbox), 提交验证. The person must be in the population
 * registry with their phone (addToPopulationRegistry).
 */
export async function raiseToL2(page: Page, person: Person): Promise<void> {
  if (!new URL(page.url()).pathname.startsWith('/my/identity')) await page.goto('/my/identity')
  await expect(page.getByRole('heading', { name: '实名认证', exact: true })).toBeVisible()
  await page.getByTestId('request-code').click()
  await expect(page.getByTestId('masked-phone')).toHaveText(`${person.phone.slice(0, 3)}****${person.phone.slice(-4)}`)
  const code = await latestSmsCode(page.request, person.phone)
  await page.getByLabel('短信验证码').fill(code)
  await page.getByRole('button', { name: '提交验证' }).click()
  await expect(page.getByText('实名认证等级已提升至 L2 手机核验')).toBeVisible()
}

/** A new person in the population registry, registered through the pages and raised to L2. */
export async function registerAtL2(page: Page, name: string): Promise<Person> {
  const person = newPerson(name)
  await addToPopulationRegistry(page.request, person)
  await registerPerson(page, person)
  await raiseToL2(page, person)
  return person
}

export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('账号').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录', exact: true }).click()
  // A loaded test machine may take a while for the password hash and the first workbench page.
  await expect(page).not.toHaveURL(/\/login/, { timeout: 30_000 })
}

/** Fills the generated application form (labels as the item defines them) and submits it. */
export async function apply(page: Page, itemCode: string, values: Record<string, string>): Promise<string> {
  await page.goto(`/apply/${itemCode}`)
  for (const [label, value] of Object.entries(values)) await page.getByLabel(label, { exact: true }).fill(value)
  await page.getByRole('button', { name: '提交申请' }).click()
  await expect(page).toHaveURL(/\/cases\/\d+$/)
  return page.url().split('/').pop()!
}

/** Follows a link of the desktop's main navigation, opening the drop-down menu it sits in
 *  (事项与清单, 数据共享, 监督管理) when it is not on the bar itself. */
export async function openNav(page: Page, label: string): Promise<void> {
  const nav = page.getByRole('navigation', { name: '主导航' })
  await nav.waitFor()
  const link = nav.getByRole('link', { name: label, exact: true })
  if (!(await link.isVisible())) {
    const menu = nav.locator(`button[data-menu-items~="${label}"]`)
    await menu.click()
    await expect(menu).toHaveAttribute('aria-expanded', 'true')
  }
  await link.click()
}

/** Chooses an option of an Element Plus select: opens it (again, if a click landed before the
 *  select was ready) until the option shows, then clicks the option. */
export async function choose(page: Page, combobox: Locator, option: string, options: { exact?: boolean } = {}): Promise<void> {
  const item = page.getByRole('option', { name: option, exact: options.exact })
  // Always click once (an option may still show while the previous choice's drop-down fades out); after that
  // only while the list is closed: a click on an open list closes it, and on a busy machine its options can
  // take longer than one look to show (CI of 092ff7c: the list was opened and closed in turn for 15 s).
  let clicked = false
  await expect(async () => {
    const open = (await combobox.getAttribute('aria-expanded')) === 'true'
    if (!clicked || (!open && !(await item.isVisible()))) await combobox.click({ force: true })
    clicked = true
    await expect(item).toBeVisible({ timeout: 2_000 })
  }).toPass({ timeout: 15_000 })
  await item.click()
}
