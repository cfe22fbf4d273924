/**
 * 决策表: an administrator reads the instant-approval table of 个体工商户设立登记 in Chinese, tries it
 * on facts, is told at the cell what the page refuses and at the graph what the API refuses, and
 * saves the same rules again (so the other scenarios decide as before); then edits the table of
 * 社会保障卡申领 (used by no other scenario): picks a variable for a new condition column and an
 * operator and a value for its conditions, saves it as a new version, and the trial run gives the
 * changed outcome with its conditions said in Chinese. On a desktop and on a phone.
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { labelViolations } from './axe'
import { choose, DEMO_PASSWORD, ITEM_INSTANT, login } from './flows'

const SOCIAL_CARD = '330122-HRSS-GG-0001' // 社会保障卡申领: no other scenario files it or reads its table

/** Controls without an accessible name on the page (axe), as in public.spec.ts. */
test('an administrator reads, tries and versions a decision table', async ({ page, shot }) => {
  await login(page, 'admin', DEMO_PASSWORD)
  await page.goto('/admin/processes')
  await page.getByLabel('事项名称、编码或关键词').fill(ITEM_INSTANT)
  await page.getByRole('button', { name: '查找' }).click()
  // The list shows every item until the search answers: wait for it, then take the one found.
  await expect(page.getByRole('link', { name: /的决策表$/ })).toHaveCount(1)
  await page.getByRole('link', { name: '个体工商户设立登记的决策表' }).click()
  await expect(page).toHaveURL(new RegExp(`/admin/items/${ITEM_INSTANT}/rules$`))
  await expect(page.getByRole('heading', { name: '决策表：个体工商户设立登记' })).toBeVisible()
  const before = (await page.getByTestId('rules-version').innerText()).trim()
  expect(before).toMatch(/^第 \d+ 版$/)
  await expect(page.locator('.rules tbody tr').nth(0)).toContainText('小于 18')
  await expect(page.locator('.rules tbody tr').nth(1)).toContainText('大于 100')
  await expect(page.locator('.rules tbody tr').nth(1)).toContainText('资金数额超过100万元，转人工审核')
  await expect(page.locator('.rules')).not.toContainText('> 100')

  // Trial runs.
  await page.locator('#trial-business_name').fill('试算商店')
  await page.locator('#trial-business_address').fill('示范县试算路1号')
  await page.locator('#trial-business_scope').fill('零售')
  await page.locator('#trial-capital').fill('500')
  await page.getByRole('button', { name: '试算' }).click()
  await expect(page.getByTestId('trial-reason')).toHaveText('资金数额超过100万元，转人工审核')
  await expect(page.getByTestId('trial-result')).toContainText('不符合，转人工审核')
  // The explanation names the fact and the matched condition in Chinese, not the engine's path and syntax.
  const capitalRow = page.locator('.rule-table tr', { hasText: '资金数额（万元）' })
  await expect(capitalRow).toContainText('500')
  await expect(capitalRow).toContainText('大于 100')
  await expect(page.locator('.rule-table')).not.toContainText('form.capital')
  await shot('管理员：决策表试算（中文条件说明）')
  await page.locator('#trial-capital').fill('5')
  await page.getByRole('button', { name: '试算' }).click()
  await expect(page.getByTestId('trial-reason')).toHaveText('符合秒批条件')

  // The editor shows each condition in Chinese and edits it in a dialog; a condition typed as an
  // advanced expression that the engine would silently never match is refused at the cell.
  await expect(page.getByRole('combobox', { name: '条件列 2 判定项' })).toBeVisible()
  await expect(page.locator('.editor thead')).toContainText('资金数额（万元）')
  const capital = page.getByRole('button', { name: '第 2 条规则 条件：资金数额（万元）' })
  await expect(capital).toHaveText('大于 100')
  await capital.click()
  const dialog = page.getByTestId('condition-dialog')
  await expect(dialog.getByRole('combobox', { name: '比较方式' })).toBeVisible()
  await expect(dialog.getByLabel('值', { exact: true })).toHaveValue('100')
  await expect(dialog.getByTestId('condition-preview')).toHaveText('条件：大于 100')
  await choose(page, dialog.getByRole('combobox', { name: '比较方式' }), '高级（规则表达式）')
  await expect(dialog.getByLabel('高级条件（规则表达式）')).toHaveValue('> 100')
  await dialog.getByLabel('高级条件（规则表达式）').fill('> > 100')
  await dialog.getByRole('button', { name: '确定' }).click()
  await expect(capital).toHaveText('高级条件：> > 100')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.locator('.editor tbody tr[data-row="2"]')).toContainText('比较符号重复')
  await expect(page.getByTestId('table-editor')).toContainText('决策表有需要修改的地方')
  await shot('管理员：单元格校验')
  await expect(page.getByTestId('rules-version')).toHaveText(before)
  await page.getByRole('button', { name: '撤销修改' }).click()
  await expect(capital).toHaveText('大于 100')

  // The JSON view (advanced): a broken graph is refused next to it, first by the page, then by the API.
  await page.getByRole('radiogroup', { name: '编辑方式' }).getByText('JSON（高级）').click()
  const graph = await page.locator('#rules-graph').inputValue()
  expect(JSON.parse(graph).nodes[1].content.rules[1].in1).toBe('> 100')
  await page.locator('#rules-graph').fill('{')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.locator('.el-form-item', { has: page.locator('#rules-graph') })).toContainText('不是有效的 JSON')
  await page.locator('#rules-graph').fill('{"nodes": []}')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.locator('.el-form-item', { has: page.locator('#rules-graph') })).toContainText('决策表不可用')
  await shot('管理员：接口拒绝的决策图')
  expect(await labelViolations(page)).toEqual([])

  // The same rules saved again become the next version.
  await page.locator('#rules-graph').fill(graph)
  await page.getByLabel('版本说明').fill('复核后重新发布，规则不变')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  const next = Number(before.match(/\d+/)![0]) + 1
  await expect(page.getByTestId('rules-version')).toHaveText(`第 ${next} 版`)
  await expect(page.locator('.versions tbody tr').last()).toContainText('复核后重新发布，规则不变')
  await shot('管理员：决策表新版本')
})

