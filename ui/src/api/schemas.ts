/**
 * The schemas of each service's OpenAPI document, as generated (`./generated`, `npm run api:types`;
 * ui/README.md, "Wire types"): `SM['CaseOut']` is service-management's `CaseOut` as the API answers it,
 * `SMIn['ItemIn']` its `ItemIn` as a request body. The area modules name them for the views.
 *
 * An answer carries every field of its model (FastAPI serialises defaults too), but a field with a
 * default is optional in a schema used only for answers: `Answer` makes every field present, deeply.
 */
import type { components as BusinessSystems } from './generated/business-systems'
import type { components as DataSharing } from './generated/data-sharing'
import type { components as PortalGateway } from './generated/portal-gateway'
import type { components as ServiceManagement } from './generated/service-management'

export type Answer<T> = T extends (infer U)[] ? Answer<U>[] : T extends object ? { [K in keyof T]-?: Answer<T[K]> } : T
type Answers<S> = { [K in keyof S]: Answer<S[K]> }

/** service-management: the catalogue, lists, cases, intake, workflow, rules, bundles, supervision, personal services */
export type SM = Answers<ServiceManagement['schemas']>
export type SMIn = ServiceManagement['schemas']
/** a department's business system: work lists, review chains, decisions, attachments */
export type BS = Answers<BusinessSystems['schemas']>
export type BSIn = BusinessSystems['schemas']
/** data-sharing: licences, registries, the data catalogue and grants, the cockpit */
export type DS = Answers<DataSharing['schemas']>
export type DSIn = DataSharing['schemas']
/** the portal-gateway's own endpoints: accounts, tokens, entities, notifications, prefill, dead letters */
export type GW = Answers<PortalGateway['schemas']>
export type GWIn = PortalGateway['schemas']
