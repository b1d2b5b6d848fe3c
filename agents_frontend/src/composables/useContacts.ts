import { ref, watch, type Ref } from 'vue'

export const DEFAULT_CONTACT = 'default'

function storageKey(userId: string): string {
  return `agents.contacts.${userId}`
}

function read(userId: string): Record<string, string[]> {
  try {
    return JSON.parse(localStorage.getItem(storageKey(userId)) ?? '{}') as Record<string, string[]>
  } catch {
    return {}
  }
}

/** The contacts a person has talked to per agent (kept in this browser). */
export function useContacts(userId: Ref<string | null>) {
  const byAgent = ref<Record<string, string[]>>(userId.value ? read(userId.value) : {})
  watch(userId, (id) => {
    byAgent.value = id ? read(id) : {}
  })

  function contactsOf(agentKey: string): string[] {
    const list = byAgent.value[agentKey] ?? []
    return list.includes(DEFAULT_CONTACT) ? list : [DEFAULT_CONTACT, ...list]
  }

  function remember(agentKey: string, contactId: string): void {
    const list = byAgent.value[agentKey] ?? []
    if (list.includes(contactId)) return
    byAgent.value = { ...byAgent.value, [agentKey]: [...list, contactId] }
    if (userId.value) localStorage.setItem(storageKey(userId.value), JSON.stringify(byAgent.value))
  }

  return { byAgent, contactsOf, remember }
}
