import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import type { Page } from '@/api'
import EChart from '@/components/EChart.vue'
import ListPagination from '@/components/ListPagination.vue'
import RuleExplanation from '@/components/RuleExplanation.vue'
import { usePagedList } from '@/composables/usePagedList'
import type { PageState } from '@/lib/pagination'

describe('ListPagination', () => {
  it('names itself and its page-size selector, and reports the page chosen', async () => {
    const wrapper = mount(ListPagination, { props: { total: 45, page: 1, pageSize: 10, label: '办件列表' }, attachTo: document.body })
    await flushPromises()
    expect(wrapper.find('nav').attributes('aria-label')).toBe('办件列表分页')
    expect(wrapper.find('.el-pagination__sizes input').attributes('aria-label')).toBe('每页条数')
    expect(wrapper.findAll('.el-pager li').map((li) => li.text())).toEqual(['1', '2', '3', '4', '5'])
    await wrapper.find('.el-pager li:nth-child(3)').trigger('click')
    expect(wrapper.emitted('update:page')).toEqual([[3]])
    wrapper.unmount()
  })

  it('is not shown for an empty list', () => {
    const wrapper = mount(ListPagination, { props: { total: 0, page: 1, pageSize: 10, label: '办件列表' } })
    expect(wrapper.find('nav').exists()).toBe(false)
  })
})

describe('usePagedList', () => {
  async function setup(initial: string, fetchPage: (state: PageState) => Promise<Page<number>>) {
    let list!: ReturnType<typeof usePagedList<number>>
    const Listing = defineComponent({
      setup() {
        list = usePagedList<number>((state) => fetchPage(state))
        return () => h('ul', list.items.value.map((n) => h('li', String(n))))
      },
    })
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/list', name: 'list', component: Listing }] })
    await router.push(initial)
    const wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [router] } })
    await flushPromises()
    return { wrapper, router, list: () => list }
  }

  function pageOf(total: number) {
    return vi.fn(async (state: PageState): Promise<Page<number>> => {
      const start = (state.page - 1) * state.pageSize
      const items = Array.from({ length: Math.max(0, Math.min(state.pageSize, total - start)) }, (_, i) => start + i)
      return { items, total, page: state.page, pageSize: state.pageSize }
    })
  }

  it('loads the page the URL names and follows the URL', async () => {
    const fetchPage = pageOf(25)
    const { wrapper, router, list } = await setup('/list?page=2&page_size=10', fetchPage)
    expect(fetchPage).toHaveBeenLastCalledWith({ page: 2, pageSize: 10 })
    expect(wrapper.findAll('li').map((li) => li.text())[0]).toBe('10')
    list().changePage(3)
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ page: '3' })
    expect(fetchPage).toHaveBeenLastCalledWith({ page: 3, pageSize: 10 })
    expect(wrapper.findAll('li')).toHaveLength(5)
    list().changePageSize(20)
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ page_size: '20' })
    expect(fetchPage).toHaveBeenLastCalledWith({ page: 1, pageSize: 20 })
  })

  it('goes to the last page when the URL names one past the end', async () => {
    const fetchPage = pageOf(25)
    const { router } = await setup('/list?page=9', fetchPage)
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ page: '3' })
    expect(fetchPage).toHaveBeenLastCalledWith({ page: 3, pageSize: 10 })
  })

  it('says in Chinese when the list cannot be loaded', async () => {
    const { list } = await setup('/list', () => Promise.reject(new Error('boom')))
    expect(list().error.value).toBe('页面出错：boom')
    expect(list().items.value).toEqual([])
  })
})

describe('RuleExplanation', () => {
  it('explains the decision table’s verdict with the facts and the matched row', async () => {
    // What reviewer-amr's business system keeps for a capital of 500 (万元).
    const wrapper = mount(RuleExplanation, {
      props: {
        ruleVersion: 1,
        automated: false,
        formLabels: { capital: '资金数额（万元）' },
        ruleInputs: { applicant: { type: 'person', age: 36 }, form: { capital: 500 } },
        ruleOutput: {
          eligible: false,
          reason: '资金数额超过100万元，转人工审核',
          trace: {
            table: {
              name: '个体工商户设立秒批规则',
              trace: {
                index: 1,
                reference_map: { 'form.capital': 500, 'applicant.age': 36 },
                rule: { _id: 'r1', 'applicant.age[in0]': '', 'form.capital[in1]': '> 100' },
              },
            },
          },
        },
      },
    })
    await flushPromises() // the table lays out its rows after mounting
    const text = wrapper.text()
    expect(text).toContain('个体工商户设立秒批规则')
    expect(text).toContain('第 1 版')
    expect(text).toContain('不符合自动审批条件，转人工审核')
    expect(text).toContain('资金数额超过100万元，转人工审核')
    expect(text).toContain('第 2 条')
    const rows = wrapper.findAll('.rule-table tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))
    expect(rows).toEqual([
      ['申请人年龄', '36', '任意'],
      ['资金数额（万元）', '500', '大于 100'], // the condition in Chinese, not the engine's `> 100`
    ])
  })
})

describe('EChart', () => {
  it('draws the option as SVG, labelled for screen readers', async () => {
    const wrapper = mount(EChart, {
      props: {
        label: '各部门办件量',
        height: 200,
        option: {
          xAxis: { type: 'category', data: ['市场监管', '公安', '人社'] },
          yAxis: { type: 'value' },
          series: [{ type: 'bar', data: [12, 7, 3] }],
        },
      },
      attachTo: document.body,
    })
    await flushPromises()
    const chart = wrapper.find('[role="img"]')
    expect(chart.attributes('aria-label')).toBe('各部门办件量')
    expect(chart.find('svg').exists()).toBe(true)
    expect(chart.findAll('path').length).toBeGreaterThan(3)
    wrapper.unmount()
  })
})
