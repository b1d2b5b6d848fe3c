/**
 * How a visitor's socket stands, apart from the conversation it carries: the visitor token
 * this browser keeps, and what a refused handshake means.
 */
import { ref, type Ref } from 'vue'

/**
 * `connecting`: no session yet; `connected`: the session came; `reconnecting`: the network
 * dropped and the client retries; `waiting`: refused for now (too many visitors), tried
 * again later; `refused`: the agent is not available here; `closed`: the owner took it
 * offline during the conversation.
 */
export type VisitorState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'waiting' | 'refused' | 'closed'

/** Why the chat is refused, closed or waiting: the server's code and its text (localized). */
export interface VisitorNotice {
  code: string
  message: string
  retryAfter?: number
}

/** `connect_error`: the server's refusal carries `{code, retryAfter?}` in `data`. */
export type ConnectError = Error & { data?: { code?: string; retryAfter?: number } }

export function tokenKey(slug: string): string {
  return `agents-visitor:${slug}`
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null // storage refused (a privacy setting)
  }
}

export interface TokenKeeper {
  /**
   * A browser that refuses a third-party frame its storage (third-party cookies blocked:
   * Chrome's incognito, Safari's private mode...) would lose the conversation on every
   * page: there the token lives in memory, and the embedding page keeps it for the next
   * one (the widget stores what this says and hands it back in the iframe's URL fragment).
   */
  forHost: Ref<string | null>
  read(): string | null
  save(token: string): void
  drop(): void
  /** The token the embedding page kept for this frame, if any. */
  handed(token: string | null): void
}

/** The visitor token of one bot (`agents-visitor:{slug}` in this frame's own storage). */
export function createTokenKeeper(slug: () => string): TokenKeeper {
  const forHost = ref<string | null>(null)
  let memory: string | null = null
  return {
    forHost,
    read: () => storage()?.getItem(tokenKey(slug())) ?? memory,
    save(token) {
      memory = token
      const kept = storage()
      try {
        kept?.setItem(tokenKey(slug()), token)
      } catch {
        // full: this page keeps it in memory
      }
      if (!kept) forHost.value = token
    },
    drop() {
      memory = null
      const kept = storage()
      kept?.removeItem(tokenKey(slug()))
      if (!kept) forHost.value = null
    },
    handed(token) {
      memory = token
    },
  }
}

/** Refusals that pass: tried again after `retryAfter` (or a growing pause). */
const WAIT_CODES = new Set(['too_many_visitors', 'too_many_connections', 'rate_limited', 'busy', 'unavailable'])

export type RefusalAction =
  | { kind: 'retrying' } // the network: the client tries again by itself
  | { kind: 'new-token' } // an expired or foreign token: a new conversation, once
  | { kind: 'wait'; notice: VisitorNotice; atLeastMs: number }
  | { kind: 'refused'; notice: VisitorNotice }

/** What a `connect_error` means. `retrying`: the client is already trying again. */
export function readRefusal(error: ConnectError, retrying: boolean, tokenRetried: boolean): RefusalAction {
  if (retrying) return { kind: 'retrying' }
  const code = error.data?.code ?? ''
  if (code === 'visitor_token_invalid' && !tokenRetried) return { kind: 'new-token' }
  if (!code || WAIT_CODES.has(code)) {
    // No code: not the server's words (a proxy, a missing namespace); ours are shown.
    const notice = { code: code || 'unavailable', message: code ? error.message : '', retryAfter: error.data?.retryAfter }
    return { kind: 'wait', notice, atLeastMs: (error.data?.retryAfter ?? 0) * 1000 }
  }
  return { kind: 'refused', notice: { code, message: error.message } }
}
