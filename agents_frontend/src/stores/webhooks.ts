import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'
import { errorMessage, webhooksApi, workspacesApi } from '@/services/api'
import type { WebhookCreated, WebhookDelivery, WebhookEndpoint, WebhookEventType, Workspace } from '@/types/api'
import { useAuthStore } from './auth'

// A Record, so a new event type on the server (the generated type) fails the build here
// until the page lists it.
const EVENT_ORDER: Record<WebhookEventType, number> = {
  'conversation.created': 0,
  'lead.updated': 1,
  'handoff.requested': 2,
  'conversation.closed': 3,
  'meeting.booked': 4,
  'meeting.cancelled': 5,
  'task.created': 6,
}

/** Every event an endpoint can subscribe to, in the order the page lists them. */
export const WEBHOOK_EVENTS = (Object.keys(EVENT_ORDER) as WebhookEventType[]).sort(
  (a, b) => EVENT_ORDER[a] - EVENT_ORDER[b],
)

/**
 * A workspace's signed webhooks, for its owners: the endpoints, the secret of the one just
 * added (shown once), and each endpoint's delivery log with "resend". Only workspaces
 * the person owns are offered; a teammate with role agent has none to manage but their own.
 */
export const useWebhooksStore = defineStore('webhooks', () => {
  const auth = useAuthStore()
  const workspaces = ref<Workspace[]>([])
  const workspaceId = ref<string | null>(null)
  const endpoints = ref<WebhookEndpoint[]>([])
  const deliveries = reactive<Record<string, WebhookDelivery[]>>({})
  const loading = ref(false)
  const saving = ref(false)
  const error = ref<string | null>(null)
  /** The endpoint just added, with its secret in full: the only time it is shown. */
  const created = ref<WebhookCreated | null>(null)

  const workspace = computed(() => workspaces.value.find((w) => w.id === workspaceId.value) ?? null)

  function fail(e: unknown): void {
    error.value = errorMessage(e)
  }

  async function loadWorkspaces(): Promise<void> {
    try {
      workspaces.value = (await workspacesApi.list()).filter((w) => w.role === 'owner')
    } catch (e) {
      // Without the list, the person's own workspace is still theirs to manage.
      const own = auth.user
      workspaces.value = own ? [{ id: own.id, ownerName: own.name, role: 'owner' }] : []
      fail(e)
    }
    if (!workspaces.value.some((w) => w.id === workspaceId.value)) {
      const own = workspaces.value.find((w) => w.id === auth.user?.id)
      workspaceId.value = (own ?? workspaces.value[0])?.id ?? null
    }
  }

  async function load(): Promise<void> {
    const id = workspaceId.value
    if (!id) return
    loading.value = true
    error.value = null
    try {
      const found = await webhooksApi.list(id)
      if (workspaceId.value === id) endpoints.value = found
    } catch (e) {
      if (workspaceId.value === id) fail(e)
    } finally {
      loading.value = false
    }
  }

  async function select(id: string): Promise<void> {
    workspaceId.value = id
    endpoints.value = []
    created.value = null
    await load()
  }

  /** Adds an endpoint; false (and `error`) when the server refused it. */
  async function create(url: string, events: WebhookEventType[]): Promise<boolean> {
    const id = workspaceId.value
    if (!id) return false
    saving.value = true
    error.value = null
    try {
      const answer = await webhooksApi.create({ url: url.trim(), events, workspace: id })
      created.value = answer
      const { secret: _shownOnce, ...endpoint } = answer
      endpoints.value = [...endpoints.value, endpoint]
      deliveries[answer.id] = []
      return true
    } catch (e) {
      fail(e)
      return false
    } finally {
      saving.value = false
    }
  }

  async function remove(id: string): Promise<void> {
    error.value = null
    try {
      await webhooksApi.remove(id)
      endpoints.value = endpoints.value.filter((e) => e.id !== id)
      delete deliveries[id]
      if (created.value?.id === id) created.value = null
    } catch (e) {
      fail(e)
    }
  }

  async function loadDeliveries(id: string): Promise<void> {
    try {
      deliveries[id] = await webhooksApi.deliveries(id)
    } catch (e) {
      fail(e)
    }
  }

  async function resend(id: string, deliveryId: string): Promise<void> {
    error.value = null
    try {
      const again = await webhooksApi.resend(id, deliveryId)
      deliveries[id] = (deliveries[id] ?? []).map((d) => (d.id === again.id ? again : d))
    } catch (e) {
      fail(e)
    }
  }

  function forgetSecret(): void {
    created.value = null
  }

  return {
    workspaces,
    workspaceId,
    workspace,
    endpoints,
    deliveries,
    loading,
    saving,
    error,
    created,
    loadWorkspaces,
    load,
    select,
    create,
    remove,
    loadDeliveries,
    resend,
    forgetSecret,
  }
})
