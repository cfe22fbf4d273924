import { json, seg } from './http'

/** A message a service's consumer gave up on, kept in that service's database (docs/messaging.md). */
export interface DeadLetter {
  id: number
  /** portal-gateway, service-management, data-sharing or business-systems.<department> */
  service: string
  group: string
  topic: string
  partition: number
  offset: number
  key: string
  event_id: string | null
  event_type: string | null
  reason: string
  status: 'pending' | 'replayed' | 'discarded'
  replay_attempts: number
  created_at: string
  updated_at: string
  resolved_by: string | null
  resolution: string | null
}

export interface DeadLetterList {
  items: DeadLetter[]
  /** The services that could not be asked just now. */
  unavailable: { service: string; detail: string }[]
}

export type ReplayOutcome = 'handled' | 'duplicate' | 'ignored' | 'failed' | 'unchanged'

export interface DeadLetterReplay {
  outcome: ReplayOutcome
  dead_letter: DeadLetter
}

/** Dead letters of every service (pending by default), with their reason. */
export function listDeadLetters(status: DeadLetter['status'] = 'pending', signal?: AbortSignal): Promise<DeadLetterList> {
  return json<DeadLetterList>('/dead-letters', { query: { status }, signal })
}

/** Runs a pending dead letter through its consumer's handler again; idempotent. */
export function replayDeadLetter(service: string, id: number): Promise<DeadLetterReplay> {
  return json<DeadLetterReplay>(`/dead-letters/${seg(service)}/${seg(String(id))}/replay`, { method: 'POST' })
}

/** Gives a pending dead letter up, with the reason (kept with the administrator's name). */
export function discardDeadLetter(service: string, id: number, reason: string): Promise<DeadLetter> {
  return json<DeadLetter>(`/dead-letters/${seg(service)}/${seg(String(id))}/discard`, { method: 'POST', json: { reason } })
}
