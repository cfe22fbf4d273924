/**
 * 数据共享授权: a client application's request for a catalogue resource is approved by the
 * administrator with fewer fields and a shorter period, and the grant is then revoked with a reason.
 */
import { expect, test } from './fixtures'
import { choose, DEMO_PASSWORD, login, openNav } from './flows'

// A conditional resource (an unconditional one is granted at once), for a client no other scenario uses.
const RESOURCE = 'population'
const CLIENT = 'statistics-bureau-app'

test('an administrator narrows and approves an access request, then revokes the grant', async ({ page, shot, request }) => {
  const token = await request.post('/api/v1/auth/token', { form: { grant_type: 'password', username: 'admin', password: DEMO_PASSWORD } })
  const headers = { Authorization: `Bearer ${(await token.json()).access_token}` }
  const resource = await (await request.get(`/api/v1/catalogue/resources/${RESOURCE}`, { headers })).json()
  const fields: { name: string; label: string }[] = resource.fields.slice(0, 2)
  expect(fields).toHaveLength(2)
  const created = await request.post('/api/v1/catalogue/access-requests', {
    headers,
    data: { resource: RESOURCE, fields: fields.map((f) => f.name), purpose: '部门业务系统统计分析使用', valid_days: 90, client_id: CLIENT },
  })
  expect(created.status()).toBe(201)
  const id = (await created.json()).id

  await login(page, 'admin', DEMO_PASSWORD)
  await openNav(page, '共享授权')
  await expect(page.getByRole('heading', { name: '数据共享授权' })).toBeVisible()
  await choose(page, page.getByRole('combobox', { name: '申请状态' }), '待审批')
  await expect(page).toHaveURL(/status=pending/)
  await page.getByRole('button', { name: `审批第 ${id} 号申请` }).click()
  const box = page.getByTestId('request-decision')
  await expect(box).toContainText('部门业务系统统计分析使用')

  await box.getByText('拒绝', { exact: true }).click()
  await box.getByRole('button', { name: '提交审批' }).click()
  await expect(box.getByText('拒绝时请说明理由')).toBeVisible()
  await box.getByText('批准', { exact: true }).click()
  await box.locator('.el-checkbox', { hasText: fields[1]!.label }).click()
  await box.getByLabel('有效期（天）').fill('400')
  await box.getByRole('button', { name: '提交审批' }).click()
  await expect(box.getByText('有效期应为1至90天')).toBeVisible()
  await box.getByLabel('有效期（天）').fill('30')
  await box.getByLabel('审批意见（选填）').fill('仅批准统计所需字段')
  await shot('管理员：审批共享申请')
  await box.getByRole('button', { name: '提交审批' }).click()
  await expect(box).toContainText('已批准：仅批准统计所需字段')

  const grant = page.locator('.grants tbody tr', { hasText: CLIENT }).filter({ hasText: resource.name }).first()
  await expect(grant.getByTestId('grant-status')).toHaveText('有效')
  await expect(grant).toContainText(fields[0]!.label)
  await expect(grant).not.toContainText(fields[1]!.label)
  await grant.getByRole('button', { name: /^撤销第 \d+ 号授权$/ }).click()
  await page.getByRole('button', { name: '确认撤销' }).click()
  await expect(page.getByText('请填写撤销理由')).toBeVisible()
  await page.getByLabel('撤销理由').fill('统计任务已完成')
  await page.getByRole('button', { name: '确认撤销' }).click()
  await expect(grant.getByTestId('grant-status')).toHaveText('已撤销')
  await shot('管理员：授权已撤销')
})
