import { describe, expect, it } from 'vitest'
import { taskChoices } from '@/lib/bpmn'

function process(gateway: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="case" isExecutable="true">
    <bpmn:userTask id="site_inspection" name="现场核查"/>
    <bpmn:sequenceFlow id="to_gateway" sourceRef="site_inspection" targetRef="inspected"/>
    ${gateway}
    <bpmn:userTask id="department_review" name="部门审批"/>
    <bpmn:endEvent id="refused" name="不予许可"/>
  </bpmn:process>
</bpmn:definitions>`
}

describe('taskChoices', () => {
  it('offers the branches of a yes/no test, the default one with the other value', () => {
    const xml = process(`<bpmn:exclusiveGateway id="inspected" name="核查结果" default="failed"/>
      <bpmn:sequenceFlow id="passed" name="核查通过" sourceRef="inspected" targetRef="department_review">
        <bpmn:conditionExpression>inspection_passed == true</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="failed" name="核查不通过" sourceRef="inspected" targetRef="refused"/>`)
    expect(taskChoices(xml, 'site_inspection')).toEqual([
      { label: '核查通过', data: { inspection_passed: true } },
      { label: '核查不通过', data: { inspection_passed: false } },
    ])
  })

  it('names a branch by where it goes when the flow has no name, and takes text and numbers', () => {
    const xml = process(`<bpmn:exclusiveGateway id="inspected"/>
      <bpmn:sequenceFlow id="a" sourceRef="inspected" targetRef="department_review">
        <bpmn:conditionExpression>result == "ok"</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="b" sourceRef="inspected" targetRef="refused">
        <bpmn:conditionExpression>result == 'bad'</bpmn:conditionExpression>
      </bpmn:sequenceFlow>`)
    expect(taskChoices(xml, 'site_inspection')).toEqual([
      { label: '部门审批', data: { result: 'ok' } },
      { label: '不予许可', data: { result: 'bad' } },
    ])
  })

  it('offers nothing where the branches test something else than one variable’s value', () => {
    const compound = process(`<bpmn:exclusiveGateway id="inspected"/>
      <bpmn:sequenceFlow id="a" name="通过" sourceRef="inspected" targetRef="department_review">
        <bpmn:conditionExpression>score &gt; 60</bpmn:conditionExpression>
      </bpmn:sequenceFlow>`)
    const two = process(`<bpmn:exclusiveGateway id="inspected"/>
      <bpmn:sequenceFlow id="a" name="甲" sourceRef="inspected" targetRef="department_review">
        <bpmn:conditionExpression>a == true</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="b" name="乙" sourceRef="inspected" targetRef="refused">
        <bpmn:conditionExpression>b == true</bpmn:conditionExpression>
      </bpmn:sequenceFlow>`)
    const noGateway = process(`<bpmn:task id="inspected" name="x"/>`)
    const textDefault = process(`<bpmn:exclusiveGateway id="inspected" default="b"/>
      <bpmn:sequenceFlow id="a" name="甲" sourceRef="inspected" targetRef="department_review">
        <bpmn:conditionExpression>r == "x"</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="b" name="乙" sourceRef="inspected" targetRef="refused"/>`)
    for (const xml of [compound, two, noGateway, textDefault, 'not xml']) expect(taskChoices(xml, 'site_inspection')).toEqual([])
  })
})
