/**
 * Legal persons (docs/identity.md, "Legal persons"): the legal representative, logged in as a
 * person and raised to L2 by a phone code, opens the enterprise's account (我的单位), authorises
 * an agent (经办人); the agent acts for the enterprise and files a case that names them; the
 * representative withdraws the agent and the agent's session for the enterprise is refused.
 *
 * The spec owns its data: a fresh representative, agent and enterprise imported into the shared
 * registries by the administrator.
 */
import { expect, test } from './fixtures'
import { actFor, importEntity, importPersons, newEntity, raiseToL2 } from './entities'
import { apply, DEMO_PASSWORD, ITEM_REVIEWED, login, newPerson, registerPerson } from './flows'
import { newUscc } from './identities'

test('a legal representative opens the enterprise, an agent files for it, and is withdrawn', async ({ page, shot, newVisitor }) => {
  test.setTimeout(300_000) // three people's sessions, a case and its review on one shared platform
  const representative = newPerson('钱多多')
  const agent = newPerson('周小青')
  const entity = newEntity()
  await importPersons(page.request, representative, agent)
  await importEntity(page.request, entity, representative)

  // The agent-to-be has an account of their own (at L2) before being authorised.
  const agentPage = await newVisitor()
  await registerPerson(agentPage, agent)
  await raiseToL2(agentPage, agent)

  // The registration page no longer registers an enterprise: it says who opens its account.
  await page.goto('/register')
  await page.getByText('法人注册').click()
  await expect(page.getByTestId('entity-registration-notice')).toContainText('由法定代表人开通')
  await expect(page.getByLabel('统一社会信用代码')).toHaveCount(0)
  await shot('法人注册：由法定代表人开通')
  await page.getByRole('button', { name: '个人注册' }).click()
  await expect(page.getByLabel('居民身份证号码')).toBeVisible()

  // The representative registers as a person; below L2 the enterprise cannot be opened yet.
  await registerPerson(page, representative)
  await page.getByRole('link', { name: '我的单位' }).click()
  await expect(page).toHaveURL(/\/my\/entities$/)
  await expect(page.getByTestId('no-entities')).toBeVisible()
  const code = page.getByLabel('统一社会信用代码')
  await code.fill(entity.uscc.slice(0, 17) + (entity.uscc.endsWith('0') ? '1' : '0'))
  await code.blur()
  await expect(page.locator('.el-form-item', { has: code })).toContainText('校验码不正确')
  await code.fill(entity.uscc)
  await page.getByRole('button', { name: '开通单位账号' }).click()
  const refusal = page.getByTestId('open-error')
  await expect(refusal).toContainText('实名认证')
  await expect(refusal.getByRole('link', { name: '去实名认证' })).toHaveAttribute('href', '/my/identity')
  await shot('开通单位账号：需先实名认证')

  // At L2 (the code sent to the registry's phone), the registry decides who may open what.
  await raiseToL2(page, representative)
  await code.fill(newUscc())
  await page.getByRole('button', { name: '开通单位账号' }).click()
  await expect(page.locator('.el-form-item', { has: code })).toContainText('法人库中没有该统一社会信用代码的单位')
  await shot('开通单位账号：法人库中没有该单位')
  await code.fill('91330122MA28D0K3XN') // the demo tea company: 钱多多 (33012219920202001X) represents it
  await page.getByRole('button', { name: '开通单位账号' }).click()
  await expect(page.locator('.el-form-item', { has: code })).toContainText('法定代表人不是您')
  await shot('开通单位账号：不是法定代表人')
  await code.fill(entity.uscc)
  await page.getByRole('button', { name: '开通单位账号' }).click()
  const card = page.locator(`.entity-card[data-uscc="${entity.uscc}"]`)
  await expect(card).toContainText(entity.name)
  await expect(card.getByTestId('entity-role')).toHaveText('法定代表人')
  await code.fill(entity.uscc)
  await page.getByRole('button', { name: '开通单位账号' }).click()
  await expect(page.locator('.el-form-item', { has: code })).toContainText('您已开通该单位的账号')
  await shot('我的单位：已开通单位账号')

  // 经办人管理: the agent's number is checked, the representative is not an agent, then the agent.
  await card.getByRole('button', { name: '经办人管理' }).click()
  const agents = card.getByRole('region', { name: `${entity.name} 经办人管理` })
  await agents.getByLabel('经办人身份证号码').fill('110101199003077757')
  await agents.getByLabel('经办人姓名').fill(agent.name)
  await agents.getByRole('button', { name: '授权经办人' }).click()
  await expect(agents).toContainText('校验位不正确')
  await agents.getByLabel('经办人身份证号码').fill(representative.idNumber)
  await agents.getByRole('button', { name: '授权经办人' }).click()
  await expect(agents).toContainText('无需授权为经办人')
  await agents.getByLabel('经办人身份证号码').fill(agent.idNumber)
  await agents.getByRole('button', { name: '授权经办人' }).click()
  const row = agents.getByRole('row', { name: new RegExp(agent.name) })
  await expect(row.getByTestId('agent-status')).toHaveText('有效')
  await expect(row).toContainText(`${agent.idNumber.slice(0, 6)}********${agent.idNumber.slice(-4)}`)
  await agents.getByLabel('经办人身份证号码').fill(agent.idNumber)
  await agents.getByLabel('经办人姓名').fill(agent.name)
  await agents.getByRole('button', { name: '授权经办人' }).click()
  await expect(agents).toContainText('该人员已经是本单位的经办人')
  await shot('经办人管理：已授权经办人')

  // The representative acts for the enterprise and switches back.
  await actFor(page, entity, representative)
  await shot('法定代表人以单位身份办事', page, { fullPage: false })
  await page.getByRole('button', { name: '切换回个人' }).click()
  await expect(page).toHaveURL(/\/my\/entities$/)
  await expect(page.getByTestId('acting-identity')).toHaveCount(0)
  await expect(page.getByTestId('current-user')).toHaveText(representative.name)

  // The agent sees the enterprise, acts for it and files a case.
  await agentPage.goto('/my/notifications')
  await expect(agentPage.getByText('您已被授权为单位经办人')).toBeVisible()
  await agentPage.goto('/my/entities')
  const agentCard = agentPage.locator(`.entity-card[data-uscc="${entity.uscc}"]`)
  await expect(agentCard.getByTestId('entity-role')).toHaveText('经办人')
  await expect(agentCard.getByRole('button', { name: '经办人管理' })).toHaveCount(0)
  await shot('经办人：我的单位', agentPage)
  await actFor(agentPage, entity, agent)
  const caseNo = await apply(agentPage, ITEM_REVIEWED, {
    经营者名称: entity.name,
    经营场所: '桐庐县迎春南路18号',
    经营项目: '茶叶及预包装食品销售',
    '经营场所面积（平方米）': '60',
  })
  const masked = `${agent.idNumber.slice(0, 6)}********${agent.idNumber.slice(-4)}`
  await expect(agentPage.getByTestId('acting-person')).toHaveText(`${agent.name}（${masked}）`)
  await expect(agentPage.locator('.detail-columns')).toContainText(entity.name)
  await expect(agentPage.locator('.detail-columns')).toContainText(`${agent.name}（代表${entity.name}）`)
  await shot('经办人代表单位申请：办件记录经办人', agentPage)

  // The reviewer sees who acted for the enterprise.
  const reviewer = await newVisitor()
  await login(reviewer, 'reviewer-amr', DEMO_PASSWORD)
  await reviewer.goto(`/review/${caseNo}`)
  await expect(reviewer.getByRole('heading', { name: '食品经营许可' })).toBeVisible()
  await expect(reviewer.getByTestId('acting-person')).toHaveText(`${agent.name}（${masked}）`)
  await shot('审批人员：办件显示经办人', reviewer)

  const entityToken = await agentPage.evaluate(() => sessionStorage.getItem('gov.portal.token'))

  // The representative withdraws the agent (after confirming).
  await page.goto('/my/entities')
  await card.getByRole('button', { name: '经办人管理' }).click()
  await row.getByRole('button', { name: '撤销授权' }).click()
  const dialog = page.getByRole('dialog')
  await expect(dialog).toContainText(`确定撤销 ${agent.name}`)
  await dialog.getByRole('button', { name: '撤销授权' }).click()
  await expect(row.getByTestId('agent-status')).toHaveText('已撤销')
  await expect(row.getByRole('button', { name: '撤销授权' })).toHaveCount(0)
  await shot('经办人管理：已撤销授权')

  // The agent's token for the enterprise is refused at once ...
  const refused = await page.request.get('/api/v1/cases', { headers: { Authorization: `Bearer ${entityToken}` } })
  expect(refused.status()).toBe(401)
  expect(((await refused.json()) as { code?: string }).code).toBe('token_revoked')
  // ... and the agent's open page, at its next request (the case page's or the bell's polling),
  // goes back to the person's session on 我的单位, where the enterprise is no more.
  await expect(agentPage).toHaveURL(/\/my\/entities$/, { timeout: 45_000 })
  await expect(agentPage.getByTestId('acting-identity')).toHaveCount(0)
  await expect(agentPage.getByTestId('current-user')).toHaveText(agent.name)
  await expect(agentPage.getByTestId('no-entities')).toBeVisible()
  await shot('经办人授权撤销后：已切换回个人', agentPage)
})
