import type { SM } from './schemas'
import { MAX_PAGE_SIZE, allPages, downloadBlob, json, page, postTable, seg, send } from './http'
import type { Page, PageParams } from './http'

export type ListType = 'power' | 'responsibility' | 'fee' | 'intermediary' | 'negative'

export type ListEntry = SM['ListEntry']

export type ListVersion = SM['VersionOut']

/** The published version of a list, per department: the first page only (see getAllCurrentLists, Part A). */
export function getCurrentList(type: ListType, params: { department?: string; signal?: AbortSignal } = {}): Promise<ListVersion[]> {
  return json<ListVersion[]>(`/lists/${seg(type)}`, { query: { department: params.department }, signal: params.signal, auth: false })
}

export type ListImportReport = SM['ListImportReport']

export type ListDiffOut = import('@/lib/catalogueAdmin').ListDiff

/** One page of a list's versions (by department and version): the published ones and the caller's department's drafts. */
export function getListVersionsPage(type: ListType, params: PageParams & { department?: string; signal?: AbortSignal } = {}): Promise<Page<ListVersion>> {
  return page<ListVersion>(`/lists/${seg(type)}/versions`, params, { department: params.department })
}

/** Every published version of a list and the caller's department's drafts (all of them for an administrator), page by page. */
export function listListVersions(type: ListType, params: { department?: string; signal?: AbortSignal } = {}): Promise<ListVersion[]> {
  return allPages((number) => getListVersionsPage(type, { ...params, page: number, pageSize: MAX_PAGE_SIZE }))
}

export function getListVersion(id: number, signal?: AbortSignal): Promise<ListVersion> {
  return json<ListVersion>(`/lists/versions/${id}`, { signal })
}

/** A department compiles the next version of its list as a draft. */
export function createListDraft(type: ListType, body: { department_code: string; entries: ListEntry[]; note: string }): Promise<ListVersion> {
  return json<ListVersion>(`/lists/${seg(type)}/drafts`, { method: 'POST', json: body })
}

export function importListDraft(type: ListType, department: string, file: Blob, name: string, dryRun: boolean): Promise<ListImportReport> {
  return postTable<ListImportReport>(`/lists/${seg(type)}/import`, file, name, { department, dry_run: String(dryRun) })
}

/** A list import's .xlsx template (sheets 导入, 填写说明, 示例), the same for the five lists (staff who import). */
export function downloadListImportTemplate(): Promise<Blob> {
  return downloadBlob('/lists/import-template.xlsx')
}

/** Deletes a draft list version (its department, administrators); other versions answer 409. */
export async function deleteListDraft(id: number): Promise<void> {
  await send(`/lists/versions/${id}`, { method: 'DELETE' })
}

export function submitListVersion(id: number): Promise<ListVersion> {
  return json<ListVersion>(`/lists/versions/${id}/submit`, { method: 'POST' })
}

/** Administrators only: publishes a draft or submitted version with its effective date. */
export function publishListVersion(id: number, effectiveDate: string): Promise<ListVersion> {
  return json<ListVersion>(`/lists/versions/${id}/publish`, { method: 'POST', json: { effective_date: effectiveDate } })
}

export function diffListVersions(fromId: number, toId: number, signal?: AbortSignal): Promise<ListDiffOut> {
  return json<ListDiffOut>('/lists/diff', { query: { from: fromId, to: toId }, signal })
}

/** One page of the lists in force: one published version per department, by department code. */
export function getCurrentListPage(type: ListType, params: PageParams & { department?: string; signal?: AbortSignal } = {}): Promise<Page<ListVersion>> {
  return page<ListVersion>(`/lists/${seg(type)}`, params, { department: params.department })
}

/** Every department's list in force, page by page (a county has tens of departments, not thousands). */
export async function getAllCurrentLists(type: ListType, params: { department?: string; signal?: AbortSignal } = {}): Promise<ListVersion[]> {
  const all: ListVersion[] = []
  for (let number = 1; ; number++) {
    const chunk = await getCurrentListPage(type, { ...params, page: number, pageSize: MAX_PAGE_SIZE })
    all.push(...chunk.items)
    if (chunk.items.length === 0 || all.length >= chunk.total) return all
  }
}
