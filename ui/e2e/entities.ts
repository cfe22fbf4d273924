/**
 * Legal persons in the end-to-end tests: each test owns its data. The administrator imports a fresh
 * person (and a fresh legal entity naming that person its legal representative) into the shared
 * registries; a person raises their level with the one-time code the development SMS outbox shows
 * for the registry's phone, as a developer reads it.
 */
import { expect, type APIRequestContext, type Page } from '@playwright/test'
import { DEMO_PASSWORD, login, type Person } from './flows'
import { newUscc } from './identities'

export interface Entity {
  uscc: string
  name: string
}

function random(digits: number): string {
  return String(Math.floor(Math.random() * 10 ** digits)).padStart(digits, '0')
}

/** A fresh enterprise with a name no other test uses (the registry's names are unique). */
export function newEntity(prefix = '富春江'): Entity {
  return { uscc: newUscc(), name: `桐庐${prefix}${random(6)}茶业有限公司` }
}

async function tokenOf(request: APIRequestContext, username: string, password: string): Promise<string> {
  const response = await request.post('/api/v1/auth/token', { form: { grant_type: 'password', username, password } })
  expect(response.status(), await response.text()).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

async function importCsv(request: APIRequestContext, resource: string, csv: string): Promise<void> {
  const admin = await tokenOf(request, 'admin', DEMO_PASSWORD)
  const response = await request.post(`/api/v1/registries/${resource}/imports`, {
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'text/csv' },
    data: Buffer.from(csv, 'utf-8'),
  })
  expect(response.status(), await response.text()).toBe(201)
  const report = (await response.json()) as { accepted_rows: number; rejected_rows: number; errors: unknown[] }
  expect(report.rejected_rows, JSON.stringify(report.errors)).toBe(0)
}

/** The persons into the population registry (name and phone as they register). */
export async function importPersons(request: APIRequestContext, ...persons: Person[]): Promise<void> {
  const rows = persons.map((p, i) => `${p.idNumber},${p.name},330122,桐庐县富春路${random(4)}号${i}室,${p.phone}`)
  await importCsv(request, 'population', ['id_number,name,household_division_code,residence_address,phone', ...rows].join('\n') + '\n')
}

/** The entity into the legal-entity registry, with `representative` its legal representative. */
export async function importEntity(request: APIRequestContext, entity: Entity, representative: Person): Promise<void> {
  const csv = [
    'uscc,name,entity_type,legal_representative,legal_representative_id_number,division_code,address,status',
    `${entity.uscc},${entity.name},enterprise,${representative.name},${representative.idNumber},330122,桐庐县迎春南路${random(3)}号,active`,
  ].join('\n')
  await importCsv(request, 'legal-entities', csv + '\n')
}

/** Registers the person through the API (for those whose registration the test does not show). */
export async function registerPersonByApi(request: APIRequestContext, person: Person): Promise<void> {
  const response = await request.post('/api/v1/auth/register', {
    data: { account_type: 'person', id_number: person.idNumber, name: person.name, phone: person.phone, password: person.password },
  })
  expect(response.status(), await response.text()).toBe(201)
}

/**
 * 实名认证 to L2 in the browser's session: the code sent to the registry's phone, read from the
 * development SMS outbox, then the new token (at L2) in place of the old one. The page is reloaded.
 */
export async function raiseToL2(page: Page, person: Person): Promise<void> {
  const token = await page.evaluate(() => sessionStorage.getItem('gov.portal.token'))
  expect(token, 'logged in').toBeTruthy()
  const headers = { Authorization: `Bearer ${token}` }
  const sent = await page.request.post('/api/v1/me/assurance/phone-code', { headers })
  expect(sent.status(), await sent.text()).toBe(202)
  const outbox = await page.request.get(`/api/v1/dev/sms-outbox?phone=${person.phone}`)
  expect(outbox.status(), await outbox.text()).toBe(200)
  const [message] = (await outbox.json()) as { code: string }[]
  expect(message, 'a code in the outbox').toBeTruthy()
  const verified = await page.request.post('/api/v1/me/assurance/phone-verify', { headers, data: { code: message!.code } })
  expect(verified.status(), await verified.text()).toBe(200)
  const raised = ((await verified.json()) as { access_token: string }).access_token
  await page.evaluate((value) => sessionStorage.setItem('gov.portal.token', value), raised)
  await page.reload()
}

/** Clicks 以该单位身份办事 for the entity on 我的单位 and waits for the header to say so. */
export async function actFor(page: Page, entity: Entity, person: Person): Promise<void> {
  await page.goto('/my/entities')
  await page.locator(`.entity-card[data-uscc="${entity.uscc}"]`).getByRole('button', { name: '以该单位身份办事' }).click()
  await expect(page).toHaveURL(/\/my\/cases$/)
  await expect(page.getByTestId('acting-identity')).toHaveText(`${person.name} 代表 ${entity.name}`)
}

/**
 * A fresh enterprise opened by a fresh legal representative (registered, at L2) through the API;
 * the browser logs in as the representative and acts for it.
 */
export async function openedEntity(page: Page, representative: Person, entity: Entity): Promise<void> {
  await importPersons(page.request, representative)
  await importEntity(page.request, entity, representative)
  await registerPersonByApi(page.request, representative)
  await login(page, representative.idNumber, representative.password)
  await raiseToL2(page, representative)
  const token = await page.evaluate(() => sessionStorage.getItem('gov.portal.token'))
  const opened = await page.request.post('/api/v1/entities', { headers: { Authorization: `Bearer ${token}` }, data: { uscc: entity.uscc } })
  expect(opened.status(), await opened.text()).toBe(201)
  await actFor(page, entity, representative)
}
