import { flushPromises, mount } from '@vue/test-utils'
import { ElForm } from 'element-plus'
import { describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import type { FormField } from '@/api'
import DynamicForm from '@/components/DynamicForm.vue'
import { initialModel, type FormModel } from '@/lib/formFields'

// Element Plus shows a form item's message after a short debounce.
async function settle(): Promise<void> {
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, 150))
}

const fields: FormField[] = [
  { name: 'business_name', label: '个体工商户名称', type: 'string', required: true, prefill: null },
  { name: 'business_scope', label: '经营范围', type: 'text', required: true, prefill: null },
  { name: 'capital', label: '资金数额（万元）', type: 'number', required: true, prefill: null },
  { name: 'start_date', label: '入职日期', type: 'date', required: false, prefill: null },
  { name: 'agreed', label: '同意承诺', type: 'boolean', required: true, prefill: null },
]

async function mountForm(serverErrors: Record<string, string> = {}) {
  const model = ref<FormModel>(initialModel(fields))
  const changed: string[] = []
  const form = ref<InstanceType<typeof DynamicForm>>()
  const wrapper = mount(
    defineComponent({
      setup: () => () =>
        h(ElForm, { labelPosition: 'top' }, () =>
          h(DynamicForm, {
            ref: form,
            fields,
            modelValue: model.value,
            'onUpdate:modelValue': (value: FormModel) => (model.value = value),
            serverErrors,
            idPrefix: 'apply',
            onFieldChanged: (name: string) => changed.push(name),
          }),
        ),
    }),
    { attachTo: document.body },
  )
  await flushPromises() // Element Plus gives the inputs their ids after mounting
  return { wrapper, model, form, changed }
}

describe('DynamicForm', () => {
  it('renders one labelled control per field, of the field’s kind', async () => {
    const { wrapper } = await mountForm()
    for (const field of fields) {
      const label = wrapper.find(`label[for="apply-${field.name}"]`)
      expect(label.exists(), field.name).toBe(true)
      expect(label.text()).toContain(field.label)
      expect(wrapper.find(`#apply-${field.name}`).exists(), field.name).toBe(true)
    }
    expect(wrapper.find('#apply-business_scope').element.tagName).toBe('TEXTAREA')
    expect(wrapper.find('#apply-capital').attributes('inputmode')).toBe('decimal')
    expect(wrapper.find('.form-field-business_name').classes()).toContain('is-required')
    expect(wrapper.find('.form-field-start_date').classes()).not.toContain('is-required')
    wrapper.unmount()
  })

  it('checks every field on validate() and shows the messages next to them', async () => {
    const { wrapper, form } = await mountForm()
    expect(form.value!.validate()).toBe(false)
    await settle()
    expect(wrapper.find('.form-field-business_name').text()).toContain('请填写个体工商户名称')
    expect(wrapper.find('.form-field-capital').text()).toContain('请填写资金数额（万元）')
    expect(wrapper.find('#apply-capital').attributes('aria-invalid')).toBe('true')
    expect(wrapper.find('#apply-capital').attributes('aria-describedby')).toBe('apply-capital-error')
    wrapper.unmount()
  })

  it('updates the model as the applicant types, and validates a filled form', async () => {
    const { wrapper, model, form, changed } = await mountForm()
    await wrapper.find('#apply-business_name').setValue('张三小吃店')
    await wrapper.find('#apply-business_scope').setValue('小吃')
    await wrapper.find('#apply-capital').setValue('五万')
    expect(model.value.business_name).toBe('张三小吃店')
    expect(changed).toEqual(['business_name', 'business_scope', 'capital'])
    expect(form.value!.validate()).toBe(false)
    await settle()
    expect(wrapper.find('.form-field-capital').text()).toContain('资金数额（万元）应为数字')
    await wrapper.find('#apply-capital').setValue('5')
    expect(form.value!.validate()).toBe(true)
    wrapper.unmount()
  })

  it('shows the API’s message next to the field it names', async () => {
    const { wrapper } = await mountForm({ capital: '资金数额（万元）应为数字' })
    await settle()
    expect(wrapper.find('.form-field-capital').text()).toContain('资金数额（万元）应为数字')
    expect(wrapper.find('.form-field-business_name .el-form-item__error').exists()).toBe(false)
    wrapper.unmount()
  })
})
