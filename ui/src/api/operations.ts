import type { GW } from './schemas'
import { json, seg } from './http'

/** A message a service's consumer gave up on, kept in that service's database (docs/messaging.md). */
export type DeadLetter = GW['DeadLetterOut']

export interface DeadLetterList {
  items: DeadLetter[]
  /** The services that could not be asked just now. */
  unavailable: { service: string; detail: string }[]
}

export type ReplayOutcome = 'handled' | 'duplicate' | 'ignored' | 'failed' | 'unchanged'

export type DeadLetterReplay = GW['ReplayOut']

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
