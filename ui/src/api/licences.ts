import { json, page, seg } from './http'
import type { Page, PageParams } from './http'

export interface License {
  license_no: string
  license_type: string
  name: string
  holder_id_number: string
  holder_name: string
  holder_type: string
  issuer_department: string
  case_no: string
  fields: Record<string, unknown>
  status: string
  issued_at: string
  valid_until: string | null
  signature_alg: string
  key_id: string
  signature: string
}

export interface Verification {
  license_no: string
  valid: boolean
  status: string
  signature_valid: boolean
  license_type: string
  name: string
  holder_name: string | null
  issuer_department: string
  issued_at: string
  valid_until: string | null
  reason: string | null
}

export function listMyLicenses(params: PageParams & { signal?: AbortSignal } = {}): Promise<Page<License>> {
  return page<License>('/licenses', params)
}

export function getLicense(licenseNo: string, signal?: AbortSignal): Promise<License> {
  return json<License>(`/licenses/${seg(licenseNo)}`, { signal })
}

/** 注销: the holder gives the licence up (or the issuing department cancels it), with a reason. */
export function cancelLicense(licenseNo: string, reason: string): Promise<License> {
  return json<License>(`/licenses/${seg(licenseNo)}/cancel`, { method: 'POST', json: { reason } })
}

/** Public: anyone may verify a licence by its number. */
export function verifyLicense(licenseNo: string, signal?: AbortSignal): Promise<Verification> {
  return json<Verification>(`/licenses/${seg(licenseNo)}/verify`, { signal, auth: false })
}
