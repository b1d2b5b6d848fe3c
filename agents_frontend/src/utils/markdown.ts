/**
 * Markdown for the agent's (and the System's) messages: markdown-it (CommonMark, tables,
 * linkify) with highlight.js for fenced code, made safe for text a model wrote.
 *
 * Safety, in layers:
 * - `html: false`: every `<`, `>`, `&` and quote of the source is escaped; raw HTML in a
 *   message (from the model or the person) is shown as text, never parsed.
 * - Links: an allowlist of schemes (`http:`, `https:`, `mailto:`, `tel:`, or none: a relative
 *   link) instead of markdown-it's denylist; anything else (`javascript:`, `vbscript:`,
 *   `data:`, `file:`, unknown schemes) is not a link at all and shows as the text written.
 *   The link renderer checks the href again (a second, independent test) and gives every
 *   link `target="_blank" rel="noopener noreferrer"`.
 * - Images are not rendered: `![alt](url)` becomes a link. A model's image would be fetched
 *   by the browser without a click, which tells an outside server that the page was read
 *   and can carry conversation text in its URL (a known prompt-injection exfiltration path).
 * - highlight.js escapes the code it colours (utils/highlight.ts); other code is escaped here.
 *
 * Streaming: `MarkdownStream` renders a growing reply in chunks. Blocks that can no longer
 * change are rendered once and kept; only the tail (the last blocks) is parsed again per
 * update. See `MarkdownStream.render` for when a block is final.
 */
import MarkdownIt from 'markdown-it'
import type { Env, Token } from 'markdown-it'

// highlight.js (about 29 kB gzipped with its grammars) is loaded the first time a reply
// holds a fenced code block in a language (`loadHighlighter`): most conversations, and most
// visitors of the website widget, never need it. Until it is there, code shows uncoloured;
// then every chunk is rendered again (`generation`).
type Highlighter = (code: string, language: string) => string | null
let highlighter: Highlighter | null = null
let loading: Promise<void> | null = null
let generation = 0

export function loadHighlighter(): Promise<void> {
  loading ??= import('./highlight').then(({ highlightCode }) => {
    highlighter = highlightCode
    generation += 1
  })
  return loading
}

export function highlighterReady(): boolean {
  return highlighter !== null
}

/** The words the rendered HTML carries (the code block's copy button), in the reader's language. */
export interface MarkdownLabels {
  copyCode: string
}

interface RenderEnv extends Env {
  labels?: MarkdownLabels
  /** Set when a code block in a language was rendered before highlight.js was loaded. */
  wantsHighlighter?: boolean
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i
const ALLOWED_SCHEMES = new Set(['http', 'https', 'mailto', 'tel'])

/** A link the page may carry: an allowed scheme, or none (relative, `#anchor`). */
export function isSafeHref(url: string): boolean {
  // Browsers drop tabs and newlines inside a URL and ignore leading control characters
  // and spaces: test what the browser would see.
  const seen = url.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '')
  const scheme = SCHEME.exec(seen)
  if (scheme) return ALLOWED_SCHEMES.has((scheme[1] ?? '').toLowerCase())
  // No scheme before the first `/`, `?` or `#`; a colon later is part of a path.
  return !/^[^/?#]*:/.test(seen)
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }
const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (ch) => HTML_ESCAPES[ch] ?? ch)

function codeBlock(code: string, language: string, env: RenderEnv | undefined): string {
  const coloured = language !== '' && highlighter ? highlighter(code, language) : null
  if (language !== '' && !highlighter && env) env.wantsHighlighter = true
  const body = coloured ?? escapeHtml(code)
  const label = escapeHtml(env?.labels?.copyCode ?? 'Copy code')
  const lang = escapeHtml(language)
  // The language name and the button's words are attributes (shown by CSS), so the
  // message's text content stays the message's text.
  return (
    `<div class="md-code" data-lang="${lang}">` +
    `<button type="button" class="md-copy" data-md-copy aria-label="${label}" title="${label}">` +
    `<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M19,21H8V7H19M19,5H8A2,2 0 0,0 6,7V21A2,2 0 0,0 8,23H19A2,2 0 0,0 21,21V7A2,2 0 0,0 19,5M16,1H4A2,2 0 0,0 2,3V17H4V3H16V1Z"/></svg>` +
    `</button>` +
    `<pre><code class="hljs${coloured !== null ? ` language-${lang}` : ''}">${body}</code></pre></div>`
  )
}

function createParser(): InstanceType<typeof MarkdownIt> {
  const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false })
  md.disable('image')
  md.validateLink = isSafeHref

  // No newlines between block tags: the message's text content stays its text (the chat's
  // tests and screen readers read it), and chunks rendered apart join exactly.
  const renderToken = md.renderer.renderToken.bind(md.renderer)
  md.renderer.renderToken = (tokens, idx, options) =>
    renderToken(tokens, idx, options).replace(/^\n/, '').replace(/>\n$/, '>')

  md.renderer.rules.fence = (tokens, idx, _options, env?: RenderEnv) => {
    const token = tokenAt(tokens, idx)
    const info = token.info ? md.utils.unescapeAll(token.info).trim() : ''
    return codeBlock(token.content, info.split(/\s+/)[0] ?? '', env)
  }
  md.renderer.rules.code_block = (tokens, idx, _options, env?: RenderEnv) => codeBlock(tokenAt(tokens, idx).content, '', env)

  md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
    const token = tokenAt(tokens, idx)
    const href = String(token.attrGet('href') ?? '')
    if (!isSafeHref(href)) token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'href')
    token.attrSet('target', '_blank')
    token.attrSet('rel', 'noopener noreferrer')
    return self.renderToken(tokens, idx, options)
  }
  return md
}

