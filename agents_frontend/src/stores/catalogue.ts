import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'
import { agentsApi, errorMessage } from '@/services/api'
import type { AgentPublic } from '@/types/api'
import type { AutoCreateUpdatedEvent } from '@/types/events'
import { ACK_TIMEOUT_MS, useConnectionStore } from './connection'

/** The agents this person can talk to, whether replies are offline, and the auto-create switches. */
export const useCatalogueStore = defineStore('catalogue', () => {
  const connection = useConnectionStore()
  const agents = ref<AgentPublic[]>([])
  /** No AI model is configured: replies come from the server's offline responder. */
  const offline = ref(false)
  /** The longest message the server takes (`MAX_MESSAGE_CHARS`); the composer counts to it. */
  const maxMessageChars = ref(4000)
  const loading = ref(false)
  const error = ref<string | null>(null)
  /** This person's auto-create switch per agent key. */
  const autoCreate = reactive<Record<string, boolean>>({})
  /** Switches whose toggle awaits its ack: a list loaded meanwhile is older than them. */
  const pendingSwitches = reactive<Record<string, true>>({})

  const agentByKey = computed(() => new Map(agents.value.map((a) => [a.key, a])))

  function adoptSwitches(list: AgentPublic[]): void {
    for (const agent of list) {
      if (!pendingSwitches[agent.key]) autoCreate[agent.key] = agent.autoCreate === true
    }
  }

  async function loadAgents(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const list = await agentsApi.list()
      agents.value = list.agents
      offline.value = list.offline
      maxMessageChars.value = list.maxMessageChars
      adoptSwitches(list.agents)
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  /** After a reconnection: another tab may have flipped a switch while this one was away. */
  async function refreshSwitches(): Promise<void> {
    try {
      adoptSwitches((await agentsApi.list()).agents)
    } catch {
      // The switches keep their last known state; the next load corrects them.
    }
  }

  async function setAutoCreate(agentKey: string, enabled: boolean): Promise<boolean> {
    const socket = connection.live()
    if (!socket) return false
    const before = autoCreate[agentKey] ?? false
    autoCreate[agentKey] = enabled
    pendingSwitches[agentKey] = true
    try {
      const ack = await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('agent:set-auto-create', { agentKey, autoCreate: enabled })
      autoCreate[agentKey] = ack.ok ? ack.autoCreate : before
      return ack.ok
    } catch {
      autoCreate[agentKey] = before
      return false
    } finally {
      delete pendingSwitches[agentKey]
    }
  }

  function onAutoCreateUpdated(event: AutoCreateUpdatedEvent): void {
    autoCreate[event.agentKey] = event.autoCreate
  }

  function markOffline(): void {
    offline.value = true
  }

  function reset(): void {
    agents.value = []
    offline.value = false
    error.value = null
    for (const key of Object.keys(autoCreate)) delete autoCreate[key]
    for (const key of Object.keys(pendingSwitches)) delete pendingSwitches[key]
  }

  return {
    agents,
    offline,
    maxMessageChars,
    loading,
    error,
    autoCreate,
    pendingSwitches,
    agentByKey,
    loadAgents,
    refreshSwitches,
    setAutoCreate,
    onAutoCreateUpdated,
    markOffline,
    reset,
  }
})
