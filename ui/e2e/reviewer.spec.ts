/**
 * A reviewer of 示范县市场监督管理局 (reviewer-amr) decides cases that applicants filed:
 * approves a 食品经营许可 case, after which the applicant sees it concluded with its licence; and
 * denies a 个体工商户设立登记 case that the decision table sent to review, after reading the
 * rule's explanation.
 */
import { expect, test } from './fixtures'
import { apply, DEMO_PASSWORD, ITEM_INSTANT, ITEM_REVIEWED, login, newPerson, registerPerson } from './flows'

test('a reviewer approves a food business licence and the applicant sees it concluded', async ({ page, shot, newVisitor }) => {
  const person = newPerson('李芳')
  await registerPerson(page, person)
  const caseNo = await apply(page, ITEM_REVIEWED, {
    经营者名称: '李芳便利店',
    经营场所: '示范县文化路8号',
    经营项目: '预包装食品销售',
    '经营场所面积（平方米）': '45.5',
  })
  await expect(page.getByTestId('case-status')).toHaveText('审查中')
  await shot('申请人：审查中')

  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-amr', DEMO_PASSWORD)
  await expect(reviewer).toHaveURL(/\/review$/)
  await expect(reviewer.getByRole('link', { name: '审批工作台' })).toBeVisible()
  const row = reviewer.locator(`a[data-case-no="${caseNo}"]`)
  await expect(row).toBeVisible()
  await shot('审批人员：待审批办件', reviewer)
  await row.click()

  await expect(reviewer.getByRole('heading', { name: '食品经营许可' })).toBeVisible()
  await expect(reviewer.getByText('李芳便利店')).toBeVisible()
  await expect(reviewer.getByTestId('work-status')).toHaveText('待审批')
  await reviewer.getByText('准予许可', { exact: true }).click()
  await reviewer.getByLabel('审批意见').fill('经审查，申请材料齐全，经营场所符合食品安全要求，准予许可。')
  await shot('审批人员：填写审批意见', reviewer)
  await reviewer.getByRole('button', { name: '提交决定' }).click()
  await reviewer.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(reviewer.getByTestId('work-status')).toHaveText('已准予')
  await shot('审批人员：已准予', reviewer)

  // The applicant's page follows the case until it concludes.
  await page.getByRole('button', { name: '刷新' }).click()
  await expect(page.getByTestId('case-status')).toHaveText('已办结')
  await expect(page.getByTestId('case-outcome')).toContainText('准予许可')
  await expect(page.getByTestId('case-license-no')).toHaveText(/^AMR-/)
  await shot('申请人：已办结')
  await page.goto('/my/licenses')
  await expect(page.locator('.license-card')).toContainText('食品经营许可证')

  // A window clerk can look the case up by its number.
  const clerk = await newVisitor()
  await login(clerk, 'clerk', DEMO_PASSWORD)
  await expect(clerk).toHaveURL(/\/intake$/)
  await clerk.getByRole('link', { name: '办件查询' }).click()
  await expect(clerk).toHaveURL(/\/staff\/cases$/)
  await clerk.getByLabel('办件编号').fill(caseNo)
  await clerk.getByRole('button', { name: '查询' }).click()
  await expect(clerk.getByTestId('case-status')).toHaveText('已办结')
  await shot('窗口人员：办件查询', clerk)
})

test('a case the decision table sent to review shows why, and a denial reaches the applicant', async ({ page, shot, newVisitor }) => {
  const person = newPerson('王强')
  await registerPerson(page, person)
  const caseNo = await apply(page, ITEM_INSTANT, {
    个体工商户名称: '王强建材经营部',
    经营场所: '示范县工业园区3号',
    经营范围: '建材销售',
    '资金数额（万元）': '500',
  })
  await expect(page.getByTestId('case-status')).toHaveText('审查中')

  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-amr', DEMO_PASSWORD)
  await reviewer.goto(`/review/${caseNo}`)
  await expect(reviewer.getByRole('heading', { name: '秒批规则说明' })).toBeVisible()
  await expect(reviewer.getByTestId('rule-conclusion')).toHaveText('不符合自动审批条件，转人工审核')
  await expect(reviewer.getByTestId('rule-reason')).toHaveText('资金数额超过100万元，转人工审核')
  const capitalRow = reviewer.locator('.rule-table tr', { hasText: '资金数额（万元）' })
  await expect(capitalRow).toContainText('500')
  await expect(capitalRow).toContainText('> 100')
  await shot('审批人员：秒批规则说明', reviewer)

  await reviewer.getByRole('button', { name: '提交决定' }).click()
  await expect(reviewer.getByText('请选择审批结论')).toBeVisible()
  await expect(reviewer.getByText('请填写审批意见')).toBeVisible()
  await reviewer.getByText('不予许可', { exact: true }).click()
  await reviewer.getByLabel('审批意见').fill('资金数额超过个体工商户登记的适用范围，建议申请设立公司。')
  await reviewer.getByRole('button', { name: '提交决定' }).click()
  await reviewer.getByRole('dialog').getByRole('button', { name: '确定' }).click()
  await expect(reviewer.getByTestId('work-status')).toHaveText('不予许可')

  await page.getByRole('button', { name: '刷新' }).click()
  await expect(page.getByTestId('case-status')).toHaveText('不予许可')
  await expect(page.getByTestId('case-outcome')).toContainText('资金数额超过个体工商户登记的适用范围')
  await shot('申请人：不予许可')
})
