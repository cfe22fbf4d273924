/** Reference data many pages show: department names and item names, each fetched once. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as api from '@/api'
import { collectThemes } from '@/lib/catalogueSearch'

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
    return departments.value.find((d) => d.code === code)?.name ?? code
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

  const themes = ref<string[]>([])
  let themesLoading: Promise<string[]> | null = null

  /** The life-event themes (主题) of the published items and bundles, fetched once. */
  async function loadThemes(): Promise<string[]> {
    if (themes.value.length) return themes.value
    themesLoading ??= Promise.all([api.listAllItems({ limit: 500 }), api.listBundles()]).then(
      ([all, bundles]) => (themes.value = collectThemes(bundles, all)),
      (error: unknown) => {
        themesLoading = null
        throw error
      },
    )
    return themesLoading
  }

  return { departments, items, themes, loadDepartments, departmentName, loadItem, itemName, loadThemes }
})
