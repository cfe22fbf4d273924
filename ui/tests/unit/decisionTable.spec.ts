import { describe, expect, it } from 'vitest'
import {
  addColumn,
  addRow,
  checkTable,
  conditionError,
  fromGraph,
  hasProblems,
  moveRow,
  newGraph,
  outputError,
  removeColumn,
  removeRow,
  toGraph,
  type TableModel,
} from '@/lib/decisionTable'

/**
 * The demo tables exactly as service-management's seed builds them
 * (services/service-management/src/service_management/rules/tables.py `decision_table`, seed.py).
 */
function seedTable(name: string, inputs: [string, string][], rows: [string[], boolean, string][]): Record<string, unknown> {
  return {
    contentType: 'application/vnd.gorules.decision',
    nodes: [
      { id: 'input', type: 'inputNode', name: '申请信息', position: { x: 0, y: 0 } },
      {
        id: 'table',
        type: 'decisionTableNode',
        name,
        position: { x: 300, y: 0 },
        content: {
          hitPolicy: 'first',
          inputs: inputs.map(([field, label], i) => ({ id: `in${i}`, name: label, field })),
          outputs: [
            { id: 'out0', name: '是否符合', field: 'eligible' },
            { id: 'out1', name: '理由', field: 'reason' },
          ],
          rules: rows.map(([cells, eligible, reason], n) => ({
            _id: `r${n}`,
            ...Object.fromEntries(cells.map((c, i) => [`in${i}`, c])),
            out0: eligible ? 'true' : 'false',
            out1: `"${reason}"`,
          })),
        },
      },
      { id: 'output', type: 'outputNode', name: '结论', position: { x: 600, y: 0 } },
    ],
    edges: [
      { id: 'e0', sourceId: 'input', targetId: 'table', type: 'edge' },
      { id: 'e1', sourceId: 'table', targetId: 'output', type: 'edge' },
    ],
  }
}

const BUSINESS = seedTable('个体工商户设立秒批规则', [['applicant.age', '申请人年龄'], ['form.capital', '资金数额（万元）']], [
  [['< 18', ''], false, '申请人未满十八周岁，转人工审核'],
  [['', '> 100'], false, '资金数额超过100万元，转人工审核'],
  [['', ''], true, '符合秒批条件'],
])
const RESIDENCE = seedTable('居住证秒批规则', [['form.residence_months', '已居住时长（月）']], [
  [['< 6'], false, '居住未满半年，转人工审核'],
  [[''], true, '居住满半年，符合申领条件'],
])
const SOCIAL_CARD = seedTable('社会保障卡秒批规则', [['applicant.age', '申请人年龄']], [
  [['< 16'], false, '未满十六周岁，由监护人到窗口办理'],
  [[''], true, '符合申领条件'],
])

function model(graph: Record<string, unknown>): TableModel {
  const m = fromGraph(graph)
  if (!m) throw new Error('no table')
  return m
}

