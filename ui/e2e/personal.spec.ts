/**
 * Personalised services (docs/personal-services.md) in the browser: an 80+ person of the county,
 * at L2, finds 免申即享 高龄津贴 with its reason on 我的办件 and claims it with one confirmation; 为您推荐
 * shows its reason and 不再推荐 turns it off, as 个性化服务设置 then shows (您可能还需要, its own switch, stays on).
 */
import { labelViolations } from './axe'
import { expect, test } from './fixtures'
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
