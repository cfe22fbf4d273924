/** Reference data many pages show: department names and item names, each fetched once. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as api from '@/api'

/** What a department's name reads as while the department list is on its way. */
export const DEPARTMENT_LOADING = '…'

export const useReferenceStore = defineStore('reference', () => {
  /** Every department with its Chinese name (`GET /departments`: those implementing items and those owning shared data). */
  const departments = ref<api.Department[]>([])
  const departmentsState = ref<'idle' | 'loading' | 'loaded' | 'failed'>('idle')
  const items = ref<Record<string, api.ItemDetail>>({})
  let departmentsLoading: Promise<api.Department[]> | null = null
  const itemsLoading = new Map<string, Promise<api.ItemDetail>>()

  async function loadDepartments(): Promise<api.Department[]> {
    if (departments.value.length) return departments.value
    if (departmentsLoading) return departmentsLoading
    departmentsState.value = 'loading'
    departmentsLoading = api.listDepartments().then(
      (list) => {
        departmentsState.value = 'loaded'
        return (departments.value = list)
      },
      (error: unknown) => {
        departmentsLoading = null
        departmentsState.value = 'failed'
        throw error
      },
    )
    return departmentsLoading
  }

  /**
   * A department's Chinese name from the API's list. Until the list has come, an ellipsis (the list
   * is asked for if no page did yet); a code the list does not hold, or a list that could not be had,
   * shows the code rather than nothing.
   */
  function departmentName(code: string | null | undefined): string {
    if (!code) return ''
    const known = departments.value.find((d) => d.code === code)
    if (known) return known.name
    if (departmentsState.value === 'idle') loadDepartments().catch(() => {})
    return departmentsState.value === 'loaded' || departmentsState.value === 'failed' ? code : DEPARTMENT_LOADING
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

  return { departments, departmentsState, items, themes, themeCounts, loadDepartments, departmentName, loadItem, itemName, loadThemes, themeItemCount }
})
