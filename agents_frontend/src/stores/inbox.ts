import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import { errorMessage, inboxApi, workspacesApi } from '@/services/api'
import type { InboxConversation, InboxListItem, InboxMessagePage, Workspace } from '@/types/api'
import type { ChatMessage, Conversation } from '@/types/chat'
import type {
  InboxHandoffEvent,
  InboxMessageEvent,
  InboxStreamEvent,
  InboxToolStatusEvent,
  InboxTypingEvent,
} from '@/types/events'
import {
  appendChunk,
  applyToolStatus,
  applySnapshot,
  emptyConversation,
  giveUpOnGaps,
  hasGaps,
  newClientMessageId,
  upsertMessage,
} from '@/utils/conversation'
import {
  applyMessageToRow,
  byActivity,
  emptyFilters,
  matchesFilters,
  mergeRow,
  pendingHuman,
  settleHuman,
  stopStreaming,
  type InboxFilters,
} from '@/utils/inbox'
import { useAuthStore } from './auth'

/** Page sizes and pauses; a test may shorten them. */
export const INBOX_TIMING = {
  listLimit: 100,
  pageSize: 50,
  /** A burst of messages in the open conversation is marked read once. */
  readDelayMs: 300,
  /** A delta after a gap waits this long for a snapshot, then shows as it is. */
  gapWaitMs: 3_000,
}

export type InboxAction = 'take' | 'hand-back' | 'close'

export interface HandoffAlert {
  conversation: InboxConversation
  reason: InboxHandoffEvent['reason']
  at: number
}

function pageVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden'
}

/**
 * The team's inbox: every visitor conversation the signed-in person may see (rows, kept
 * current by `inbox:*` events), the one open (its transcript, growing live, and what NLU
 * found), unread counts, and the conversations waiting for a person. Events arrive through
 * the socket plugin; lists and pages come over REST; actions answer with the new row.
 */
