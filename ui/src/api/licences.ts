import type { DS } from './schemas'
import { json, page, seg } from './http'
import type { Page, PageParams } from './http'

export type License = DS['LicenseOut']

export type Verification = DS['Verification']

export type LicenseType = DS['LicenseTypeOut']

/** A licence type and the labels of the fields its licences show (public: they are on the licence). */
export function getLicenseType(code: string, signal?: AbortSignal): Promise<LicenseType> {
  return json<LicenseType>(`/license-types/${seg(code)}`, { signal, auth: false })
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
