/**
 * The panel's side of the widget's postMessage protocol (public/widget.js). Messages go
 * only to the embedding page's origin (the `host` the widget passed), never `*`; messages
 * are taken only from the parent window at that origin.
 *
 * panel -> widget: `ready`, `close`, `unread {count}`, `active {active}`, and `token {token}`
 * only where this frame may not keep its own storage (the widget keeps it for the next
 * page and hands it back in the iframe URL's fragment, `#t=`);
 * widget -> panel: `visible {visible}`.
 */
import { watch, type WatchStopHandle } from 'vue'

export const SOURCE = 'agents-widget'

/** What the bridge reads and tells: the visitor store. */
export interface EmbedTarget {
  /** Agent messages that came while the panel was hidden (the launcher's badge). */
  unread: number
  /** A conversation in progress (the widget opens its iframe at once on the next page). */
  active: boolean
  /** The visitor token for the embedding page to keep, when this frame has no storage. */
  tokenForHost: string | null
  setVisible(visible: boolean): void
}

export interface Bridge {
  post(message: Record<string, unknown>): void
  stop(): void
}

/** The token the widget handed over in the iframe URL's fragment (`#t=`), then removed
 * from the address so it is never shown, copied or kept in the history. */
export function takeHandedToken(): string | null {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('t')
  if (window.location.hash) history.replaceState(history.state, '', window.location.pathname + window.location.search)
  return token
}

export function connectToWidget(
  store: EmbedTarget,
  host: string,
  onVisible: (visible: boolean) => void = () => {},
  parent: Window = window.parent,
): Bridge {
  const post = (message: Record<string, unknown>) => parent.postMessage({ source: SOURCE, ...message }, host)
  const listen = (event: MessageEvent) => {
    if (event.source !== parent || event.origin !== host) return
    const data = event.data as { source?: unknown; type?: unknown; visible?: unknown } | null
    if (data?.source !== SOURCE || data.type !== 'visible') return
    const visible = data.visible === true
    store.setVisible(visible)
    onVisible(visible)
  }
  window.addEventListener('message', listen)
  post({ type: 'ready' })
  const stops: WatchStopHandle[] = [
    watch(() => store.unread, (count) => post({ type: 'unread', count }), { immediate: true }),
    watch(() => store.active, (active) => post({ type: 'active', active }), { immediate: true }),
    watch(() => store.tokenForHost, (token) => post({ type: 'token', token })),
  ]
  return {
    post,
    stop() {
      window.removeEventListener('message', listen)
      for (const stop of stops) stop()
    },
  }
}
