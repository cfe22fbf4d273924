/**
 * Issue 17, point 5: keyboard and screen-reader access on every page. Every route of the router is opened
 * (with the data it needs: cases in each state and their notices, a licence, a bundle application) by the
 * person it is for, on a desktop and at phone width, and axe checks it against WCAG 2.1 A and AA plus the
 * landmark and heading rules (e2e/axe.ts). The first test fails when a route is added without a check here.
 */
import { readFileSync } from 'node:fs'
import type { APIRequestContext, Page } from '@playwright/test'
import { axeViolations } from './axe'
import { expect, test } from './fixtures'
import { DEMO_PASSWORD, ITEM_INSTANT, ITEM_REVIEWED, login, registerAtL2, staffToken, type Person } from './flows'

const ITEM_EMPLOYMENT = '330122-HRSS-QR-0001' // 就业登记 (hrss)
const BUNDLE = '330122-YJS-0002' // 来县就业安居一件事 (hrss and psb)
const WIDTHS = [
  ['桌面', { viewport: { width: 1280, height: 860 } }],
  ['手机', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
] as const

/** Each route of src/router.ts and the test below that opens it. */
const CHECKED: Record<string, 'public' | 'applicant' | 'clerk' | 'reviewer' | 'admin' | 'department admin'> = {
  '': 'public',
  items: 'public',
  'items/:code': 'public',
  'bundles/:code': 'public',
  lists: 'public',
  verify: 'public',
  'verify/:licenseNo': 'applicant',
  progress: 'public',
  login: 'public',
  register: 'public',
  'login/oidc': 'public',
  forbidden: 'public',
  ':pathMatch(.*)*': 'public',
  'apply/:code': 'applicant',
  'my/cases': 'applicant',
  'my/bundles': 'applicant',
  'my/licenses': 'applicant',
  'my/data-access': 'applicant',
  'my/identity': 'applicant',
  'my/personal-settings': 'applicant',
  'my/notifications': 'applicant',
  'my/entities': 'applicant',
  'cases/:caseNo': 'applicant',
  'cases/:caseNo/notices/:kind': 'applicant',
  'licenses/:licenseNo': 'applicant',
  'bundle-applications/:bundleNo': 'applicant',
  intake: 'clerk',
  'intake/new': 'clerk',
  'intake/:caseNo': 'clerk',
  'staff/cases': 'clerk',
  review: 'reviewer',
  'review/:caseNo': 'reviewer',
  supervision: 'admin',
  'supervision/cockpit': 'admin',
  'admin/processes': 'admin',
  'admin/items/:code/process': 'admin',
  'admin/items/:code/rules': 'admin',
  'admin/data-grants': 'admin',
  'admin/catalogue': 'admin',
  'admin/bundles': 'admin',
  'admin/catalogue/new': 'admin',
  'admin/catalogue/import': 'admin',
  'admin/catalogue/items/:code': 'admin',
  'admin/catalogue/items/:code/edit': 'admin',
  'admin/lists': 'admin',
  'admin/lists/:type/draft': 'admin',
  'admin/data-resources': 'admin',
  'admin/rectifications': 'admin',
  'admin/calendar': 'admin',
  'admin/dead-letters': 'admin',
  'admin/stock-opinions': 'department admin',
}

/** The page has loaded its data: no request in flight, no loading mask or skeleton left. */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle')
  await expect(page.locator('.el-loading-mask:visible, .el-skeleton:visible')).toHaveCount(0)
  await expect(page.locator('main')).toBeVisible()
  // No transition half-way (a tag fading in has the contrast of its half-transparent colours).
  await page.waitForFunction(() =>
    document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
  )
}

/** Opens each address and returns what axe finds there (all pages, then one assertion). */
async function check(page: Page, addresses: readonly string[]): Promise<string[]> {
  const problems: string[] = []
  for (const address of addresses) {
    await page.goto(address)
    await settled(page)
    problems.push(...(await axeViolations(page)))
  }
  return problems
}

