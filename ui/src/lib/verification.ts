/** The public address that verifies a licence; a licence's QR code carries it. */
export function verificationUrl(licenseNo: string, origin: string): string {
  return `${origin.replace(/\/$/, '')}/verify/${encodeURIComponent(licenseNo)}`
}

/** A licence number typed or pasted by a person: the number itself, or a verification address. */
export function licenseNoFrom(input: string): string {
  const text = input.trim()
  // The page's address, or the API's that codes printed before carried (/api/v1/licenses/<no>/verify).
  const match = /\/verify\/([^/?#\s]+)/.exec(text) ?? /\/licenses\/([^/?#\s]+)\/verify/.exec(text)
  if (match) {
    try {
      return decodeURIComponent(match[1]!)
    } catch {
      return match[1]!
    }
  }
  return text
}