const md = createParser()

function tokenAt(tokens: Token[], idx: number): Token {
  const token = tokens[idx]
  if (!token) throw new RangeError(`no token at ${idx}`)
  return token
}

/** The whole text at once (a finished message). */
export function renderMarkdown(source: string, labels?: MarkdownLabels): string {
  return md.render(normalize(source), { labels })
}

/** What a reader sees of a Markdown text, as one line of plain text (a list's preview of
 * the last reply shows "Plano da semana Aqui está…", not "## Plano da semana **…"). */
export function markdownPlainText(source: string): string {
  const parts: string[] = []
  for (const block of md.parse(normalize(source), {})) {
    if (block.type === 'fence' || block.type === 'code_block') parts.push(block.content)
    for (const token of block.children ?? []) {
      if (token.type === 'text' || token.type === 'code_inline') parts.push(token.content)
      else if (token.type === 'softbreak' || token.type === 'hardbreak') parts.push(' ')
    }
    parts.push(' ')
  }
  return parts.join('').replace(/\s+/g, ' ').trim()
}

/** markdown-it turns `\r\n` and `\r` into `\n` itself; doing it first keeps offsets true. */
function normalize(source: string): string {
  return source.replace(/\r\n?/g, '\n')
}

// A reference definition (`[1]: https://…`) anywhere changes links written before it, so
// a text that may hold one is always rendered whole.
const REFERENCE = /^ {0,3}\[[^\]\n]+\]:/m

/** The blinking caret of a reply still arriving, inside the last paragraph, item or cell. */
const CARET = '<span class="md-caret" aria-hidden="true">▍</span>'
const TRAILING_CLOSERS = /((?:<\/(?:p|li|ul|ol|h[1-6]|blockquote|td|th|tr|tbody|table)>)+)$/

function withCaret(html: string): string {
  return TRAILING_CLOSERS.test(html) ? html.replace(TRAILING_CLOSERS, `${CARET}$1`) : html + CARET
}

export interface MarkdownChunk {
  /** Stable for a frozen chunk; `tail` for the part parsed again on every update. */
  key: string
  html: string
}

/**
 * A growing text rendered in chunks. The text is cut at the start of a top-level block
 * that follows a blank line and whose first line is complete (a newline follows it):
 * CommonMark joins nothing across such a line (a list would continue only with another
 * item or an indented line, which would be one block in the parse; a paragraph ends at a
 * blank line; a code fence still open runs to the end of the text, so it is never cut).
 * Everything before the cut is rendered once and kept; the tail is parsed again.
 */
export class MarkdownStream {
  private source = ''
  private frozenEnd = 0
  private frozen: MarkdownChunk[] = []
  private generation = generation
  /** How many characters the last update parsed (for the benchmark and tests). */
  lastParsed = 0
  /** A code block waits for highlight.js (`loadHighlighter`, then render again). */
  wantsHighlighter = false

  constructor(private readonly labels?: MarkdownLabels) {}

  render(text: string, streaming = false): MarkdownChunk[] {
    const source = normalize(text)
    const whole = REFERENCE.test(source)
    if (whole || this.generation !== generation || !source.startsWith(this.source.slice(0, this.frozenEnd))) this.reset()
    this.source = source
    const env: RenderEnv = { labels: this.labels, wantsHighlighter: this.wantsHighlighter }
    const tail = source.slice(this.frozenEnd)
    this.lastParsed = tail.length
    const tokens = md.parse(tail, env)
    const cut = whole ? null : lastCut(tail, tokens)
    let rest = tokens
    if (cut) {
      const html = md.renderer.render(tokens.slice(0, cut.token), md.options, env)
      this.frozen.push({ key: `f${this.frozen.length}`, html })
      this.frozenEnd += cut.offset
      rest = tokens.slice(cut.token)
    }
    const tailHtml = md.renderer.render(rest, md.options, env)
    this.wantsHighlighter = !!env.wantsHighlighter
    return [...this.frozen, { key: 'tail', html: streaming ? withCaret(tailHtml) : tailHtml }]
  }

  reset(): void {
    this.source = ''
    this.frozenEnd = 0
    this.frozen = []
    this.generation = generation
    this.wantsHighlighter = false
  }
}

/** The last place in `tail` where the text can be cut (see `MarkdownStream`), if any. */
function lastCut(tail: string, tokens: Token[]): { token: number; offset: number } | null {
  const lineStarts = [0]
  for (let i = tail.indexOf('\n'); i !== -1; i = tail.indexOf('\n', i + 1)) lineStarts.push(i + 1)
  const lineText = (line: number) => tail.slice(lineStarts[line], (lineStarts[line + 1] ?? tail.length + 1) - 1)
  for (let idx = tokens.length - 1; idx > 0; idx--) {
    const token = tokenAt(tokens, idx)
    if (token.level !== 0 || token.nesting === -1 || !token.map) continue
    const line = token.map[0]
    const complete = line + 1 < lineStarts.length
    if (line > 0 && complete && lineText(line - 1).trim() === '') return { token: idx, offset: lineStarts[line] ?? 0 }
  }
  return null
}
