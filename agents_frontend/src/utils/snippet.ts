/** A search snippet cut into plain and matched parts, for rendering as text nodes. */
export interface SnippetPart {
  text: string
  match: boolean
}

export function snippetParts(snippet: string, highlights: { start: number; end: number }[]): SnippetPart[] {
  const parts: SnippetPart[] = []
  let at = 0
  for (const { start, end } of [...highlights].sort((a, b) => a.start - b.start)) {
    if (start < at || end <= start || end > snippet.length) continue
    if (start > at) parts.push({ text: snippet.slice(at, start), match: false })
    parts.push({ text: snippet.slice(start, end), match: true })
    at = end
  }
  if (at < snippet.length) parts.push({ text: snippet.slice(at), match: false })
  return parts
}
