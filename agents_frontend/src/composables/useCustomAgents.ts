import { ref } from 'vue'
import { customBotsApi, errorMessage } from '@/services/api'
import type { BotTemplate, CustomBot, CustomBotInput } from '@/types/api'
import { useCatalogueStore } from '@/stores/catalogue'

/** The person's own bots and the templates to clone; the agents list follows changes. */
export function useCustomAgents() {
  const bots = ref<CustomBot[]>([])
  const templates = ref<BotTemplate[]>([])
  const loading = ref(false)
  const saving = ref(false)
  const error = ref<string | null>(null)
  const catalogue = useCatalogueStore()

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const [mine, available] = await Promise.all([
        customBotsApi.list(),
        customBotsApi.templates().catch(() => [] as BotTemplate[]),
      ])
      bots.value = mine
      templates.value = available
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  async function run<T>(work: () => Promise<T>): Promise<T | null> {
    saving.value = true
    error.value = null
    try {
      const result = await work()
      await Promise.all([load(), catalogue.loadAgents()])
      return result
    } catch (e) {
      error.value = errorMessage(e)
      return null
    } finally {
      saving.value = false
    }
  }

  function withoutEmptyKey(input: CustomBotInput): CustomBotInput {
    const body = { ...input }
    // An empty key field means "keep what is stored", never "store an empty key".
    if (!body.openaiApiKey) delete body.openaiApiKey
    return body
  }

  const create = (input: CustomBotInput) => run(() => customBotsApi.create(withoutEmptyKey(input)))
  const update = (key: string, input: CustomBotInput) =>
    run(() => customBotsApi.update(key, withoutEmptyKey(input)))
  const remove = (key: string) => run(() => customBotsApi.remove(key).then(() => true))
  const clone = (key: string) => run(() => customBotsApi.clone(key))

  return { bots, templates, loading, saving, error, load, create, update, remove, clone }
}