function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` }
}

async function tokenOf(page: Page): Promise<string> {
  const token = await page.evaluate(() => sessionStorage.getItem('gov.portal.token'))
  expect(token, 'the applicant is logged in').toBeTruthy()
  return token!
}

async function post(request: APIRequestContext, path: string, token: string, data: unknown): Promise<Record<string, unknown>> {
  const response = await request.post(`/api/v1${path}`, { headers: { ...bearer(token), 'Idempotency-Key': crypto.randomUUID() }, data })
  expect(response.status(), `${path}: ${await response.text()}`).toBeLessThan(300)
  return (await response.json()) as Record<string, unknown>
}

async function until<T>(read: () => Promise<T | null | undefined>): Promise<T> {
  let value: T | null | undefined
  await expect(async () => {
    value = await read()
    expect(value).toBeTruthy()
  }).toPass({ timeout: 60_000 })
  return value!
}

const BUSINESS = { business_name: '无障碍茶叶店', business_address: '示范县人民路2号', business_scope: '茶叶零售', business_division_code: '330122' }
const EMPLOYMENT = { employer: '示范县青山茶业有限公司', start_date: '2026-11-02', position: '茶艺师' }

/** An applicant with a case in every state that has a notice, a licence and a bundle application. */
async function applicantWithCases(page: Page, name: string) {
  const person: Person = await registerAtL2(page, name)
  const request = page.request
  const token = await tokenOf(page)
  const approved = String((await post(request, '/cases', token, { item_code: ITEM_INSTANT, form: { ...BUSINESS, capital: 8 } })).case_no)
  const licenseNo = await until(async () => {
    const detail = (await (await request.get(`/api/v1/cases/${approved}`, { headers: bearer(token) })).json()) as { status: string; license_no?: string | null }
    return detail.status === 'concluded' ? detail.license_no : null
  })
  // Over 100 万元: the decision table sends it to a reviewer, who denies it.
  const denied = String((await post(request, '/cases', token, { item_code: ITEM_INSTANT, form: { ...BUSINESS, capital: 300 } })).case_no)
  const reviewer = await staffToken(request, 'reviewer-amr')
  const step = await until(async () => {
    const work = await request.get(`/api/v1/work-items/${denied}`, { headers: bearer(reviewer) })
    return work.ok() ? ((await work.json()) as { current_step: number | null }).current_step : null
  })
  await post(request, `/work-items/${denied}/actions`, reviewer, { step, action: 'deny', opinion: '资金数额超过个体工商户登记的适用范围' })
  // At the window, for this applicant: one asked to supplement, one rejected.
  const clerk = await staffToken(request, 'clerk')
  const walkIn = { item_code: ITEM_EMPLOYMENT, applicant: { type: 'person', id_number: person.idNumber, name: person.name }, form: EMPLOYMENT }
  const asked = String((await post(request, '/intake/cases', clerk, walkIn)).case_no)
  await post(request, `/intake/cases/${asked}/supplement`, clerk, { missing: ['LDHT'], note: '劳动合同须有双方签字盖章的页面。' })
  const rejected = String((await post(request, '/intake/cases', clerk, walkIn)).case_no)
  await post(request, `/intake/cases/${rejected}/reject`, clerk, { reason: '申请人已在其他县区办理就业登记。' })
  const bundle = await post(request, `/bundles/${BUNDLE}/applications`, token, {
    form: { ...EMPLOYMENT, residence_address: '示范县滨江路12号', residence_months: 8 },
    materials: [],
  })
  return { person, approved, licenseNo, denied, asked, rejected, bundleNo: String(bundle.bundle_no) }
}

test('every route of the router has an accessibility check in this file', () => {
  const router = readFileSync(new URL('../src/router.ts', import.meta.url), 'utf8')
  const paths = [...router.matchAll(/^\s+path: '([^']*)',/gm)].map((m) => m[1]!).filter((p) => p !== '/')
  expect(paths.length).toBeGreaterThan(40)
  expect(paths.filter((p) => !(p in CHECKED)), 'routes without an accessibility check').toEqual([])
  expect(Object.keys(CHECKED).filter((p) => !paths.includes(p)), 'checks of routes that no longer exist').toEqual([])
})

test('a reader who asks for reduced motion gets none; others keep the transitions', async ({ newVisitor }) => {
  // Explicitly both ways: the scenarios themselves browse with reduced motion (playwright.config.ts).
  const reduced = await newVisitor({ reducedMotion: 'reduce' })
  const moving = await newVisitor({ reducedMotion: 'no-preference' })
  const durations: Record<string, string> = {}
  for (const [who, visitor] of [['reduced', reduced], ['moving', moving]] as const) {
    await visitor.goto('/items')
    const button = visitor.getByRole('button', { name: '搜索', exact: true })
    durations[who] = await button.evaluate((el) => getComputedStyle(el).transitionDuration)
  }
  expect(durations.reduced).toBe('1e-05s')
  expect(parseFloat(durations.moving!)).toBeGreaterThan(0.01)
})

for (const [width, use] of WIDTHS) {
  test.describe(width, () => {
    test.use(use)
    // Up to twenty pages a test, each loaded and checked by axe: 1-2 min on a shared machine.
    test.describe.configure({ timeout: 300_000 })

    test(`public pages pass axe (${width})`, async ({ page }) => {
      const problems = await check(page, [
        '/',
        '/items',
        `/items/${ITEM_REVIEWED}`,
        `/bundles/${BUNDLE}`,
        '/lists',
        '/verify',
        '/progress',
        '/login',
        '/register',
        '/login/oidc',
        '/forbidden',
        '/no-such-page',
      ])
      expect(problems).toEqual([])
    })

    test(`the applicant's pages, cases and every notice pass axe (${width})`, async ({ page }) => {
      const made = await applicantWithCases(page, width === '桌面' ? '陆安' : '陆宁')
      const problems = await check(page, [
        // The three application forms differ: amounts and a division, a date, a reviewed item's materials.
        `/apply/${ITEM_INSTANT}`,
        `/apply/${ITEM_EMPLOYMENT}`,
        `/apply/${ITEM_REVIEWED}`,
        '/my/cases',
        '/my/bundles',
        '/my/licenses',
        '/my/data-access',
        '/my/identity',
        '/my/personal-settings',
        '/my/notifications',
        '/my/entities',
        `/cases/${made.approved}`,
        `/cases/${made.denied}`,
        `/cases/${made.asked}`,
        `/cases/${made.rejected}`,
        `/cases/${made.approved}/notices/receipt`,
        `/cases/${made.approved}/notices/approval`,
        `/cases/${made.asked}/notices/supplement`,
        `/cases/${made.rejected}/notices/rejection`,
        `/cases/${made.denied}/notices/denial`,
        `/licenses/${made.licenseNo}`,
        `/verify/${made.licenseNo}`,
        `/bundle-applications/${made.bundleNo}`,
      ])
      expect(problems).toEqual([])
    })

    test(`the window clerk's pages pass axe (${width})`, async ({ page }) => {
      const clerk = await staffToken(page.request, 'clerk')
      const filed = await post(page.request, '/intake/cases', clerk, {
        item_code: ITEM_EMPLOYMENT,
        applicant: { type: 'person', id_number: '11010519491231002X', name: '张三' },
        form: EMPLOYMENT,
      })
      await login(page, 'clerk', DEMO_PASSWORD)
      const problems = await check(page, ['/intake', '/intake/new', `/intake/${String(filed.case_no)}`, '/staff/cases'])
      // The intake form once an item is chosen: the applicant, the item's form and its materials.
      await page.goto('/intake/new')
      await page.getByLabel('事项名称、编码或关键词').fill('食品')
      await page.getByRole('button', { name: '查找事项' }).click()
      await page.getByRole('button', { name: '选择 食品经营许可' }).click()
      await page.getByText('申请材料', { exact: false }).first().waitFor()
      await settled(page)
      problems.push(...(await axeViolations(page)))
      expect(problems).toEqual([])
    })

    test(`the reviewer's pages pass axe (${width})`, async ({ page, newVisitor }) => {
      // A case the decision table leaves to a reviewer (over 100 万元).
      const applicant = await newVisitor()
      await registerAtL2(applicant, width === '桌面' ? '陆川' : '陆原')
      const filed = await post(applicant.request, '/cases', await tokenOf(applicant), { item_code: ITEM_INSTANT, form: { ...BUSINESS, capital: 300 } })
      const reviewer = await staffToken(page.request, 'reviewer-amr')
      await until(async () => (await page.request.get(`/api/v1/work-items/${String(filed.case_no)}`, { headers: bearer(reviewer) })).ok())
      await login(page, 'reviewer-amr', DEMO_PASSWORD)
      const problems = await check(page, ['/review', `/review/${String(filed.case_no)}`])
      expect(problems).toEqual([])
    })

    test(`the department administrator's pages pass axe (${width})`, async ({ page }) => {
      await login(page, 'deptadmin-amr', DEMO_PASSWORD)
      const problems = await check(page, ['/admin/stock-opinions'])
      expect(problems).toEqual([])
    })

    test(`the administrator's pages pass axe (${width})`, async ({ page }) => {
      await login(page, 'admin', DEMO_PASSWORD)
      const problems = await check(page, [
        '/supervision',
        '/supervision/cockpit',
        '/admin/processes',
        `/admin/items/${ITEM_REVIEWED}/process`,
        `/admin/items/${ITEM_INSTANT}/rules`,
        '/admin/data-grants',
        '/admin/catalogue',
        '/admin/bundles',
        '/admin/catalogue/new',
        '/admin/catalogue/import',
        `/admin/catalogue/items/${ITEM_REVIEWED}`,
        `/admin/catalogue/items/${ITEM_REVIEWED}/edit`,
        '/admin/lists',
        '/admin/lists/power/draft',
        '/admin/data-resources',
        '/admin/rectifications',
        '/admin/calendar',
        '/admin/dead-letters',
      ])
      expect(problems).toEqual([])
    })
  })
}
