import { defineStore } from 'pinia'
import { reactive } from 'vue'
import type { ShowSlotPickerEvent } from '@/types/events'
import { conversationId } from '@/utils/conversation'
import type { OfferedDays } from '@/utils/bookingDays'

/** What a person told the slot picker in one conversation, kept while the app is open. */
export interface BookingContact {
  email: string
  phone: string
}

/**
 * The slot picker's memory, so a picker closed with Cancel can be reopened from the
 * conversation as it was left: the agent's last offer (its suggested day and time), the
 * e-mail and phone already given, and the agent's working days (no weekend flashes up
 * as bookable while the first slots load).
 */
export const useBookingStore = defineStore('booking', () => {
  const offers = reactive<Record<string, ShowSlotPickerEvent>>({})
  const contacts = reactive<Record<string, BookingContact>>({})
  const days = reactive<Record<string, OfferedDays>>({})

  function remember(event: ShowSlotPickerEvent): void {
    const id = conversationId(event.agentKey, event.contactId)
    offers[id] = event
    const contact = contactOf(event.agentKey, event.contactId)
    // What the person wrote in the chat fills what they have not typed in the picker.
    if (!contact.email && event.email) contact.email = event.email
    if (!contact.phone && event.phone) contact.phone = event.phone
  }

  function offered(agentKey: string, contactId: string): boolean {
    return conversationId(agentKey, contactId) in offers
  }

  /** The agent's last offer in this conversation, or a fresh one (the header's button). */
  function requestFor(agentKey: string, contactId: string): ShowSlotPickerEvent {
    const offer = offers[conversationId(agentKey, contactId)]
    if (offer) return offer
    const { email, phone } = contactOf(agentKey, contactId)
    return {
      agentKey,
      contactId,
      messageId: '',
      email: email || null,
      phone: phone || null,
      customerEmail: email || null,
      customerPhone: phone || null,
      suggestedDate: null,
      suggestedTime: null,
    } as ShowSlotPickerEvent
  }

  function contactOf(agentKey: string, contactId: string): BookingContact {
    const id = conversationId(agentKey, contactId)
    if (!contacts[id]) contacts[id] = { email: '', phone: '' }
    return contacts[id]!
  }

  function daysOf(agentKey: string): OfferedDays | null {
    return days[agentKey] ?? null
  }

  function learnDays(agentKey: string, found: OfferedDays): void {
    days[agentKey] = found
  }

  function reset(): void {
    for (const bag of [offers, contacts, days] as Record<string, unknown>[]) {
      for (const key of Object.keys(bag)) delete bag[key]
    }
  }

  return { offers, contacts, days, remember, offered, requestFor, contactOf, daysOf, learnDays, reset }
})
