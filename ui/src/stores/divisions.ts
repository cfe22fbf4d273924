/** The division tree (GB/T 2260) the division picker offers and pages name codes from, fetched once. */
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import * as api from '@/api'
import { divisionText } from '@/lib/divisions'

export const useDivisionStore = defineStore('divisions', () => {
  const tree = shallowRef<api.DivisionNode[]>([])
  let loading: Promise<api.DivisionNode[]> | null = null

  /** The whole tree; a failure is thrown and the next call asks again. */
  async function load(): Promise<api.DivisionNode[]> {
    if (tree.value.length) return tree.value
    loading ??= api.getDivisionTree().then(
      (answer) => (tree.value = answer.divisions),
      (error: unknown) => {
        loading = null
        throw error
      },
    )
    return loading
  }

  /** A stored code as a person reads it: 浙江省 / 杭州市 / 桐庐县 once the tree is in (the first call
   *  fetches it; a computed that calls this reads the path when it arrives). */
  function nameOf(code: string): string {
    if (!tree.value.length) load().catch(() => {}) // the code is said until the tree is in
    return divisionText(tree.value, code)
  }

  return { tree, load, nameOf }
})
