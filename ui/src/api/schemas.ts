/**
 * The schemas of the gateway's public OpenAPI document (`/openapi.json`: the services' own documents merged with
 * the gateway's), as generated (`./generated/public`, `npm run api:types`; ui/README.md, "Wire types").
 * `SM['CaseOut']` is service-management's `CaseOut` as the API answers it, `SMIn['ItemIn']` its `ItemIn` as a
 * request body. The area modules name them for the views.
 *
 * One document holds every service's schemas, so `SM`, `BS`, `DS` and `GW` are the same type: the name says
 * which service a use belongs to. Where two services have different schemas of one name, the merge gave the later
 * one its service's name as a prefix (`BusinessSystemsMaterialOut`, `ServiceManagementClockOut`; docs/api.md).
 *
 * An answer carries every field of its model (FastAPI serialises defaults too), but a field with a
 * default is optional in a schema used only for answers: `Answer` makes every field present, deeply.
 */
import type { components } from './generated/public'

export type Answer<T> = T extends (infer U)[] ? Answer<U>[] : T extends object ? { [K in keyof T]-?: Answer<T[K]> } : T
type Schemas = components['schemas']
type Answers = { [K in keyof Schemas]: Answer<Schemas[K]> }

/** service-management: the catalogue, lists, cases, intake, workflow, rules, bundles, supervision, personal services */
export type SM = Answers
export type SMIn = Schemas
/** a department's business system: work lists, review chains, decisions, attachments */
export type BS = Answers
export type BSIn = Schemas
/** data-sharing: licences, registries, the data catalogue and grants, the cockpit */
export type DS = Answers
export type DSIn = Schemas
/** the portal-gateway's own endpoints: accounts, tokens, entities, notifications, prefill, dead letters */
export type GW = Answers
export type GWIn = Schemas
