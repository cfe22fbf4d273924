/**
 * 一件事 across departments: an administrator composes a bundle from items of two departments (the combined
 * form and materials previewed), saves it as a draft and publishes it; an applicant files the seeded
 * two-department bundle (人社 and 公安) with one combined form (一表申请: the employer asked once) and follows a
 * branch in each department.
 */
import { expect, test } from './fixtures'
import { choose, DEMO_PASSWORD, login, newPerson, openNav, registerPerson } from './flows'

const SETTLING = '330122-YJS-0002'

test('an administrator composes a bundle of two departments, previews the combined form and publishes it', async ({ page, shot }) => {
  await login(page, 'admin', DEMO_PASSWORD)
  await openNav(page, '一件事编排')
  await expect(page.getByRole('heading', { name: '一件事编排' })).toBeVisible()
  const seeded = page.getByRole('row').filter({ has: page.locator(`[data-bundle-definition="${SETTLING}"]`) })
  await expect(seeded).toContainText('示范县人力资源和社会保障局')
  await expect(seeded).toContainText('示范县公安局')

  const code = `330122-YJS-${String(100 + Math.floor(Math.random() * 899))}`
  await page.getByTestId('bundle-new').click()
  const dialog = page.getByRole('dialog', { name: '新建一件事' })
  await dialog.getByTestId('bundle-save').click()
  await expect(dialog.getByText('一件事至少包含两个事项')).toBeVisible()
  await dialog.getByTestId('bundle-code').fill(code)
  await dialog.getByTestId('bundle-name').fill('个体户开业招工一件事')
  const items = dialog.getByTestId('bundle-items').getByRole('combobox')
  await choose(page, items, '个体工商户设立登记（示范县市场监督管理局）')
  await choose(page, items, '就业登记（示范县人力资源和社会保障局）')
  const preview = dialog.getByTestId('bundle-preview')
  await expect(preview).toContainText('合并预览（2 个部门）')
  await expect(preview).toContainText('用人单位名称')
  await expect(dialog.getByText('一件事至少包含两个事项')).toBeHidden() // the message went with the change
  await dialog.getByTestId('bundle-name').click() // closes the drop-down (the name is above it, never covered)
  await shot('一件事编排：跨部门组合与合并预览')
  await dialog.getByTestId('bundle-save').click()
  await expect(dialog).toBeHidden()

  const row = page.getByRole('row').filter({ has: page.locator(`[data-bundle-definition="${code}"]`) })
  await expect(row.getByTestId('bundle-definition-status')).toHaveText('草稿')
  await row.getByTestId(`publish-${code}`).click()
  await expect(row.getByTestId('bundle-definition-status')).toHaveText('已发布')
  await shot('一件事编排：列表')

  // Offered to applicants as soon as it is published.
  await page.goto(`/bundles/${code}`)
  await expect(page.getByRole('heading', { name: '个体户开业招工一件事' })).toBeVisible()
})

test('an applicant files a bundle of two departments with one combined form and sees a branch in each', async ({ page, shot }) => {
  await registerPerson(page, newPerson('程立'))
  await page.goto(`/bundles/${SETTLING}`)
  await expect(page.getByRole('heading', { name: '来县就业安居一件事' })).toBeVisible()
  await expect(page.getByText('示范县人力资源和社会保障局')).toBeVisible()
  await expect(page.getByText('示范县公安局')).toBeVisible()
  // 一表申请: the employer both departments ask for is asked once.
  await expect(page.getByTestId('bundle-shared-fields')).toContainText('用人单位名称')
  const form = '#bundle-form'
  await expect(page.locator(`${form}-employer`)).toHaveCount(1)
  await page.locator(`${form}-employer`).fill('示范县某某科技有限公司')
  await page.locator(`${form}-start_date`).fill('2026-11-02')
  await page.locator(`${form}-start_date`).press('Enter')
  await page.locator(`${form}-position`).fill('会计')
  await page.locator(`${form}-residence_address`).fill('示范县滨江路12号')
  await page.locator(`${form}-residence_months`).fill('8')
  await shot('一件事：跨部门一表申请')
  await page.getByRole('button', { name: '一次提交全部事项' }).click()

  await expect(page).toHaveURL(/\/bundle-applications\/[^/]+$/)
  const branches = page.locator('.branches tbody tr')
  await expect(branches).toHaveCount(2)
  await expect(branches.filter({ hasText: '就业登记' })).toContainText('示范县人力资源和社会保障局')
  await expect(branches.filter({ hasText: '居住证申领' })).toContainText('示范县公安局')
  await shot('一件事：跨部门办理情况')
})