type Shot = (name: string, page?: Page) => Promise<string>

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }

/** Signs in as the administrator and opens the table; the version in force. */
async function openSocialCardTable(page: Page): Promise<number> {
  await login(page, 'admin', DEMO_PASSWORD)
  await page.goto(`/admin/items/${SOCIAL_CARD}/rules`)
  await expect(page.getByRole('heading', { name: '决策表：社会保障卡申领' })).toBeVisible()
  const before = Number((await page.getByTestId('rules-version').innerText()).match(/\d+/)![0])
  return before
}

/** A trial run for a 17-year-old person. */
async function tryAge17(page: Page): Promise<void> {
  await page.locator('#trial-age').fill('17')
  await page.locator('#trial-mailing_address').fill('示范县人民路1号')
  await page.locator('#trial-bank').fill('示范农商银行')
  await page.getByRole('button', { name: '试算', exact: true }).click()
}

/** On a desktop: the age limit changed with the operator picker, a new column's variable picked, saved, tried. */
async function editOnDesktop(page: Page, shot: Shot): Promise<void> {
  const where = '管理员'
  const before = await openSocialCardTable(page)
  await expect(page.locator('.rules tbody tr').first()).toContainText('小于 16')

  // A 17-year-old passes the table as it is (under 16 goes to the window).
  await tryAge17(page)
  await expect(page.getByTestId('trial-reason')).toHaveText('符合申领条件')
  await expect(page.getByTestId('trial-result')).toContainText('符合秒批条件')
  await shot(`${where}：修改前试算`)

  // Row 1: the age limit, picked as an operator and a value.
  const dialog = page.getByTestId('condition-dialog')
  const age = page.getByRole('button', { name: '第 1 条规则 条件：申请人年龄' })
  await expect(age).toHaveText('小于 16')
  await age.click()
  await choose(page, dialog.getByRole('combobox', { name: '比较方式' }), '小于等于', { exact: true })
  await dialog.getByLabel('值', { exact: true }).fill('17')
  await expect(dialog.getByTestId('condition-preview')).toHaveText('条件：小于等于 17')
  await dialog.getByRole('button', { name: '确定' }).click()
  await expect(age).toHaveText('小于等于 17')
  await page.getByLabel('第 1 条规则 结论：理由').fill('未满十八周岁的个人，由监护人到窗口办理')

  // A new condition column: the variable picked from the list by its Chinese name, its condition from an operator and a value.
  await page.getByRole('button', { name: '添加条件列' }).click()
  await choose(page, page.getByRole('combobox', { name: '条件列 2 判定项' }), '申请人类型', { exact: true })
  await expect(page.getByLabel('条件列 2 名称')).toHaveValue('申请人类型')
  const type = page.getByRole('button', { name: '第 1 条规则 条件：申请人类型' })
  await expect(type).toHaveText('任意')
  await type.click()
  await choose(page, dialog.getByRole('combobox', { name: '比较方式' }), '属于以下之一')
  await choose(page, dialog.getByRole('combobox', { name: '值（可选多个）' }), '个人', { exact: true })
  await expect(dialog.getByTestId('condition-preview')).toHaveText('条件：属于：个人')
  await dialog.locator('.el-dialog__title').click() // closes the list of values, which stays open for more
  await shot(`${where}：选择比较方式和值`)
  await dialog.getByRole('button', { name: '确定' }).click()
  await expect(type).toHaveText('等于 个人')
  // A row added and removed again, and the order kept: the catch-all row stays last.
  await page.getByRole('button', { name: '添加规则' }).click()
  await expect(page.locator('.editor tbody tr')).toHaveCount(3)
  await page.getByRole('button', { name: '删除第 3 条规则' }).click()
  await expect(page.locator('.editor tbody tr')).toHaveCount(2)
  await expect(page.getByRole('button', { name: '下移第 2 条规则' })).toBeDisabled()
  await page.getByLabel('版本说明').fill(`${where}：未满十八周岁的个人由监护人到窗口办理`)
  await shot(`${where}：逐格编辑决策表`)
  expect(await labelViolations(page)).toEqual([])

  // What is saved is the engine's text, as before.
  await page.getByRole('radiogroup', { name: '编辑方式' }).getByText('JSON（高级）').click()
  const graph = JSON.parse(await page.locator('#rules-graph').inputValue())
  expect(graph.nodes[1].content.inputs[1]).toEqual({ id: 'in1', name: '申请人类型', field: 'applicant.type' })
  expect(graph.nodes[1].content.rules[0]).toMatchObject({ in0: '<= 17', in1: '"person"', out1: '"未满十八周岁的个人，由监护人到窗口办理"' })
  await page.getByRole('radiogroup', { name: '编辑方式' }).getByText('表格编辑').click()
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.getByTestId('rules-version')).toHaveText(`第 ${before + 1} 版`)
  await expect(page.locator('.rules tbody tr').first()).toContainText('小于等于 17')
  await expect(page.locator('.rules tbody tr').first()).toContainText('等于 个人')
  await expect(page.locator('.rules tbody tr').first()).toContainText('未满十八周岁的个人，由监护人到窗口办理')
  await expect(page.locator('.versions tbody tr').last()).toContainText(`${where}：未满十八周岁的个人由监护人到窗口办理`)

  // The same facts now give the changed outcome, from the new version, its conditions said in Chinese.
  await page.getByRole('button', { name: '试算', exact: true }).click()
  await expect(page.getByTestId('trial-reason')).toHaveText('未满十八周岁的个人，由监护人到窗口办理')
  await expect(page.getByTestId('trial-result')).toContainText('不符合，转人工审核')
  await expect(page.getByTestId('trial-result')).toContainText(`第 ${before + 1} 版`)
  const explanation = page.locator('.rule-table')
  await expect(explanation.locator('tr', { hasText: '申请人年龄（周岁）' })).toContainText('小于等于 17')
  await expect(explanation.locator('tr', { hasText: '申请人类型' })).toContainText('等于 个人')
  await expect(explanation.locator('tr', { hasText: '申请人类型' })).toContainText('个人')
  await expect(explanation).not.toContainText('applicant.')
  await expect(explanation).not.toContainText('person')
  await explanation.scrollIntoViewIfNeeded()
  await shot(`${where}：修改后试算（中文条件说明）`)
}

