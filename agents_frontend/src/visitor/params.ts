/**
 * What the visitor page learns from its address: `/c/{slug}` and, inside the widget's
 * iframe, `?embed=1&host={the embedding site's origin}&lang=&color=`.
 */
export type VisitorLanguage = 'en' | 'pt-BR'

export interface VisitorParams {
  slug: string
  /** In the widget's iframe (a close button, messages to the embedding page). */
  embedded: boolean
  /** The embedding page's origin: where messages to it may go. Null on the share link. */
  host: string | null
  language: VisitorLanguage
  /** The panel's accent (`#rrggbb`), or null for the product's own. */
  color: string | null
}

/** A real origin (`scheme://host[:port]`), never `*` or a URL with a path. */
export function asOrigin(value: string | null): string | null {
  if (!value) return null
  try {
    const url = new URL(value)
    return url.origin !== 'null' && url.origin === value ? url.origin : null
  } catch {
    return null
  }
}

export function pickLanguage(asked: string | null, browser: readonly string[]): VisitorLanguage {
  if (asked === 'en' || asked === 'pt-BR') return asked
  return browser.some((l) => l?.toLowerCase().startsWith('pt')) ? 'pt-BR' : 'en'
}

/**
 * Any CSS colour the embedding page gave, as `#rrggbb` (Vuetify's theme needs one), or
 * null when it is not a colour. The canvas parses it exactly as CSS does.
 */
export function asHexColor(value: string | null): string | null {
  if (!value) return null
  if (/^#[0-9a-f]{6}$/i.test(value)) return value.toLowerCase()
  const ctx = typeof document !== 'undefined' ? document.createElement('canvas').getContext?.('2d') : null
  if (!ctx) return /^#[0-9a-f]{3}$/i.test(value) ? `#${[...value.slice(1)].map((c) => c + c).join('')}`.toLowerCase() : null
  // An invalid colour leaves the probe in place; a valid one may equal one probe, never both.
  const kept = ['#000001', '#000002'].filter((probe) => {
    ctx.fillStyle = probe
    ctx.fillStyle = value
    return ctx.fillStyle === probe
  })
  if (kept.length === 2) return null
  const parsed = String(ctx.fillStyle)
  return /^#[0-9a-f]{6}$/i.test(parsed) ? parsed : null
}

export function readParams(location: { pathname: string; search: string }, browser: readonly string[]): VisitorParams {
  const query = new URLSearchParams(location.search)
  const match = /^\/c\/([^/]+)\/?$/.exec(location.pathname)
  let slug = ''
  try {
    slug = match?.[1] ? decodeURIComponent(match[1]) : ''
  } catch {
    slug = ''
  }
  const embedded = query.get('embed') === '1'
  return {
    slug,
    embedded,
    host: embedded ? asOrigin(query.get('host')) : null,
    language: pickLanguage(query.get('lang'), browser),
    color: asHexColor(query.get('color')),
  }
}
