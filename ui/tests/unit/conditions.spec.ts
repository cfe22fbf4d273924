import { describe, expect, it } from 'vitest'
import {
  describeCell,
  describeCondition,
  describeExpression,
  formatCondition,
  operatorsFor,
  parseCondition,
  pickerError,
  plainText,
  typedValue,
  type Condition,
  type RuleVariable,
} from '@/lib/conditions'
import { processOutline } from '@/lib/bpmn'
import { conditionError } from '@/lib/decisionTable'

const AGE: RuleVariable = { path: 'applicant.age', label: '申请人年龄（周岁）', type: 'integer', group: 'applicant', options: [] }
const TYPE: RuleVariable = {
  path: 'applicant.type',
  label: '申请人类型',
  type: 'enum',
  group: 'applicant',
  options: [
    { value: 'person', label: '个人' },
    { value: 'entity', label: '法人' },
  ],
}
const BLACK: RuleVariable = { path: 'applicant.credit.black_listed', label: '申请人列入失信名单', type: 'boolean', group: 'credit', options: [] }
const NAME: RuleVariable = { path: 'form.business_name', label: '名称', type: 'text', group: 'form', options: [] }
const INTAKE: RuleVariable = {
  path: 'intake_result',
  label: '受理结果',
  type: 'enum',
  group: 'case',
  options: [
    { value: 'accepted', label: '予以受理' },
    { value: 'rejected', label: '不予受理' },
  ],
}

// Every operator: the engine's text, what the picker holds, and what a person reads.
const CASES: [string, Condition, RuleVariable, string][] = [
  ['', { op: 'any', values: [] }, AGE, '任意'],
  ['18', { op: 'eq', values: [18] }, AGE, '等于 18'],
  ['"person"', { op: 'eq', values: ['person'] }, TYPE, '等于 个人'],
  ['true', { op: 'eq', values: [true] }, BLACK, '是'],
  ['false', { op: 'eq', values: [false] }, BLACK, '否'],
  ['!= "entity"', { op: 'ne', values: ['entity'] }, TYPE, '不等于 法人'],
  ['< 18', { op: 'lt', values: [18] }, AGE, '小于 18'],
  ['<= 17.5', { op: 'le', values: [17.5] }, AGE, '小于等于 17.5'],
  ['> 100', { op: 'gt', values: [100] }, AGE, '大于 100'],
  ['>= -3', { op: 'ge', values: [-3] }, AGE, '大于等于 -3'],
  ['[1..10]', { op: 'between', values: [1, 10] }, AGE, '介于 1 和 10 之间'],
  ['"person", "entity"', { op: 'in', values: ['person', 'entity'] }, TYPE, '属于：个人、法人'],
  ['"示范商店", \'老"字号\'', { op: 'in', values: ['示范商店', '老"字号'] }, NAME, '属于：“示范商店”、“老"字号”'],
]

describe('condition cells', () => {
  it.each(CASES)('%s reads as the picker holds it and formats back to the same text', (text, condition, variable, chinese) => {
    expect(parseCondition(text)).toEqual(condition)
    expect(formatCondition(condition)).toBe(text)
    expect(parseCondition(formatCondition(condition))).toEqual(condition)
    expect(describeCondition(condition, variable)).toBe(chinese)
    expect(describeCell(text, variable)).toBe(chinese)
    // What the picker writes is what the editor's own check accepts.
    expect(conditionError(text)).toBeNull()
  })

  it('writes the engine text of equivalent spellings in one form, with the same meaning', () => {
    expect(formatCondition(parseCondition('== 18'))).toBe('18')
    expect(formatCondition(parseCondition("'person'"))).toBe('"person"')
    expect(formatCondition(parseCondition('  >=100 '))).toBe('>= 100')
    expect(formatCondition(parseCondition('[ 1 .. 10 ]'))).toBe('[1..10]')
    // One value picked under 属于以下之一 is the same test as 等于 that value, and reads back so.
    expect(formatCondition({ op: 'in', values: ['person'] })).toBe('"person"')
    expect(parseCondition('"person"')).toEqual({ op: 'eq', values: ['person'] })
  })

  it.each([
    '< 18 and > 3',
    '(1..10)',
    '[1..10)',
    '$ > 10',
    'form.capital',
    '> applicant.age',
    '"a", b',
    'len($) > 3',
    '"unclosed',
  ])('keeps %s as an advanced condition, unchanged', (text) => {
    const condition = parseCondition(text)
    expect(condition).toEqual({ op: 'advanced', text })
    expect(formatCondition(condition)).toBe(text)
    expect(describeCondition(condition)).toBe(`高级条件：${text.trim()}`)
  })

  it('offers the operators that fit the variable', () => {
    expect(operatorsFor('integer').map((o) => o.label)).toEqual(['任意', '等于', '不等于', '小于', '小于等于', '大于', '大于等于', '介于…之间', '属于以下之一'])
    expect(operatorsFor('enum').map((o) => o.value)).toEqual(['any', 'eq', 'ne', 'in'])
    expect(operatorsFor('boolean').map((o) => o.value)).toEqual(['any', 'eq'])
    expect(operatorsFor(undefined)).toHaveLength(9)
  })

  it('says what is missing before a picked condition is saved', () => {
    expect(pickerError({ op: 'lt', values: [''] }, 'integer')).toBe('请填写值')
    expect(pickerError({ op: 'lt', values: [typedValue('abc', 'integer')] }, 'integer')).toBe('请填写数字')
    expect(pickerError({ op: 'lt', values: [typedValue('1.5', 'integer')] }, 'integer')).toBe('请填写整数')
    expect(pickerError({ op: 'between', values: [10, 1] }, 'number')).toBe('区间的下限不能大于上限')
    expect(pickerError({ op: 'between', values: [1] }, 'number')).toBe('请填写值')
    expect(pickerError({ op: 'advanced', text: ' ' }, 'number')).toBe('请填写条件')
    expect(pickerError({ op: 'in', values: ['person'] }, 'enum')).toBeNull()
    expect(pickerError({ op: 'any', values: [] }, 'number')).toBeNull()
    expect(typedValue(' 18 ', 'number')).toBe(18)
    expect(typedValue('18', 'text')).toBe('18')
  })
})

