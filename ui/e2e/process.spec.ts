/**
 * 流程管理: an administrator replaces an item's BPMN case process. A definition with a script
 * task is refused and the refusal is shown next to the file; the platform's process with a
 * time limit for the department's review is accepted as version 1.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test } from './fixtures'
import { DEMO_PASSWORD, login, openNav } from './flows'

const ITEM = '330122-HRSS-QR-0001' // used by no other scenario that files a case
const DEFAULT_BPMN = readFileSync(
  fileURLToPath(new URL('../../services/service-management/src/service_management/workflow/default.bpmn', import.meta.url)),
)
const SCRIPT_BPMN = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="https://gov.example/bpmn">
  <bpmn:process id="case" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="intake"/>
    <bpmn:userTask id="intake" name="受理"/>
    <bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="run"/>
    <bpmn:scriptTask id="run" name="执行脚本"><bpmn:script>__import__('os')</bpmn:script></bpmn:scriptTask>
  </bpmn:process>
</bpmn:definitions>`)

test('an administrator uploads a BPMN process: a script task is refused, a valid one is used', async ({ page, shot }) => {
  await login(page, 'admin', DEMO_PASSWORD)
  await openNav(page, '流程管理')
  await page.getByLabel('事项名称、编码或关键词').fill(ITEM)
  await page.getByRole('button', { name: '查找' }).click()
  // The list shows every item until the search answers: wait for it, then take the one found.
  await expect(page.getByRole('link', { name: /的办件流程$/ })).toHaveCount(1)
  await page.getByRole('link', { name: '就业登记的办件流程' }).click()
  await expect(page).toHaveURL(new RegExp(`/admin/items/${ITEM}/process$`))
  await expect(page.getByTestId('process-version')).toHaveText('平台默认流程')
  await expect(page.locator('.states')).toContainText('部门审批（部门审批决定）')
  // The gateway's branches, their conditions in Chinese (not `intake_result == "accepted"`), no internal ids.
  const branches = page.locator('.branches')
  await expect(branches.locator('tr', { hasText: '部门审批' })).toContainText('受理结果 等于 予以受理')
  await expect(branches.locator('tr', { hasText: '不予受理' })).toContainText('其他情况（默认分支）')
  await expect(page.locator('.states')).not.toContainText('department_review')
  await expect(branches).not.toContainText('intake_result')
  await shot('管理员：流程分支条件（中文）')

  await page.locator('#process-file').setInputFiles({ name: 'script.bpmn', mimeType: 'application/xml', buffer: SCRIPT_BPMN })
  await page.getByRole('button', { name: '上传并启用' }).click()
  const fileItem = page.locator('.el-form-item', { has: page.getByLabel('流程文件') })
  await expect(fileItem).toContainText('办件流程中不允许使用元素 bpmn:scriptTask')
  await shot('管理员：流程被拒绝')

  await page.locator('#process-file').setInputFiles({ name: 'case.bpmn', mimeType: 'application/xml', buffer: DEFAULT_BPMN })
  await page.getByLabel(/部门审批（部门审批决定）时限/).fill('400')
  await page.getByRole('button', { name: '上传并启用' }).click()
  await expect(page.getByText('时限应为0至365之间的整数（工作日）')).toBeVisible()
  await page.getByLabel(/部门审批（部门审批决定）时限/).fill('5')
  await page.getByRole('button', { name: '上传并启用' }).click()
  await expect(page.getByTestId('process-version')).toHaveText('第 1 版')
  await expect(page.locator('.states tr', { hasText: '部门审批（部门审批决定）' })).toContainText('5 个工作日')
  await expect(page.locator('.branches')).toContainText('受理结果 等于 予以受理')
  await shot('管理员：流程已启用')
})
