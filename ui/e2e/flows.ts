/** Steps that several tests take, done the way a person does them: through the pages. */
import { expect, type Locator, type Page } from '@playwright/test'
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

export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('账号').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await expect(page).not.toHaveURL(/\/login/)
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
  // Always click once (an option may still show while the previous choice's drop-down fades out).
  let clicked = false
  await expect(async () => {
    if (!clicked || !(await item.isVisible())) await combobox.click({ force: true })
    clicked = true
    await expect(item).toBeVisible({ timeout: 2_000 })
  }).toPass({ timeout: 15_000 })
  await item.click()
}
