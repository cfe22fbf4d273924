import { flushPromises, mount } from '@vue/test-utils'
import { ElForm } from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import * as api from '@/api'
import type { DivisionNode, FormField } from '@/api'
import DivisionPicker from '@/components/DivisionPicker.vue'
import DynamicForm from '@/components/DynamicForm.vue'
import { divisionPath, divisionText, pathOf } from '@/lib/divisions'
import { checkValue, displayValue, initialModel, toPayload, type FormModel } from '@/lib/formFields'
import { useDivisionStore } from '@/stores/divisions'

vi.mock('@/api', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api')>()
  return { ...actual, getDivisionTree: vi.fn() }
})

function node(code: string, name: string, level: string, children: DivisionNode[] = []): DivisionNode {
  return { code, name, level, children }
}

const TREE: DivisionNode[] = [
  node('110000', '北京市', 'province', [node('110100', '市辖区', 'city', [node('110105', '朝阳区', 'county')])]),
  node('330000', '浙江省', 'province', [
    node('330100', '杭州市', 'city', [node('330110', '余杭区', 'county'), node('330122', '桐庐县', 'county')]),
  ]),
  node('500000', '重庆市', 'province'),
]

const FIELD: FormField = { name: 'business_division_code', label: '经营场所所在行政区划', type: 'division', required: true, prefill: null }

describe('division paths', () => {
  it('finds a code under the divisions whose digits it shares, and names its path in Chinese', () => {
    expect(pathOf(TREE, '330122')?.map((n) => n.code)).toEqual(['330000', '330100', '330122'])
    expect(divisionPath(TREE, '110105')).toBe('北京市 / 市辖区 / 朝阳区')
    expect(divisionPath(TREE, '330100')).toBe('浙江省 / 杭州市')
    expect(divisionPath(TREE, '500000')).toBe('重庆市')
    expect(divisionPath(TREE, '330123')).toBeNull()
    expect(divisionText(TREE, '330123')).toBe('行政区划代码 330123')
  })

  it('checks a division field as service-management does and shows a filed one by its path', () => {
    expect(checkValue(FIELD, '')).toBe('请填写经营场所所在行政区划')
    expect(checkValue(FIELD, '33012')).toBe('请从列表中选择经营场所所在行政区划')
    expect(checkValue(FIELD, '030122')).toBe('请从列表中选择经营场所所在行政区划')
    expect(checkValue(FIELD, '330122')).toBeNull()
    expect(toPayload([FIELD], { business_division_code: '330122' })).toEqual({ business_division_code: '330122' })
    expect(displayValue('division', '330122', (code) => divisionText(TREE, code))).toBe('浙江省 / 杭州市 / 桐庐县')
    expect(displayValue('division', '330122')).toBe('330122')
  })
})

describe('DivisionPicker', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.mocked(api.getDivisionTree).mockReset()
  })

  async function mountPicker(value = '') {
    const model = ref(value)
    const wrapper = mount(
      defineComponent({
        setup: () => () =>
          h(DivisionPicker, {
            id: 'apply-division',
            required: true,
            describedby: 'apply-division-error',
            invalid: true,
            modelValue: model.value,
            'onUpdate:modelValue': (v: string) => (model.value = v),
          }),
      }),
      { attachTo: document.body },
    )
    await flushPromises()
    await flushPromises()
    return { wrapper, model }
  }

  it('offers the tree once, shows the picked division’s Chinese path and stores its code', async () => {
    vi.mocked(api.getDivisionTree).mockResolvedValue({ root: null, divisions: TREE })
    const { wrapper, model } = await mountPicker('330122')
    const input = wrapper.find('input#apply-division')
    expect(input.exists()).toBe(true)
    expect(input.attributes('aria-required')).toBe('true')
    expect(input.attributes('aria-invalid')).toBe('true')
    expect(input.attributes('aria-describedby')).toBe('apply-division-error')
    expect((input.element as HTMLInputElement).value).toBe('浙江省 / 杭州市 / 桐庐县')

    // Open the panel and walk 浙江省 → 杭州市 → 余杭区, as a pointer or the keyboard would.
    await input.trigger('click')
    await flushPromises()
    const option = (name: string) => [...document.querySelectorAll<HTMLElement>('.el-cascader-node')].find((el) => el.textContent?.includes(name))!
    option('浙江省').click()
    await flushPromises()
    option('杭州市').click()
    await flushPromises()
    option('余杭区').click()
    await flushPromises()
    expect(model.value).toBe('330110')
    // A second picker (another field) reads the tree already fetched.
    const second = await mountPicker('')
    expect(api.getDivisionTree).toHaveBeenCalledTimes(1)
    second.wrapper.unmount()
    wrapper.unmount()
  })

  it('says a code the registry does not hold, and offers to load again after a failure', async () => {
    vi.mocked(api.getDivisionTree).mockRejectedValueOnce(new api.ApiError({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: '数据共享平台暂时不可用，请稍后重试' }))
    const { wrapper } = await mountPicker('339999')
    expect(wrapper.text()).toContain('行政区划列表加载失败：数据共享平台暂时不可用，请稍后重试')
    vi.mocked(api.getDivisionTree).mockResolvedValue({ root: null, divisions: TREE })
    await wrapper.find('.error-state button').trigger('click')
    await flushPromises()
    expect(wrapper.text()).not.toContain('加载失败')
    expect(wrapper.text()).toContain('行政区划库中没有代码 339999，请重新选择。')
    wrapper.unmount()
  })

  it('is the control of a division field in a generated form, labelled by the field', async () => {
    vi.mocked(api.getDivisionTree).mockResolvedValue({ root: null, divisions: TREE })
    const model = ref<FormModel>(initialModel([FIELD]))
    const form = ref<InstanceType<typeof DynamicForm>>()
    const wrapper = mount(
      defineComponent({
        setup: () => () =>
          h(ElForm, { labelPosition: 'top' }, () =>
            h(DynamicForm, { ref: form, fields: [FIELD], modelValue: model.value, 'onUpdate:modelValue': (v: FormModel) => (model.value = v), idPrefix: 'apply' }),
          ),
      }),
      { attachTo: document.body },
    )
    await flushPromises()
    await flushPromises()
    expect(wrapper.find('label[for="apply-business_division_code"]').text()).toContain('经营场所所在行政区划')
    expect(wrapper.find('input#apply-business_division_code').exists()).toBe(true)
    expect(form.value!.validate()).toBe(false)
    await flushPromises()
    expect(wrapper.find('input#apply-business_division_code').attributes('aria-invalid')).toBe('true')
    // The tree the form's picker fetched names the code for the pages that show a filed case.
    expect(useDivisionStore().nameOf('330122')).toBe('浙江省 / 杭州市 / 桐庐县')
    wrapper.unmount()
  })
})
