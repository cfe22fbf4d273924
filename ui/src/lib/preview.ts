/**
 * Previewing a case's material in the page: only the kinds a browser shows safely (PNG, JPEG and
 * PDF, sniffed from the file's first bytes, never taken from the name or the declared type), each
 * re-typed before it gets a blob: address, so an uploaded page of HTML can never run as ours.
 */
export type PreviewKind = 'image' | 'pdf'

export interface Sniffed {
  kind: PreviewKind
  type: 'image/png' | 'image/jpeg' | 'application/pdf'
}

export function sniff(head: Uint8Array): Sniffed | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b)
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { kind: 'image', type: 'image/png' }
  if (starts(0xff, 0xd8, 0xff)) return { kind: 'image', type: 'image/jpeg' }
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return { kind: 'pdf', type: 'application/pdf' }
  return null
}

/** The blob re-typed for preview, or null for a kind not previewed (it can still be downloaded). */
export async function previewable(blob: Blob): Promise<{ kind: PreviewKind; blob: Blob } | null> {
  const head = new Uint8Array(await blob.slice(0, 8).arrayBuffer())
  const found = sniff(head)
  return found ? { kind: found.kind, blob: new Blob([blob], { type: found.type }) } : null
}

function extensionOf(type: string | null | undefined): string {
  return type === 'application/pdf' ? '.pdf' : type === 'image/png' ? '.png' : type === 'image/jpeg' ? '.jpg' : ''
}

/** Saves a fetched material under its name (with the extension its type implies when the name has none). */
export function saveMaterial(blob: Blob, name: string): void {
  const href = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = href
  link.download = /\.[A-Za-z0-9]{2,4}$/.test(name) ? name : `${name}${extensionOf(blob.type)}`
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}
