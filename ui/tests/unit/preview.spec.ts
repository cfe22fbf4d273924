import { describe, expect, it } from 'vitest'
import { previewable, sniff } from '@/lib/preview'

const bytes = (...b: number[]) => new Uint8Array(b)

describe('material preview', () => {
  it('previews PNG, JPEG and PDF by their first bytes only', () => {
    expect(sniff(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toEqual({ kind: 'image', type: 'image/png' })
    expect(sniff(bytes(0xff, 0xd8, 0xff, 0xe0))).toEqual({ kind: 'image', type: 'image/jpeg' })
    expect(sniff(new TextEncoder().encode('%PDF-1.7'))).toEqual({ kind: 'pdf', type: 'application/pdf' })
    expect(sniff(new TextEncoder().encode('<html><script>'))).toBeNull()
  })

  it('re-types the file for its blob: address, whatever type it was sent with', async () => {
    const html = await previewable(new Blob(['<html><script>alert(1)</script>'], { type: 'application/pdf' }))
    expect(html).toBeNull()
    const pdf = await previewable(new Blob(['%PDF-1.4 ...'], { type: 'text/html' }))
    expect(pdf?.kind).toBe('pdf')
    expect(pdf?.blob.type).toBe('application/pdf')
  })
})
