/**
 * Who answers the visitor: the agent (`bot`), nobody yet because a person was asked for
 * (`waiting`), a person of the owner's team (`human`, with their name), or nobody since the
 * team closed it (`closed`: the visitor's next message reopens it with the agent). It comes
 * with every `visitor:session` and changes with `visitor:status`; the "talk to a person"
 * button asks for one (`visitor:handoff`). Apart from the conversation store, which it only
 * reads (its connection state) and tells of a refusal.
 */
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { ConversationStatus } from '@/types/api'
import type { VisitorSessionEvent, VisitorStatusEvent } from '@/types/wire'
import { stopStreaming } from '@/utils/inbox'
import { ACK_TIMEOUT_MS, useVisitorStore, type VisitorSocket } from './store'

export const useVisitorStatusStore = defineStore('visitor-status', () => {
  const visitor = useVisitorStore()
  const status = ref<ConversationStatus>('bot')
  const humanName = ref<string | null>(null)
  /** A `visitor:handoff` awaiting its ack. */
  const asking = ref(false)
  const socket = shallowRef<VisitorSocket | null>(null)

  /** The button shows while the agent answers (or nobody, once closed). */
  const canAskForPerson = computed(
    () => (status.value === 'bot' || status.value === 'closed') && !visitor.ended && visitor.state === 'connected',
  )

  function apply(event: Pick<VisitorStatusEvent, 'status' | 'humanName'>): void {
    status.value = event.status ?? 'bot'
    humanName.value = event.humanName ?? null
    // The agent is silent now: a reply under way stops where it is, and what it suggested
    // saying next no longer fits.
    if (status.value !== 'bot') {
      stopStreaming(visitor.conv)
      visitor.conv.suggestions = []
    }
  }

  function onSession(event: VisitorSessionEvent): void {
    apply({ status: event.status ?? 'bot', humanName: event.humanName ?? null })
  }

  /** Listens on the visitor's socket (before it connects, so the first session counts). */
  function attach(next: VisitorSocket): void {
    socket.value = markRaw(next)
    next.on('visitor:session', onSession)
    next.on('visitor:status', apply)
  }

  /** The "talk to a person" button; resolves whether the server took the request. */
  async function askForPerson(): Promise<boolean> {
    const s = socket.value
    if (!s?.connected || asking.value || !canAskForPerson.value) return false
    asking.value = true
    try {
      const ack = await s.timeout(ACK_TIMEOUT_MS).emitWithAck('visitor:handoff', {})
      if (!ack.ok) {
        visitor.conv.error = { message: ack.error.message, code: ack.error.code }
        return false
      }
      // The server says so with `visitor:status`; meanwhile the button is not offered twice.
      if (status.value === 'bot' || status.value === 'closed') status.value = 'waiting'
      return true
    } catch {
      visitor.conv.error = { message: 'timeout', code: 'timeout' }
      return false
    } finally {
      asking.value = false
    }
  }

  return { status, humanName, asking, canAskForPerson, apply, onSession, attach, askForPerson }
})
