import type { ApplicantType } from './accounts'
import type { SM, SMIn } from './schemas'
import { ApiError, downloadBlob, file, isApiError, json, page, problemFrom, seg, tokenProvider, unauthorizedHandler, url } from './http'
import type { Page, PageParams } from './http'

export type FormValue = string | number | boolean

export type FormPayload = Record<string, FormValue>

export type CaseCreated = SM['CaseCreated']

export type CaseSummary = SM['CaseSummary']

export type TimelineEntry = SM['TimelineEntry']

/** The schema says `applicant_type: string` (a str field in service-management's CaseOut): narrowed here. */
export type CaseDetail = Omit<SM['CaseOut'], 'applicant_type'> & { applicant_type: ApplicantType }

export function fileCase(itemCode: string, form: FormPayload, key?: string): Promise<CaseCreated> {
  return file<CaseCreated>('/cases', { item_code: itemCode, form }, key)
}

export function listMyCases(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<CaseSummary>> {
  return page<CaseSummary>('/cases', params)
}

/** The caller's ended cases not rated yet (待评价), newest first: where the 好差评 entry leads. */
export function listCasesAwaitingRating(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<CaseSummary>> {
  return page<CaseSummary>('/evaluations/awaiting', params)
}

export function getCase(caseNo: string, signal?: AbortSignal): Promise<CaseDetail> {
  return json<CaseDetail>(`/cases/${seg(caseNo)}`, { signal })
}

export type WalkInApplicant = SMIn['WalkInApplicant']

export type MaterialRef = SMIn['MaterialRefIn']

export type UploadedFile = SM['UploadOut']

export type QueueEntry = SM['QueueEntry']

export type CaseMaterialOut = SM['CaseMaterialOut']

export type CaseClock = SM['ServiceManagementClockOut']

/** A case as service-management shows it to staff: materials, what is missing, its clock. */
export type CaseFull = CaseDetail

/** A material file (PDF, JPEG or PNG, judged by its bytes); refer to it by its file_id. */
export async function uploadFile(file: Blob, name = 'material'): Promise<UploadedFile> {
  const body = new FormData()
  body.append('file', file, name)
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = tokenProvider()
  if (token) headers.Authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(url('/files'), { method: 'POST', headers, body })
  } catch (cause) {
    throw new ApiError({ type: 'about:blank', title: 'Network Error', status: 0, detail: String(cause) })
  }
  if (!response.ok) {
    const error = new ApiError(await problemFrom(response))
    if (response.status === 401 && token) unauthorizedHandler(error)
    throw error
  }
  return (await response.json()) as UploadedFile
}

export function fileAtWindow(body: { item_code: string; applicant: WalkInApplicant; form: FormPayload; materials: MaterialRef[] }, key?: string): Promise<CaseCreated> {
  return file<CaseCreated>('/intake/cases', body, key)
}

export function listIntakeQueue(params: PageParams & { filters?: Record<string, string | undefined>; signal?: AbortSignal } = {}): Promise<Page<QueueEntry>> {
  return page<QueueEntry>('/intake/queue', params, { ...params.filters })
}

export function getCaseFull(caseNo: string, signal?: AbortSignal): Promise<CaseFull> {
  return json<CaseFull>(`/cases/${seg(caseNo)}`, { signal })
}

export function acceptCase(caseNo: string, note?: string): Promise<CaseCreated> {
  return json<CaseCreated>(`/intake/cases/${seg(caseNo)}/accept`, { method: 'POST', json: note ? { note } : {} })
}

export function requestSupplement(caseNo: string, missing: string[], note: string): Promise<CaseCreated> {
  return json<CaseCreated>(`/intake/cases/${seg(caseNo)}/supplement`, { method: 'POST', json: { missing, note } })
}

export function rejectCase(caseNo: string, reason: string): Promise<CaseCreated> {
  return json<CaseCreated>(`/intake/cases/${seg(caseNo)}/reject`, { method: 'POST', json: { reason } })
}

/** The applicant (or a window clerk for them) supplies the materials asked for. */
export function supplementCase(caseNo: string, materials: MaterialRef[]): Promise<CaseCreated> {
  return json<CaseCreated>(`/cases/${seg(caseNo)}/supplement`, { method: 'POST', json: { materials } })
}

export type Rating = 1 | 2 | 3 | 4 | 5

export type EvaluationResult = SM['service_management__evaluation__schemas__EvaluationOut']

/** A reason of the national 好差评 list for a bad rating (差评). */
export type BadRatingReason = NonNullable<SMIn['service_management__evaluation__schemas__EvaluationIn']['reasons']>[number]
export type EvaluationReason = SM['ReasonOut']

/** 好差评: the applicant rates an ended case once; a rating of 2 or 1 needs at least one reason. */
export function evaluateCase(caseNo: string, body: { rating: Rating; reasons?: BadRatingReason[]; tags?: string[]; comment?: string }): Promise<EvaluationResult> {
  return json<EvaluationResult>(`/cases/${seg(caseNo)}/evaluation`, { method: 'POST', json: { tags: [], reasons: [], comment: '', ...body } })
}

/** The reasons an applicant picks from for a bad rating. */
export function listEvaluationReasons(signal?: AbortSignal): Promise<EvaluationReason[]> {
  return json<EvaluationReason[]>('/evaluation-reasons', { signal })
}

/** What the public progress look-up (办件进度查询, no login) tells. */
export type PublicProgress = SM['PublicProgress']

/** A case's progress by its number and the last six characters of the applicant's ID number (no login). */
export function lookUpProgress(caseNo: string, idLast6: string): Promise<PublicProgress> {
  return json<PublicProgress>('/case-progress', { method: 'POST', json: { case_no: caseNo, id_last6: idLast6 } })
}

export function fileCaseWithMaterials(itemCode: string, form: FormPayload, materials: MaterialRef[], key?: string): Promise<CaseCreated> {
  return file<CaseCreated>('/cases', { item_code: itemCode, form, materials }, key)
}

export function downloadCaseMaterial(caseNo: string, fileId: string): Promise<Blob> {
  return downloadBlob(`/cases/${seg(caseNo)}/materials/${seg(fileId)}`)
}

/** A BPMN state a case entered (service-management); `left_at` null while it waits there. */
export type CaseState = SM['StateOut']

export type CaseProgressEntry = SM['ProgressEntry']

/** The case at service-management with its process states and department progress (staff). */
export type CaseProcess = CaseDetail

export function getCaseProcess(caseNo: string, signal?: AbortSignal): Promise<CaseProcess> {
  return json<CaseProcess>(`/cases/${seg(caseNo)}`, { signal })
}

/** Completes a department step of the case's BPMN process (a userTask other than intake and department_review). */
export function completeCaseTask(caseNo: string, taskId: string, body: { data: Record<string, unknown>; opinion?: string }): Promise<CaseCreated> {
  return json<CaseCreated>(`/cases/${seg(caseNo)}/tasks/${seg(taskId)}`, { method: 'POST', json: body })
}

/** The applicant's rating of a case, as the case detail shows it. */
export type CaseEvaluation = SM['CaseEvaluationOut']

/** A supplement request (补正): open while `supplied_at` is null. */
export type SupplementRequest = SM['SupplementRequestOut']

/** Accept (受理) a case, recording materials first (scans, licences, paper seen by the clerk). */
export function acceptCaseWithMaterials(caseNo: string, note: string | undefined, materials: MaterialRef[]): Promise<CaseCreated> {
  return json<CaseCreated>(`/intake/cases/${seg(caseNo)}/accept`, { method: 'POST', json: { ...(note ? { note } : {}), materials } })
}

/** What the window clerk's standing grant shows of a person (一窗受理核验身份). */
export interface PersonLookup {
  name?: string | null
  gender?: string | null
  birth_date?: string | null
  residence_address?: string | null
}

/** What the window clerk's standing grant shows of a legal entity. */
export interface EntityLookup {
  name?: string | null
  entity_type?: string | null
  legal_representative?: string | null
  address?: string | null
  status?: string | null
}

async function lookUp<T>(path: string, signal?: AbortSignal): Promise<T | null> {
  try {
    return await json<T>(path, { signal })
  } catch (cause) {
    if (isApiError(cause) && cause.status === 404) return null
    throw cause
  }
}

/** A person in the population registry by resident ID number; null when not in it (the read is audited). */
export function lookUpPerson(idNumber: string, signal?: AbortSignal): Promise<PersonLookup | null> {
  return lookUp<PersonLookup>(`/registries/population/${seg(idNumber)}`, signal)
}

/** A legal entity in the legal-entity registry by unified social credit code; null when not in it. */
export function lookUpEntity(uscc: string, signal?: AbortSignal): Promise<EntityLookup | null> {
  return lookUp<EntityLookup>(`/registries/legal-entities/${seg(uscc)}`, signal)
}

/** An entity's case names the person who acted for it (its legal representative or an agent). */
