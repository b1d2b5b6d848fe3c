// @ts-check
/**
 * The Agents website widget: `<script src="{server}/widget.js" data-agent="{slug}" defer>`.
 *
 * A launcher in a closed shadow root (the host page's CSS cannot reach it) and, once opened,
 * the chat panel: an iframe this server serves, so neither page can touch the other. A closed
 * widget creates nothing else: no iframe, no socket. Only a browser with a conversation in
 * progress on this site (remembered in the host page's localStorage) gets the iframe at once,
 * hidden, so the conversation continues and replies badge the launcher. Where the browser
 * denies the iframe its own storage, the panel asks this page to keep its visitor token,
 * handed back in the iframe URL's fragment (never sent to a server).
 * Options: data-position (right|left), data-color, data-language (en|pt-BR), data-open (true).
 * The panel talks back with postMessage, checked by origin and source both ways.
 */
;(() => {
  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript)
  const opts = script?.dataset
  const slug = opts?.agent
  const w = /** @type {any} */ (window)
  if (!script || !opts || !slug || w.AgentsWidget) return
  const server = new URL(script.src).origin
  const lang =
    opts.language === 'en' || opts.language === 'pt-BR'
      ? opts.language
      : /^pt/i.test(navigator.language)
        ? 'pt-BR'
        : 'en'
  const color = opts.color || '#3949ab'
  const side = opts.position === 'left' ? 'left' : 'right'
  const key = `agents-widget:${slug}:`
  const [openText, closeText, unavailable, title] =
    lang === 'en'
      ? ['Open chat', 'Close chat', 'Chat unavailable on this site.', 'Chat']
      : ['Abrir conversa', 'Fechar conversa', 'Conversa indisponível neste site.', 'Conversa']
  const CHAT = 'M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2Z'
  const CROSS = 'M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12Z'
  const CSS = `:host{all:initial}
.l,.p,.n{position:fixed;${side}:20px;z-index:2147483000;box-shadow:0 6px 24px rgba(0,0,0,.25)}
.l{bottom:20px;width:56px;height:56px;border:0;border-radius:50%;padding:0;background:var(--c,#3949ab);color:#fff;cursor:pointer;display:flex;align-items:center;justify-content:center}
.l:focus-visible{outline:3px solid var(--c,#3949ab);outline-offset:3px}
svg{width:28px;height:28px;fill:currentColor}
.b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#d32f2f;color:#fff;font:700 12px/20px system-ui,sans-serif}
.p{bottom:88px;width:380px;height:620px;max-width:calc(100vw - 40px);max-height:calc(100vh - 108px);border-radius:16px;overflow:hidden;background:#fff}
.p:not(.o){visibility:hidden}
iframe{border:0;width:100%;height:100%;display:block}
.n{bottom:88px;max-width:260px;padding:12px 16px;border-radius:12px;background:#fff;color:#222;font:14px/1.4 system-ui,sans-serif}
[hidden]{display:none}
@media (max-width:480px){.p{inset:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0}.l.o{display:none}}`
  const READY_MS = 8000

  /** @template {keyof HTMLElementTagNameMap} T @param {T} tag @param {Node} parent */
  const add = (tag, parent, cls = '') => {
    const node = document.createElement(tag)
    node.className = cls
    parent.appendChild(node)
    return node
  }
  const host = document.createElement('agents-widget')
  host.style.cssText = 'all:initial'
  host.style.setProperty('--c', color)
  const root = host.attachShadow({ mode: 'closed' })
  try {
    const sheet = new CSSStyleSheet()
    sheet.replaceSync(CSS) // adopted sheets are not inline styles: a strict host CSP allows them
    root.adoptedStyleSheets = [sheet]
  } catch {
    add('style', root).textContent = CSS
  }
  const panel = add('div', root, 'p')
  const note = add('div', root, 'n')
  note.setAttribute('role', 'status')
  note.textContent = unavailable
  const launcher = add('button', root, 'l')
  launcher.type = 'button'
  const svgNs = 'http://www.w3.org/2000/svg'
  const svg = launcher.appendChild(document.createElementNS(svgNs, 'svg'))
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('aria-hidden', 'true')
  const path = svg.appendChild(document.createElementNS(svgNs, 'path'))
  const badge = add('span', launcher, 'b')
  badge.setAttribute('aria-hidden', 'true')

  /** @type {HTMLIFrameElement | null} */
  let frame = null
  let open = false
  let ready = false
  let failed = false
  let unread = 0
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer

  /** @param {Record<string, unknown>} message */
  const post = (message) => {
    if (ready) frame?.contentWindow?.postMessage({ source: 'agents-widget', ...message }, server)
  }

  /** This page's storage: read (no value), write, or remove (null). @param {string} name @param {string | null} [value] */
  const remember = (name, value) => {
    try {
      if (value === undefined) return localStorage.getItem(key + name)
      if (value === null) localStorage.removeItem(key + name)
      else localStorage.setItem(key + name, value)
    } catch {
      // Storage refused (privacy settings): the widget just starts closed and empty.
    }
    return null
  }

  const render = () => {
    launcher.setAttribute('aria-expanded', String(open))
    launcher.setAttribute('aria-label', open ? closeText : unread ? `${openText} (${unread})` : openText)
    path.setAttribute('d', open ? CROSS : CHAT)
    panel.classList.toggle('o', open && !failed)
    launcher.classList.toggle('o', open && !failed) // a phone's full-screen panel has its own close button
    note.hidden = !open || !failed
    badge.hidden = open || !unread
    badge.textContent = unread > 9 ? '9+' : String(unread)
  }

  const createFrame = () => {
    if (frame) return
    const query = new URLSearchParams({ embed: '1', host: location.origin, lang, color })
    frame = add('iframe', panel)
    frame.title = title
    const token = remember('token')
    frame.src = `${server}/c/${encodeURIComponent(slug)}?${query}${token ? `#t=${encodeURIComponent(token)}` : ''}`
    // A site left out of the bot's allowed origins is refused framing (CSP frame-ancestors):
    // no `ready` ever comes, and the launcher says so instead of showing an empty panel.
    timer = setTimeout(() => {
      failed = !ready
      render()
    }, READY_MS)
  }

  /** @param {boolean} want */
  const toggle = (want) => {
    open = want
    if (open) createFrame()
    render()
    post({ type: 'visible', visible: open })
    if (open && !failed) frame?.focus()
  }

  addEventListener('message', (event) => {
    const data = event.data
    if (event.origin !== server || !frame || event.source !== frame.contentWindow) return
    if (!data || data.source !== 'agents-widget') return
    if (data.type === 'ready') {
      ready = true
      failed = false
      clearTimeout(timer)
      post({ type: 'visible', visible: open })
      if (open) frame.focus()
    } else if (data.type === 'close') {
      toggle(false)
      launcher.focus()
    } else if (data.type === 'unread') {
      unread = Math.max(0, Math.floor(Number(data.count)) || 0)
    } else if (data.type === 'active') {
      remember('active', data.active === true ? '1' : null)
    } else if (data.type === 'token') {
      remember('token', typeof data.token === 'string' ? data.token : null)
    }
    render()
  })
  launcher.addEventListener('click', () => toggle(!open))

  const start = () => {
    document.body.appendChild(host)
    render()
    if (opts.open === 'true') toggle(true)
    else if (remember('active')) createFrame()
  }
  w.AgentsWidget = { open: () => toggle(true), close: () => toggle(false) }
  if (document.body) start()
  else addEventListener('DOMContentLoaded', start)
})()
