/** Reference data many pages show: department names and item names, each fetched once. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as api from '@/api'

/**
 * Bodies that own shared data (the data catalogue's registries) but implement no service item, so
 * service-management's department list does not name them.
 */
const DATA_OWNERS: Record<string, string> = {
  ndrc: '示范县发展和改革局',
  stats: '示范县统计局',
  bdb: '示范县大数据发展管理局',
}

export const useReferenceStore = defineStore('reference', () => {
  const departments = ref<api.Department[]>([])
  const items = ref<Record<string, api.ItemDetail>>({})
  let departmentsLoading: Promise<api.Department[]> | null = null
  const itemsLoading = new Map<string, Promise<api.ItemDetail>>()

  async function loadDepartments(): Promise<api.Department[]> {
    if (departments.value.length) return departments.value
    departmentsLoading ??= api.listDepartments().then(
      (list) => (departments.value = list),
      (error: unknown) => {
        departmentsLoading = null
        throw error
      },
    )
    return departmentsLoading
  }

  function departmentName(code: string | null | undefined): string {
    if (!code) return ''
    return departments.value.find((d) => d.code === code)?.name ?? DATA_OWNERS[code] ?? code
  }

  /** An item's definition (name, form fields), fetched once per code. */
  async function loadItem(code: string): Promise<api.ItemDetail> {
    const known = items.value[code]
    if (known) return known
    let pending = itemsLoading.get(code)
    if (!pending) {
      pending = api.getItem(code).then((item) => {
        items.value = { ...items.value, [code]: item }
        return item
      })
      pending.catch(() => itemsLoading.delete(code))
      itemsLoading.set(code, pending)
    }
    return pending
  }

  function itemName(code: string): string {
    return items.value[code]?.name ?? code
  }

  /** Theme names (the catalogue's `theme` filter values), most items first. */
  const themes = ref<string[]>([])
  /** The themes with how many published items and bundles carry each. */
  const themeCounts = ref<api.Theme[]>([])
  let themesLoading: Promise<string[]> | null = null

  /** The life-event themes (主题) of the published items and bundles (`GET /themes`), fetched once. */
  async function loadThemes(): Promise<string[]> {
    if (themes.value.length) return themes.value
    themesLoading ??= api.listThemes().then(
      (list) => {
        themeCounts.value = list
        return (themes.value = list.map((t) => t.name))
      },
      (error: unknown) => {
        themesLoading = null
        throw error
      },
    )
    return themesLoading
  }

  function themeItemCount(name: string): number {
    return themeCounts.value.find((t) => t.name === name)?.item_count ?? 0
  }

  return { departments, items, themes, themeCounts, loadDepartments, departmentName, loadItem, itemName, loadThemes, themeItemCount }
})