export const useInboxStore = defineStore('inbox', () => {
  const auth = useAuthStore()
  const rows = reactive<Record<string, InboxListItem>>({})
  const filters = reactive<InboxFilters>(emptyFilters())
  /** The ids a search (`filters.q`) found; null when nothing is searched. */
  const hits = shallowRef<Set<string> | null>(null)
  const listLoaded = ref(false)
  const listLoading = ref(false)
  const listError = ref<string | null>(null)
  const workspaces = ref<Workspace[]>([])
  const openId = ref<string | null>(null)
  const transcript = ref<Conversation | null>(null)
  const details = ref<{ findings: Record<string, unknown>; summary: string | null } | null>(null)
  const transcriptError = ref<string | null>(null)
  /** The action under way on the open conversation. */
  const busy = ref<InboxAction | null>(null)
  /** The last time a visitor asked for a person (the shell beeps and says so). */
  const lastHandoff = ref<HandoffAlert | null>(null)

  let listSeq = 0
  let readTimer: ReturnType<typeof setTimeout> | null = null
  let readPending: string | null = null
  let gapTimer: ReturnType<typeof setTimeout> | null = null
  let gapFill: Promise<void> | null = null
  const fetching = new Set<string>()

  const list = computed(() => Object.values(rows).filter((r) => matchesFilters(r, filters, hits.value)).sort(byActivity))
  const waiting = computed(() => Object.values(rows).filter((r) => r.status === 'waiting').sort(byActivity))
  const waitingCount = computed(() => waiting.value.length)
  const openRow = computed(() => (openId.value ? (rows[openId.value] ?? null) : null))
  const me = computed(() => auth.user?.id ?? null)
  /** The open conversation is the caller's: they may write in it and hand it back. */
  const heldByMe = computed(() => openRow.value?.status === 'human' && !!me.value && openRow.value.assignee?.id === me.value)

  /** The open transcript, if it is still `id`'s (a request may answer after a switch). */
  function current(id: string): Conversation | null {
    return transcript.value && transcript.value.contactId === id ? transcript.value : null
  }

  // -- rows ---------------------------------------------------------------------------

  function adopt(next: InboxConversation | InboxListItem): InboxListItem {
    const before = rows[next.id]
    const row = mergeRow(before, next)
    rows[next.id] = row
    if (next.id === openId.value) {
      if (row.status !== 'bot' && transcript.value) stopStreaming(transcript.value)
      if (row.unread > 0 && pageVisible()) scheduleRead()
    }
    return rows[next.id]!
  }

  /** A conversation an event named that no list brought yet. */
  async function fetchRow(id: string): Promise<void> {
    if (fetching.has(id)) return
    fetching.add(id)
    try {
      adopt((await inboxApi.detail(id)).conversation)
    } catch {
      // Not one of the caller's (any more): nothing to show.
    } finally {
      fetching.delete(id)
    }
  }

  async function loadList(): Promise<void> {
    const seq = ++listSeq
    const q = filters.q.trim()
    listLoading.value = true
    listError.value = null
    try {
      const found = await inboxApi.list({
        status: filters.status ?? undefined,
        agentKey: filters.agentKey ?? undefined,
        workspace: filters.workspace ?? undefined,
        q: q || undefined,
        limit: INBOX_TIMING.listLimit,
      })
      if (seq !== listSeq) return
      for (const row of found) adopt(row)
      hits.value = q ? new Set(found.map((r) => r.id)) : null
      listLoaded.value = true
    } catch (error) {
      if (seq === listSeq) listError.value = errorMessage(error)
    } finally {
      if (seq === listSeq) listLoading.value = false
    }
  }

  function setFilters(patch: Partial<InboxFilters>): Promise<void> {
    Object.assign(filters, patch)
    return loadList()
  }

  /** The conversations waiting for a person, whatever the list shows: the badge counts them. */
  async function loadWaiting(): Promise<void> {
    try {
      const found = await inboxApi.list({ status: 'waiting', limit: 200 })
      const ids = new Set(found.map((r) => r.id))
      for (const row of found) adopt(row)
      // Waiting here, not there: it changed while this tab was away.
      for (const row of waiting.value) if (!ids.has(row.id)) void fetchRow(row.id)
    } catch {
      // The badge keeps what it knew; the next connection tries again.
    }
  }

  async function loadWorkspaces(): Promise<void> {
    try {
      workspaces.value = await workspacesApi.list()
    } catch {
      // Rows then show no workspace names.
    }
  }

  // -- server events ------------------------------------------------------------------

  function onConversation(conversation: InboxConversation): void {
    adopt(conversation)
  }

  function onHandoff(event: InboxHandoffEvent): void {
    adopt(event.conversation)
    lastHandoff.value = { conversation: event.conversation, reason: event.reason, at: Date.now() }
  }

  function onMessage(event: InboxMessageEvent): void {
    const id = event.contactId
    const isOpen = openId.value === id
    const row = rows[id]
    if (row) applyMessageToRow(row, event, isOpen && pageVisible())
    else void fetchRow(id)
    const conv = current(id)
    if (!conv) return
    upsertMessage(conv, event)
    if (event.author === 'agent') conv.typing = false
    if (event.author === 'user' && pageVisible()) scheduleRead()
  }

  function onStream(event: InboxStreamEvent): void {
    const conv = current(event.contactId)
    if (!conv) return
    if (appendChunk(conv, event, false)) void fillGaps(event.contactId)
  }

  function onTyping(event: InboxTypingEvent): void {
    const conv = current(event.contactId)
    if (conv) conv.typing = event.typing
  }

  /** "Checking availability…" under the agent's reply, as the visitor sees it. */
  function onToolStatus(event: InboxToolStatusEvent): void {
    const conv = current(event.contactId)
    if (conv) applyToolStatus(conv, event)
  }

  function onDisconnected(): void {
    if (transcript.value) transcript.value.typing = false
  }

  // -- the open conversation ------------------------------------------------------------

  function takePage(conv: Conversation, page: InboxMessagePage): void {
    if (!conv.agentKey && page.messages[0]) conv.agentKey = page.messages[0].agentKey
    for (const event of page.messages) upsertMessage(conv, event)
    for (const snapshot of page.streaming ?? []) applySnapshot(conv, snapshot, false)
  }

  async function loadLatest(id: string): Promise<void> {
    try {
      const page = await inboxApi.messages(id, { limit: INBOX_TIMING.pageSize })
      const conv = current(id)
      if (!conv) return
      takePage(conv, page)
      if (!conv.loaded) conv.hasMore = page.hasMore
      conv.loaded = true
      transcriptError.value = null
    } catch (error) {
      if (current(id)) transcriptError.value = errorMessage(error)
    } finally {
      const conv = current(id)
      if (conv) conv.loading = false
    }
  }

  async function loadDetails(id: string): Promise<void> {
    try {
      const detail = await inboxApi.detail(id)
      adopt(detail.conversation)
      if (openId.value === id) details.value = { findings: detail.findings ?? {}, summary: detail.summary ?? null }
    } catch (error) {
      if (openId.value === id && !rows[id]) transcriptError.value = errorMessage(error)
    }
  }

  /** Opens a conversation (null: none): its transcript, what NLU found, and marks it read. */
  async function open(id: string | null): Promise<void> {
    if (openId.value === id) return
    flushRead() // leaving a conversation: what was read there is told now
    openId.value = id
    details.value = null
    transcriptError.value = null
    stopGapTimer()
    transcript.value = id ? { ...emptyConversation(rows[id]?.agentKey ?? '', id), loading: true } : null
    if (!id) return
    scheduleRead()
    await Promise.all([loadLatest(id), loadDetails(id)])
  }

  async function loadOlder(): Promise<void> {
    const conv = transcript.value
    const first = conv?.messages.find((m) => m.id !== null && m.status !== 'streaming')
    if (!conv || !conv.hasMore || conv.loadingOlder || !first?.id) return
    const id = conv.contactId
    conv.loadingOlder = true
    try {
      const page = await inboxApi.messages(id, { before: first.id, limit: INBOX_TIMING.pageSize })
      const still = current(id)
      if (!still) return
      for (const event of page.messages) upsertMessage(still, event)
      still.hasMore = page.hasMore
    } catch (error) {
      transcriptError.value = errorMessage(error)
    } finally {
      const still = current(id)
      if (still) still.loadingOlder = false
    }
  }

  /** Deltas were missed (opened mid-reply): a fresh page's snapshot fills the gap. */
  function fillGaps(id: string): Promise<void> {
    if (gapFill) return gapFill
    gapFill = (async () => {
      await loadLatest(id)
      const conv = current(id)
      if (conv && hasGaps(conv) && !gapTimer) {
        gapTimer = setTimeout(() => {
          gapTimer = null
          const still = current(id)
          if (still && hasGaps(still)) giveUpOnGaps(still)
        }, INBOX_TIMING.gapWaitMs)
      }
    })().finally(() => (gapFill = null))
    return gapFill
  }

  function stopGapTimer(): void {
    if (gapTimer) clearTimeout(gapTimer)
    gapTimer = null
  }

  /** What the caller has read of the open conversation, told to the server once per burst. */
  function scheduleRead(): void {
    const id = openId.value
    if (!id) return
    const row = rows[id]
    if (row) row.unread = 0
    if (readPending !== id) flushRead()
    readPending = id
    if (readTimer) clearTimeout(readTimer)
    readTimer = setTimeout(flushRead, INBOX_TIMING.readDelayMs)
  }

  /** Tells the server what was read (shown as read here already), also when the person
   * leaves the conversation before the timer: otherwise a reload would badge it again. */
  function flushRead(): void {
    if (readTimer) clearTimeout(readTimer)
    readTimer = null
    const id = readPending
    readPending = null
    if (id) void inboxApi.markRead(id).catch(() => undefined)
  }

  /** Back on the tab: what came meanwhile in the open conversation is read now. */
  function onVisible(): void {
    const row = openRow.value
    if (row && row.unread > 0) scheduleRead()
  }

  // -- acting on the open conversation ----------------------------------------------

  /** Take over, hand back or close; resolves to the refusal's text, or null when done. */
  async function act(action: InboxAction): Promise<string | null> {
    const id = openId.value
    if (!id || busy.value) return null
    busy.value = action
    try {
      adopt(await inboxApi.act(id, action))
      return null
    } catch (error) {
      void fetchRowNow(id) // someone else acted first: show how it stands now
      return errorMessage(error)
    } finally {
      busy.value = null
    }
  }

  async function fetchRowNow(id: string): Promise<void> {
    fetching.delete(id)
    await fetchRow(id)
  }

  async function deliver(id: string, message: ChatMessage): Promise<string | null> {
    message.status = 'sending'
    message.error = undefined
    try {
      const stored = await inboxApi.send(id, { text: message.text, clientMessageId: message.clientMessageId })
      const conv = current(id)
      if (conv && message.clientMessageId) settleHuman(conv, message.clientMessageId, stored)
      return null
    } catch (error) {
      message.status = 'failed'
      message.error = errorMessage(error)
      return message.error
    }
  }

  /** Writes to the visitor as the caller; resolves to the refusal's text, or null. */
  function send(text: string): Promise<string | null> {
    const conv = transcript.value
    const body = text.trim()
    if (!conv || !body) return Promise.resolve(null)
    const message = pendingHuman(conv, {
      clientMessageId: newClientMessageId(),
      text: body,
      authorName: auth.user?.name ?? '',
      timestamp: Date.now(),
    })
    return deliver(conv.contactId, message)
  }

  /** The same clientMessageId again: the server keeps one copy. */
  function retry(message: ChatMessage): Promise<string | null> {
    const conv = transcript.value
    const live = conv?.messages.find((m) => m.key === message.key)
    if (!conv || !live || live.author !== 'human') return Promise.resolve(null)
    return deliver(conv.contactId, live)
  }

  // -- the connection -------------------------------------------------------------------

  /** On every connection: the workspaces and the waiting ones; after a drop, what was missed. */
  async function sync(reconnection: boolean): Promise<void> {
    const work: Promise<void>[] = [loadWorkspaces(), loadWaiting()]
    if (reconnection && listLoaded.value) work.push(loadList())
    const id = openId.value
    if (reconnection && id) work.push(loadLatest(id), loadDetails(id))
    await Promise.all(work)
  }

  function reset(): void {
    for (const key of Object.keys(rows)) delete rows[key]
    Object.assign(filters, emptyFilters())
    hits.value = null
    listLoaded.value = false
    listError.value = null
    workspaces.value = []
    openId.value = null
    transcript.value = null
    details.value = null
    transcriptError.value = null
    lastHandoff.value = null
    if (readTimer) clearTimeout(readTimer)
    readTimer = null
    readPending = null
    stopGapTimer()
    listSeq += 1
  }

  if (typeof document !== 'undefined') {
    document.addEventListener('visibilitychange', () => {
      if (pageVisible()) onVisible()
    })
  }

  return {
    rows,
    filters,
    hits,
    listLoaded,
    listLoading,
    listError,
    workspaces,
    openId,
    transcript,
    details,
    transcriptError,
    busy,
    lastHandoff,
    list,
    waiting,
    waitingCount,
    openRow,
    me,
    heldByMe,
    adopt,
    loadList,
    setFilters,
    loadWaiting,
    loadWorkspaces,
    onConversation,
    onHandoff,
    onMessage,
    onStream,
    onTyping,
    onToolStatus,
    onDisconnected,
    open,
    loadOlder,
    act,
    send,
    retry,
    sync,
    reset,
  }
})