/** On a phone: the applicant-type condition widened to several values, saved, tried. */
async function editOnPhone(page: Page, shot: Shot): Promise<void> {
  const before = await openSocialCardTable(page)
  const type = page.getByRole('button', { name: '第 1 条规则 条件：申请人类型' })
  await expect(type).toHaveText('等于 个人')
  await type.click()
  const dialog = page.getByTestId('condition-dialog')
  await choose(page, dialog.getByRole('combobox', { name: '比较方式' }), '属于以下之一')
  const values = dialog.getByRole('combobox', { name: '值（可选多个）' })
  await choose(page, values, '个人', { exact: true })
  await choose(page, values, '法人', { exact: true })
  await expect(dialog.getByTestId('condition-preview')).toHaveText('条件：属于：个人、法人')
  await dialog.locator('.el-dialog__title').click()
  await shot('管理员（手机）：选择比较方式和多个值', page)
  await dialog.getByRole('button', { name: '确定' }).click()
  await expect(type).toHaveText('属于：个人、法人')
  await page.getByLabel('版本说明').fill('手机上修改：个人和法人同样适用')
  await page.getByRole('button', { name: '保存为新版本' }).click()
  await expect(page.getByTestId('rules-version')).toHaveText(`第 ${before + 1} 版`)
  await expect(page.locator('.rules tbody tr').first()).toContainText('属于：个人、法人')

  await tryAge17(page)
  await expect(page.getByTestId('trial-reason')).toHaveText('未满十八周岁的个人，由监护人到窗口办理')
  const explanation = page.locator('.rule-table')
  await expect(explanation.locator('tr', { hasText: '申请人类型' })).toContainText('属于：个人、法人')
  await expect(explanation).not.toContainText('applicant.')
  await explanation.scrollIntoViewIfNeeded()
  await shot('管理员（手机）：试算的中文条件说明', page)
}

// One test, so that the phone continues from the desktop's version (the two never edit the table at once).
test('a decision table edited with the variable and operator pickers, saved as a new version, changes the trial outcome, on a desktop and a phone', async ({ page, newVisitor, shot }) => {
  await editOnDesktop(page, shot)
  await editOnPhone(await newVisitor(PHONE), shot)
})
