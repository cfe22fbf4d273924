/**
 * 死信消息: a message no consumer can read, put on the standalone platform's bus, is dead-lettered by
 * every service that reads its topic. The administrator sees each with its reason; 重新投递 fails
 * again and leaves it pending; 放弃, with a reason, settles it. A clerk cannot open the page.
 */
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from './fixtures'
import { choose, DEMO_PASSWORD, login, openNav } from './flows'

const repository = resolve(fileURLToPath(new URL('..', import.meta.url)), '..')
// Every consumer group of the standalone platform that reads the topic it is put on dead-letters it: on
// gov.case.v1 the gateway, service-management and data-sharing's two (licences, and the warehouse's own); on
// each department's own case topic (gov.case.dept.<code>.v1) the business system of amr, psb and hrss.
const DEPARTMENTS = ['amr', 'psb', 'hrss']
const SERVICES = 4 + DEPARTMENTS.length

function publishUnreadable(key: string): void {
  const varDir = process.env.E2E_VAR_DIR
  if (!varDir) throw new Error('E2E_VAR_DIR is not set: the global setup starts the platform')
  const python = process.env.GOV_PYTHON || join(repository, '.venv', 'bin', 'python')
  const script = [
    'import sys',
    'from gov_common.bus.local import LocalBus',
    'bus = LocalBus(sys.argv[1])',
    `for topic in ['gov.case.v1', ${DEPARTMENTS.map((d) => `'gov.case.dept.${d}.v1'`).join(', ')}]:`,
    "    bus.publish(topic, sys.argv[2], b'not a CloudEvents envelope', {})",
    'bus.close()',
  ].join('\n')
  const run = spawnSync(python, ['-c', script, join(varDir, 'bus.db'), key], { encoding: 'utf8' })
  expect(run.status, run.stderr).toBe(0)
}

test('the administrator sees dead letters with their reason, replays one and gives them up', async ({ page, shot }) => {
  const key = `DL-${Date.now().toString(36)}`
  publishUnreadable(key)
  await login(page, 'admin', DEMO_PASSWORD)
  await openNav(page, '死信消息')
  await expect(page.getByRole('heading', { name: '死信消息', level: 1 })).toBeVisible()
  const ours = page.locator('.letters tbody tr', { hasText: key })
  await expect(async () => {
    await page.getByRole('button', { name: '刷新' }).click()
    await expect(ours).toHaveCount(SERVICES, { timeout: 2_000 })
  }).toPass({ timeout: 60_000 })
  await expect(ours.first().getByTestId('dead-letter-reason')).toContainText('无法解析的消息')
  await expect(page.locator('.letters tbody tr', { hasText: '政务服务管理平台' }).filter({ hasText: key })).toHaveCount(1)
  await shot('管理员：死信消息')

  await ours.first().getByRole('button', { name: /^重新投递/ }).click()
  await expect(page.getByText('重新投递仍然失败，死信保持待处理，原因已更新')).toBeVisible()
  await expect(ours.first()).toContainText('已重新投递 1 次未成功')

  for (let left = SERVICES; left > 0; left -= 1) {
    await ours.first().getByRole('button', { name: /^放弃/ }).click()
    const dialog = page.getByRole('dialog', { name: '放弃死信' })
    await dialog.getByRole('button', { name: '确认放弃' }).click()
    await expect(dialog.getByText('请填写放弃的理由')).toBeVisible()
    await dialog.getByLabel('放弃理由').fill('测试写入的无效消息，无需处理')
    if (left === SERVICES) await shot('管理员：放弃死信')
    await dialog.getByRole('button', { name: '确认放弃' }).click()
    await expect(ours).toHaveCount(left - 1)
  }

  await choose(page, page.getByRole('combobox', { name: '死信状态' }), '已放弃')
  await expect(ours).toHaveCount(SERVICES)
  await expect(ours.first()).toContainText('admin：测试写入的无效消息，无需处理')
})

test('a clerk cannot open the dead letters', async ({ page }) => {
  await login(page, 'clerk', DEMO_PASSWORD)
  await page.goto('/admin/dead-letters')
  await expect(page).toHaveURL(/\/forbidden/)
})
