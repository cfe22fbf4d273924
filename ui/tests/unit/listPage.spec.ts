import { flushPromises, mount } from '@vue/test-utils'
import { ElTableColumn } from 'element-plus'
import { describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import type { Page } from '@/api'
import PagedCardList from '@/components/PagedCardList.vue'
import PagedTable from '@/components/PagedTable.vue'
import { usePagedList } from '@/composables/usePagedList'
import { useQueryFilter } from '@/composables/useQueryFilter'

type Row = { id: number; name: string }

/** Mounts `render` under a route at `initial`; `setup` builds what it shows. */
async function routed(initial: string, setup: () => () => ReturnType<typeof h>) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/list', name: 'list', component: defineComponent({ setup }) }] })
  await router.push(initial)
  const wrapper = mount(defineComponent({ render: () => h(RouterView) }), {
    global: { plugins: [router], directives: { loading: () => {} } },
    attachTo: document.body,
  })
  await flushPromises()
  return { wrapper, router }
}

function rows(total: number, fail = false) {
  return async (state: { page: number; pageSize: number }): Promise<Page<Row>> => {
    if (fail) throw new TypeError('Failed to fetch')
    const start = (state.page - 1) * state.pageSize
    const items = Array.from({ length: Math.max(0, Math.min(state.pageSize, total - start)) }, (_, i) => ({ id: start + i, name: `第${start + i}项` }))
    return { items, total, page: state.page, pageSize: state.pageSize }
  }
}

describe('useQueryFilter', () => {
  it('reads only the allowed values and, when set, drops the page and empty values from the URL', async () => {
    let status!: ReturnType<typeof useQueryFilter<'open' | 'done'>>
    const { router } = await routed('/list?status=bogus&page=3', () => {
      status = useQueryFilter<'open' | 'done'>('status', ['open', 'done'])
      return () => h('p', status.value)
    })
    expect(status.value).toBe('')
    status.value = 'open'
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ status: 'open' })
    expect(status.value).toBe('open')
    await router.push('/list?status=done&page=2&q=x')
    status.value = ''
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: 'x' })
  })
})

describe('PagedTable', () => {
  it('shows the rows with the table and its pagination named, and passes other attributes to the table', async () => {
    const { wrapper } = await routed('/list?page_size=10', () => {
      const list = usePagedList<Row>((state) => rows(25)(state))
      return () =>
        h(PagedTable<Row>, { list, label: '数据资源', empty: '没有数据资源', rowKey: 'id', class: 'resources' }, () => [h(ElTableColumn, { prop: 'name', label: '名称' })])
    })
    const table = wrapper.find('.el-table')
    expect(table.classes()).toContain('resources')
    expect(table.attributes('aria-label')).toBe('数据资源')
    expect(wrapper.findAll('.el-table__body tbody tr')).toHaveLength(10)
    expect(wrapper.find('nav').attributes('aria-label')).toBe('数据资源分页')
    wrapper.unmount()
  })

  it('shows the error with a retry in place of the table', async () => {
    const { wrapper } = await routed('/list', () => {
      const list = usePagedList<Row>((state) => rows(5, true)(state))
      return () => h(PagedTable<Row>, { list, label: '数据资源', empty: '没有数据资源' })
    })
    expect(wrapper.find('.el-table').exists()).toBe(false)
    expect(wrapper.text()).toContain('重试')
    wrapper.unmount()
  })
})

describe('PagedCardList', () => {
  it('renders each item through the slot inside a named list, or the empty text', async () => {
    const { wrapper } = await routed('/list?page_size=10', () => {
      const list = usePagedList<Row>((state) => rows(12)(state))
      return () =>
        h(PagedCardList<Row>, { list, label: '办件列表', empty: '暂无办件', itemKey: (r: Row) => r.id, class: 'cases' }, { default: ({ item }: { item: Row }) => h('li', item.name) })
    })
    const ul = wrapper.find('ul.card-list')
    expect(ul.classes()).toContain('cases')
    expect(ul.attributes('aria-label')).toBe('办件列表')
    expect(ul.findAll('li').map((li) => li.text())[0]).toBe('第0项')
    expect(ul.findAll('li')).toHaveLength(10)
    expect(wrapper.find('nav').attributes('aria-label')).toBe('办件列表分页')
    wrapper.unmount()

    const empty = await routed('/list', () => {
      const list = usePagedList<Row>((state) => rows(0)(state))
      return () => h(PagedCardList<Row>, { list, label: '办件列表', empty: '暂无办件', itemKey: (r: Row) => r.id }, { default: () => h('li') })
    })
    expect(empty.wrapper.find('ul').exists()).toBe(false)
    expect(empty.wrapper.text()).toContain('暂无办件')
    empty.wrapper.unmount()
  })
})
