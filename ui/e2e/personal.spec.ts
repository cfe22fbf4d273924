/**
 * Personalised services (docs/personal-services.md) in the browser: an 80+ person of the county,
 * at L2, finds 免申即享 高龄津贴 with its reason on 我的办件 and claims it with one confirmation; 为您推荐
 * shows its reason and 不再推荐 turns it off, as 个性化服务设置 then shows (您可能还需要, its own switch, stays on).
 */
import { labelViolations } from './axe'
import { expect, test, watch } from './fixtures'
import { addToPopulationRegistry, newPerson, raiseToL2, registerPerson } from './flows'
import { newResidentId } from './identities'

test('an 80-year-old claims 高龄津贴 in one step and turns recommendations off', async ({ page, shot }) => {
  const person = { ...newPerson('王秀英'), idNumber: newResidentId(1930, 1940) }
  await addToPopulationRegistry(page.request, person)
  await registerPerson(page, person)
  await raiseToL2(page, person)

  await page.goto('/my/cases')
  const offers = page.getByTestId('proactive-offers')
  await expect(offers).toContainText('高龄津贴发放')
  await expect(offers).toContainText('年满八十周岁且户籍在本县，符合高龄津贴发放条件')
  const recommended = page.getByTestId('recommendations')
  await expect(recommended).toContainText('养老服务')
  await expect(recommended).toContainText(/您已年满\d+周岁，可能需要高龄津贴等养老服务/)
  await shot('为您推荐与免申即享')
  expect(await labelViolations(page)).toEqual([])
  await recommended.getByRole('button', { name: '不再推荐' }).click()
  await expect(page.getByTestId('recommendations')).toHaveCount(0)

  await offers.getByRole('button', { name: '确认申领' }).click()
  await page.getByRole('dialog').getByRole('button', { name: '确认申领' }).click()
  await expect(page).toHaveURL(/\/cases\//)
  await expect(page.getByText('高龄津贴发放').first()).toBeVisible()
  await page.goto('/my/cases')
  await expect(page.getByRole('link', { name: /高龄津贴发放/ }).first()).toBeVisible()
  await expect(page.getByTestId('proactive-offers')).toHaveCount(0) // claimed: no longer offered

  await page.goto('/my/personal-settings')
  await expect(page.getByTestId('pref-recommendation')).not.toHaveClass(/is-checked/)
  await expect(page.getByTestId('pref-proactive')).toHaveClass(/is-checked/)
  await expect(page.getByTestId('pref-also_needed')).toHaveClass(/is-checked/) // its own opt-out, untouched
  expect(await labelViolations(page)).toEqual([])
  await shot('个性化服务设置')
})

test('a panel refused for the moment (503 with Retry-After) fills after the wait; a refusal that stays is an error', async ({ page, newVisitor }) => {
  const person = { ...newPerson('李桂兰'), idNumber: newResidentId(1930, 1940) }
  await addToPopulationRegistry(page.request, person)
  await registerPerson(page, person)
  await raiseToL2(page, person)
  const busy = {
    status: 503,
    headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '1' },
    body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: '系统繁忙，请稍后重试', code: 'busy' }),
  }

  // Refused once, as the platform sheds load on a busy machine: the client asks again after the wait, the panel
  // fills, and the page's watch (the fixture) forgives the browser's note on the 503 that was answered later.
  let refused = 0
  await page.route('**/api/v1/me/recommendations', async (route) => {
    if (refused++ === 0) await route.fulfill(busy)
    else await route.continue()
  })
  await page.goto('/my/cases')
  await expect(page.getByTestId('recommendations')).toContainText('养老服务')
  expect(refused).toBe(2)

  // Refused every time: the client gives up after its retries, and the note on the 503 stays an error.
  const errors: string[] = []
  const other = await newVisitor()
  await other.context().addCookies(await page.context().cookies())
  await other.addInitScript((state) => {
    for (const [key, value] of Object.entries(state)) window.sessionStorage.setItem(key, value)
  }, await page.evaluate(() => ({ ...window.sessionStorage })))
  other.removeAllListeners('console')
  other.removeAllListeners('response')
  watch(other, errors)
  let tries = 0
  await other.route('**/api/v1/me/recommendations', async (route) => {
    tries += 1
    await route.fulfill(busy)
  })
  await other.goto('/my/cases')
  await expect.poll(() => tries, { timeout: 15_000 }).toBe(3)
  await expect.poll(() => errors.filter((e) => e.includes('status of 503')).length).toBe(3)
})