describe('output cells', () => {
  it('reads a quoted text as plain text and an expression as none', () => {
    expect(plainText('"符合秒批条件"')).toBe('符合秒批条件')
    expect(plainText('')).toBe('')
    expect(plainText('"a" + "b"')).toBeNull()
    expect(plainText('true')).toBeNull()
  })
})

describe('process flow conditions', () => {
  const variables = [INTAKE, TYPE, AGE, { path: 'bundle', label: '属于“一件事”联办申请', type: 'boolean', group: 'case', options: [] } as RuleVariable]

  it('reads simple comparisons in Chinese with the variable’s label', () => {
    expect(describeExpression('intake_result == "accepted"', variables)).toBe('受理结果 等于 予以受理')
    expect(describeExpression('applicant.type == "entity" and applicant.age >= 18', variables)).toBe('申请人类型 等于 法人，并且申请人年龄（周岁） 大于等于 18')
    expect(describeExpression('intake_result != "accepted" or bundle', variables)).toBe('受理结果 不等于 予以受理，或者属于“一件事”联办申请：是')
    expect(describeExpression('not bundle', variables)).toBe('属于“一件事”联办申请：否')
  })

  it('gives none for what is not a simple comparison', () => {
    expect(describeExpression('', variables)).toBeNull()
    expect(describeExpression('a == 1 and b == 2 or c == 3', variables)).toBeNull()
    expect(describeExpression('len(form.name) > 3', variables)).toBeNull()
    expect(describeExpression('applicant.age > form.limit', variables)).toBeNull()
  })
})

describe('a process’s branches', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="https://gov.example/bpmn">
  <bpmn:process id="case" name="办件默认流程" isExecutable="true">
    <bpmn:startEvent id="start" name="申请"/>
    <bpmn:sequenceFlow id="to_intake" sourceRef="start" targetRef="intake"/>
    <bpmn:userTask id="intake" name="受理"/>
    <bpmn:sequenceFlow id="to_gateway" sourceRef="intake" targetRef="decided"/>
    <bpmn:exclusiveGateway id="decided" name="是否受理" default="to_rejected"/>
    <bpmn:sequenceFlow id="to_review" sourceRef="decided" targetRef="department_review">
      <bpmn:conditionExpression>intake_result == "accepted"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_window" name="大额转窗口" sourceRef="decided" targetRef="department_review">
      <bpmn:conditionExpression>len(form.business_name) &gt; 20</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_rejected" sourceRef="decided" targetRef="rejected"/>
    <bpmn:endEvent id="rejected" name="不予受理"/>
    <bpmn:userTask id="department_review" name="部门审批"/>
  </bpmn:process>
</bpmn:definitions>`

  it('lists the flows leaving a gateway, with their conditions and the default', () => {
    const outline = processOutline(xml)!
    expect(outline.name).toBe('办件默认流程')
    expect(outline.branches).toEqual([
      { id: 'to_review', name: '', from: '是否受理', to: '部门审批', condition: 'intake_result == "accepted"', isDefault: false },
      { id: 'to_window', name: '大额转窗口', from: '是否受理', to: '部门审批', condition: 'len(form.business_name) > 20', isDefault: false },
      { id: 'to_rejected', name: '', from: '是否受理', to: '不予受理', condition: '', isDefault: true },
    ])
    expect(describeExpression(outline.branches[0]!.condition, [INTAKE])).toBe('受理结果 等于 予以受理')
    expect(describeExpression(outline.branches[1]!.condition, [INTAKE])).toBeNull()
    expect(processOutline('<not xml')).toBeNull()
  })
})