describe('JDM graph <-> the editor', () => {
  it.each([
    ['个体工商户设立登记', BUSINESS],
    ['居住证', RESIDENCE],
    ['社会保障卡申领', SOCIAL_CARD],
  ])('gives back the same graph for the demo table of %s', (_name, graph) => {
    const m = model(graph)
    expect(toGraph(m)).toEqual(graph)
    expect(checkTable(m)).toEqual({ cells: {}, columns: {}, table: [] })
  })

  it('reads columns, rows and cells', () => {
    const m = model(BUSINESS)
    expect(m.name).toBe('个体工商户设立秒批规则')
    expect(m.hitPolicy).toBe('first')
    expect(m.inputs.map((c) => [c.id, c.name, c.field])).toEqual([['in0', '申请人年龄', 'applicant.age'], ['in1', '资金数额（万元）', 'form.capital']])
    expect(m.rows[1]).toEqual({ id: 'r1', cells: { in0: '', in1: '> 100', out0: 'false', out1: '"资金数额超过100万元，转人工审核"' }, extra: {} })
  })

  it('keeps what the editor does not show: extra column and rule properties, other nodes', () => {
    const graph = JSON.parse(JSON.stringify(BUSINESS)) as { nodes: Record<string, any>[] }
    graph.nodes[1]!.content.inputs[0].type = 'number'
    graph.nodes[1]!.content.rules[0]._description = '未成年人'
    graph.nodes[1]!.content.passThrough = true
    graph.nodes.push({ id: 'x', type: 'expressionNode', name: '附加', content: { expressions: [] } })
    expect(toGraph(model(graph))).toEqual(graph)
  })

  it('saves an edited cell, a moved row, a new column and a changed hit policy', () => {
    let m = model(SOCIAL_CARD)
    m.rows[0]!.cells.in0 = '< 18'
    m.rows[0]!.cells.out1 = '"未满十八周岁，由监护人到窗口办理"'
    m = addColumn(m, 'input')
    const added = m.inputs[1]!
    expect(added).toMatchObject({ id: 'in1', field: '' })
    added.name = '合作银行'
    added.field = 'form.bank'
    m = { ...m, hitPolicy: 'collect' }
    const content = (toGraph(m).nodes as any[])[1].content
    expect(content.hitPolicy).toBe('collect')
    expect(content.inputs[1]).toEqual({ id: 'in1', name: '合作银行', field: 'form.bank' })
    expect(content.rules[0]).toEqual({ _id: 'r0', in0: '< 18', in1: '', out0: 'false', out1: '"未满十八周岁，由监护人到窗口办理"' })
    expect(checkTable(m).columns).toEqual({})
  })

  it('adds a row before the catch-all row, moves and removes rows, removes a column and its cells', () => {
    let m = model(BUSINESS)
    m = addRow(m)
    expect(m.rows.map((r) => r.id)).toEqual(['r0', 'r1', 'r3', 'r2'])
    expect(m.rows[2]!.cells).toEqual({ in0: '', in1: '', out0: '', out1: '' })
    m = moveRow(m, 'r3', -1)
    expect(m.rows.map((r) => r.id)).toEqual(['r0', 'r3', 'r1', 'r2'])
    expect(moveRow(m, 'r0', -1)).toBe(m)
    m = removeRow(m, 'r3')
    m = removeColumn(m, 'in0')
    expect(m.inputs.map((c) => c.id)).toEqual(['in1'])
    const rules = (toGraph(m).nodes as any[])[1].content.rules
    expect(rules[0]).toEqual({ _id: 'r0', in1: '', out0: 'false', out1: '"申请人未满十八周岁，转人工审核"' })
  })

  it('starts a new table with the outputs the platform reads', () => {
    const m = model(newGraph('新规则'))
    expect(m.outputs.map((c) => c.field)).toEqual(['eligible', 'reason'])
    expect(hasProblems(checkTable(m))).toBe(false)
  })

  it('has nothing for a graph without a decision table', () => {
    expect(fromGraph({ nodes: [] })).toBeNull()
    expect(fromGraph(null)).toBeNull()
  })
})

describe('the checks whose rules are clear', () => {
  it.each(['', '< 18', '>= 100', '== 3', '!= "entity"', '18', '"person"', '"person", "entity"', '[1..10]', '(1..10]', '$ > 5 and $ < 10', '< -5', 'true', 'startsWith($, "330")'])(
    'accepts the condition %s',
    (cell) => expect(conditionError(cell)).toBeNull(),
  )

  it.each([
    ['> > 5', '比较符号重复'],
    ['>', '比较符号后缺少数值'],
    ['> 100 +', '表达式不完整：结尾缺少数值'],
    ['"person', '引号未闭合'],
    ['(', '括号不配对'],
    [']1..10[', '括号不配对'],
    ['“person”', '请使用英文半角符号（引号、逗号、括号、比较符号）'],
    ['＞ 100', '请使用英文半角符号（引号、逗号、括号、比较符号）'],
    ['= 5', '相等应写作 ==（条件中也可以直接写值）'],
    ['"a",', '逗号前后缺少值'],
    ['自然人', '文字须加英文双引号，例如 "符合秒批条件"'],
    ['person', '文字须加英文双引号，例如 "person"'],
  ])('refuses the condition %s: %s', (cell, message) => expect(conditionError(cell)).toBe(message))

  it('checks outputs: required, true/false for eligible, quoted text', () => {
    expect(outputError('true', 'eligible')).toBeNull()
    expect(outputError('"是"', 'eligible')).toBe('请选择“是”或“否”')
    expect(outputError('', 'reason')).toBe('请填写结论')
    expect(outputError('"符合秒批条件"', 'reason')).toBeNull()
    expect(outputError('符合秒批条件', 'reason')).toBe('文字须加英文双引号，例如 "符合秒批条件"')
    expect(outputError('form.capital * 2', 'limit')).toBeNull()
  })

  it('names the cell, the column and the table that are wrong', () => {
    let m = model(BUSINESS)
    m.rows[1]!.cells.in1 = '> > 100'
    m.rows[2]!.cells.out0 = 'yes'
    m.inputs[1]!.field = 'capital'
    m.outputs[1]!.field = 'why'
    m = addColumn(m, 'input')
    const problems = checkTable(m)
    expect(problems.cells).toEqual({ 'r1:in1': '比较符号重复', 'r2:out0': '请选择“是”或“否”' })
    expect(problems.columns).toEqual({ 'in1.field': '判定项无效，请从列表中选择', 'in2.name': '请填写列名', 'in2.field': '请选择判定项' })
    expect(problems.table).toEqual(['结论须含“理由”一列'])
  })
})
