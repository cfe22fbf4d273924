import { describe, expect, it } from 'vitest'
import { letterKey, reasonSummary, replayMessage, serviceLabel } from '@/lib/deadLetters'

describe('dead letters', () => {
  it('names the service in Chinese, a business system with its department', () => {
    expect(serviceLabel('service-management')).toBe('政务服务管理平台')
    expect(serviceLabel('business-systems.amr', (code) => (code === 'amr' ? '市场监管局' : code))).toBe('业务管理系统（市场监管局）')
    expect(serviceLabel('something-new')).toBe('something-new')
  })

  it('shows the last line of a traceback as the reason', () => {
    const traceback = 'Traceback (most recent call last):\n  File "x.py", line 1, in handle\nValueError: unknown item X-404\n'
    expect(reasonSummary(traceback)).toBe('ValueError: unknown item X-404')
    expect(reasonSummary('undecodable: not a CloudEvents JSON envelope')).toBe('无法解析的消息：not a CloudEvents JSON envelope')
    expect(reasonSummary('')).toBe('')
  })

  it('says what a replay did', () => {
    expect(replayMessage('handled').kind).toBe('success')
    expect(replayMessage('failed')).toEqual({ kind: 'error', text: '重新投递仍然失败，死信保持待处理，原因已更新' })
    expect(replayMessage('unchanged').kind).toBe('info')
    expect(letterKey({ service: 'data-sharing', id: 3 })).toBe('data-sharing/3')
  })
})
