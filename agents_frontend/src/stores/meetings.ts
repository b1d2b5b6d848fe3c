import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { errorMessage } from '@/services/api'
import { meetingsApi } from '@/services/pagesApi'
import { socket } from '@/socket'
import type { Booking } from '@/types/pages'

/**
 * The person's bookings (My meetings): upcoming and past, and cancelling one. Kept live:
 * a booking made or cancelled in another tab (`agent:schedule-confirm`,
 * `agent:schedule-cancelled`) updates the list without a reload.
 */
export const useMeetingsStore = defineStore('meetings', () => {
  const bookings = ref<Booking[]>([])
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  const cancelling = ref<string | null>(null)
  const now = ref(Date.now())

  const upcoming = computed(() =>
    bookings.value.filter((b) => b.status === 'confirmed' && Date.parse(b.end) >= now.value),
  )
  /** Past meetings and cancelled ones, newest first. */
  const past = computed(() =>
    bookings.value
      .filter((b) => b.status === 'cancelled' || Date.parse(b.end) < now.value)
      .sort((a, b) => Date.parse(b.start) - Date.parse(a.start)),
  )

  function upsert(booking: Booking): void {
    const index = bookings.value.findIndex((b) => b.id === booking.id)
    if (index >= 0) bookings.value.splice(index, 1, booking)
    else bookings.value.push(booking)
    bookings.value.sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
  }

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      bookings.value = (await meetingsApi.list()).filter((b) => b.status === 'confirmed' || b.status === 'cancelled')
      now.value = Date.now()
      loaded.value = true
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  /** True when cancelled; the error is kept for the page to show otherwise. */
  async function cancel(id: string): Promise<boolean> {
    cancelling.value = id
    error.value = null
    try {
      upsert(await meetingsApi.cancel(id))
      return true
    } catch (e) {
      error.value = errorMessage(e)
      return false
    } finally {
      cancelling.value = null
    }
  }

  socket.on('agent:schedule-cancelled', (event) => {
    if (loaded.value) upsert(event.event)
  })
  socket.on('agent:schedule-confirm', (event) => {
    if (loaded.value) upsert(event.event)
  })

  function reset(): void {
    bookings.value = []
    loaded.value = false
    error.value = null
  }

  return { bookings, loading, loaded, error, cancelling, upcoming, past, load, cancel, reset }
})
