import { describe, expect, it } from 'vitest'
import type { ListVersion } from '@/api'
import { checkTimeLimits, userTasks } from '@/lib/bpmn'
import { decisionTable, outputText, parseGraph, trialFacts } from '@/lib/decisionTable'
import { isListType, listRows } from '@/lib/lists'
import { translateMessage } from '@/lib/problem'

const BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="case">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="intake" name="受理"/>
    <bpmn:userTask id="site_inspection" name="现场核查"/>
    <bpmn:userTask id="department_review"/>
  </bpmn:process>
</bpmn:definitions>`

describe('BPMN processes', () => {
  it('finds the userTasks, whatever the namespace prefix', () => {
    expect(userTasks(BPMN)).toEqual([
      { id: 'intake', name: '受理' },
      { id: 'site_inspection', name: '现场核查' },
      { id: 'department_review', name: '' },
    ])
    expect(userTasks(BPMN.replaceAll('bpmn:', ''))?.map((t) => t.id)).toEqual(['intake', 'site_inspection', 'department_review'])
    expect(userTasks('not xml <')).toBeNull()
  })

  it('checks time limits as the API does', () => {
    expect(checkTimeLimits({ intake: '', department_review: '5', site_inspection: ' 0 ' })).toEqual({ value: { department_review: 5, site_inspection: 0 }, errors: {} })
    expect(checkTimeLimits({ a: '366', b: '1.5', c: '-1' }).errors).toEqual({
      a: '时限应为0至365之间的整数（工作日）',
      b: '时限应为0至365之间的整数（工作日）',
      c: '时限应为0至365之间的整数（工作日）',
    })
    expect(translateMessage('element bpmn:scriptTask is not allowed in a case process')).toBe('流程中不允许使用 bpmn:scriptTask 元素')
  })
})

describe('the five lists', () => {
  it('flattens the published versions into rows by department', () => {
    const version = (department_code: string, codes: string[]): ListVersion => ({
      id: 1,
      list_type: 'fee',
      department_code,
      version: 2,
      status: 'published',
      effective_date: '2026-11-26',
      note: '',
      created_by: 'x',
      created_at: '',
      published_by: 'x',
      published_at: '',
      entries: codes.map((code) => ({ code, name: code, category: '', basis: 'b', content: '', amount: null })),
    })
    const rows = listRows([version('psb', ['P1']), version('amr', ['A1', 'A2'])])
    expect(rows.map((r) => `${r.department_code}:${r.code}:${r.version}`)).toEqual(['amr:A1:2', 'amr:A2:2', 'psb:P1:2'])
    expect(isListType('fee')).toBe(true)
    expect(isListType('tax')).toBe(false)
  })
})

describe('decision tables', () => {
  const graph = {
    nodes: [
      { id: 'input', type: 'inputNode' },
      {
        id: 'table',
        type: 'decisionTableNode',
        name: '秒批规则',
        content: {
          hitPolicy: 'first',
          inputs: [{ id: 'in1', name: '资金数额（万元）', field: 'form.capital' }],
          outputs: [{ id: 'out0', name: '是否符合', field: 'eligible' }, { id: 'out1', name: '理由', field: 'reason' }],
          rules: [{ _id: 'r1', in1: '> 100', out0: 'false', out1: '"资金数额超过100万元"' }],
        },
      },
    ],
  }

  it('reads the table of a graph', () => {
    const table = decisionTable(graph)!
    expect(table.name).toBe('秒批规则')
    expect(table.inputs.map((c) => c.field)).toEqual(['form.capital'])
    expect(table.rows).toEqual([{ id: 'r1', cells: { in1: '> 100', out0: 'false', out1: '"资金数额超过100万元"' } }])
    expect(decisionTable({ nodes: [] })).toBeNull()
    expect(outputText('false')).toBe('否')
    expect(outputText('"资金数额超过100万元"')).toBe('资金数额超过100万元')
  })

  it('parses a typed graph and builds the trial facts', () => {
    expect(parseGraph('{')).toMatchObject({ error: expect.stringContaining('不是有效的 JSON') })
    expect(parseGraph('[]')).toEqual({ error: '决策图应为 JSON 对象' })
    expect(parseGraph(' ')).toEqual({ error: '请填写决策图（JSON）' })
    expect(parseGraph('{"nodes": []}')).toEqual({ graph: { nodes: [] } })
    expect(trialFacts({ type: 'person', age: '30', blackListed: true }, { capital: 5 })).toEqual({
      applicant: { type: 'person', age: 30, credit: { black_listed: true, red_listed: false } },
      form: { capital: 5 },
    })
    expect(trialFacts({ type: 'entity', age: '', blackListed: false }, {})).toMatchObject({ applicant: { age: null } })
  })
})
