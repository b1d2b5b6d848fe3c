import { ref } from 'vue'
import { calendarApi, errorMessage } from '@/services/api'
import type { AvailableSlot } from '@/types/api'
import type { ScheduleConfirmPayload } from '@/types/events'
import { useConversationsStore } from '@/stores/conversations'

// Kept here too for the views that import them from the calendar composable.
export { EMAIL_PATTERN, isoDate, parseIsoDate } from '@/utils/dates'

/** Availability for a day (already in the calendar's time zone) and booking a slot. */
export function useCalendar() {
  const slots = ref<AvailableSlot[]>([])
  const timezone = ref<string | null>(null)
  /** ISO weekdays (1 = Monday) the agent takes meetings on, and the last bookable day. */
  const workingDays = ref<number[] | null>(null)
  const lastDay = ref<string | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const confirming = ref(false)
  const conversations = useConversationsStore()
  let requestSeq = 0

  async function loadSlots(date: string, agentKey?: string): Promise<void> {
    const seq = ++requestSeq
    loading.value = true
    error.value = null
    try {
      const data = await calendarApi.availableSlots(date, agentKey)
      if (seq !== requestSeq) return // a later day was picked meanwhile
      slots.value = data.available_slots
      timezone.value = data.timezone
      workingDays.value = data.workingDays ?? null
      lastDay.value = data.lastDay ?? null
    } catch (e) {
      if (seq !== requestSeq) return
      slots.value = []
      error.value = errorMessage(e)
    } finally {
      if (seq === requestSeq) loading.value = false
    }
  }

  /** Resolves to null on success, or the refusal `{code, message}`. */
  async function confirm(
    payload: ScheduleConfirmPayload,
  ): Promise<{ code: string; message: string } | null> {
    confirming.value = true
    try {
      return await conversations.confirmSlot(payload)
    } finally {
      confirming.value = false
    }
  }

  return { slots, timezone, workingDays, lastDay, loading, error, confirming, loadSlots, confirm }
}
