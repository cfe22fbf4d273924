/**
 * The one client of the platform's public API (`/api/v1` at the portal-gateway), split by area. The wire
 * types are generated from the services' OpenAPI documents (`./generated`, `npm run api:types`; ui/README.md, "Wire types");
 * errors arrive as RFC 9457 problem details and are thrown as ApiError (`./http`).
 */
export {
  API_BASE,
  ApiError,
  FILING_RETRY,
  MAX_PAGE_SIZE,
  READ_RETRY,
  configureAuth,
  configureFilingWaitNotice,
  downloadBlob,
  isApiError,
  newIdempotencyKey,
  outcomeUnknown,
  parseRetryAfter,
  readPage,
  refusedForNow,
} from './http'
export type { Page, PageParams, Problem, ProblemFieldError } from './http'
export * from './accounts'
export * from './bundles'
export * from './cases'
export * from './catalogue'
export * from './data'
export * from './licences'
export * from './lists'
export * from './notifications'
export * from './operations'
export * from './personal'
export * from './review'
export * from './supervision'
