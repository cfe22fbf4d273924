/**
 * What the administrator reads about dead letters: which service holds one, the reason in one
 * line (the last line of the handler's traceback) and what a replay did.
 */
import type { ReplayOutcome } from '@/api'

const SERVICES: Record<string, string> = {
  'portal-gateway': '政务服务门户',
  'service-management': '政务服务管理平台',
  'data-sharing': '数据共享平台',
}

/** The service's name in Chinese; a department's business system with the department's name. */
export function serviceLabel(service: string, departmentName: (code: string) => string = (code) => code): string {
  if (service.startsWith('business-systems.')) return `业务管理系统（${departmentName(service.slice('business-systems.'.length))}）`
  return SERVICES[service] ?? service
}

/** The reason in one line: the last non-empty line (a traceback ends with the exception). */
export function reasonSummary(reason: string): string {
  const lines = reason.split('\n').map((line) => line.trim()).filter(Boolean)
  const last = lines.at(-1) ?? ''
  if (last.startsWith('undecodable')) return `无法解析的消息：${last.slice('undecodable'.length).replace(/^:\s*/, '')}`
  return last
}

/** What a replay did, as a message and its kind. */
export function replayMessage(outcome: ReplayOutcome): { kind: 'success' | 'info' | 'error'; text: string } {
  switch (outcome) {
    case 'handled':
      return { kind: 'success', text: '已重新投递并处理成功' }
    case 'duplicate':
      return { kind: 'info', text: '该事件此前已处理，未重复处理，已标记为已重新投递' }
    case 'ignored':
      return { kind: 'info', text: '该消费组已不处理此类事件，已标记为已重新投递' }
    case 'unchanged':
      return { kind: 'info', text: '该死信已不在待处理状态，未作改动' }
    default:
      return { kind: 'error', text: '重新投递仍然失败，死信保持待处理，原因已更新' }
  }
}

/** The key of a letter across services (ids are per service). */
export function letterKey(letter: { service: string; id: number }): string {
  return `${letter.service}/${letter.id}`
}
