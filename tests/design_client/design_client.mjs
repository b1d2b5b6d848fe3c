#!/usr/bin/env node
// The design document's own client, transcribed, driving a running server.
//
// DESIGN.md says its original client (`useAgentSocket`, `useCustomAgents`, `useCalendar`
// and the slot picker) "must keep working unchanged". This script is that client with
// the same event names, payloads, REST calls and response fields read, and nothing the
// design's client does not send (no clientMessageId, no ack callbacks). Only sign-up is
// this server's own (`POST /auth/register`), because the design's client has none.
//
// Usage:  node tests/design_client/design_client.mjs <server-url>
//         (or DESIGN_CLIENT_URL=<server-url>; CALENDAR_TIMEZONE as the server's)
// Prints one line per check and exits 1 at the first failure, saying what the server
// answered. `--keep-going` (or DESIGN_CLIENT_KEEP_GOING=1) runs every scenario and lists
// every failure instead, each scenario still stopping at its own first failure.

import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'

// socket.io-client and axios come from the SPA's node_modules (`npm ci` in agents_frontend).
const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, '..', '..', 'agents_frontend', 'package.json'))
const { io } = require('socket.io-client')
const axiosModule = require('axios')
const axios = axiosModule.default ?? axiosModule

const args = process.argv.slice(2)
const keepGoing = args.includes('--keep-going') || process.env.DESIGN_CLIENT_KEEP_GOING === '1'
const apiUrl = (args.find((a) => !a.startsWith('--')) ?? process.env.DESIGN_CLIENT_URL ?? '')
  .replace(/\/+$/, '')
const TIMEZONE = process.env.CALENDAR_TIMEZONE || 'America/Sao_Paulo'
const WAIT_MS = Number(process.env.DESIGN_CLIENT_WAIT_MS || 10000)

if (!apiUrl) {
  console.error('usage: node design_client.mjs <server-url>  (or DESIGN_CLIENT_URL=...)')
  process.exit(2)
}

// -- reporting --------------------------------------------------------------------------

class CheckFailed extends Error {}

const show = (value) => inspect(value, { depth: 6, breakLength: Infinity, compact: true })

let currentScenario = ''
function ok(check, detail) {
  console.log(`ok   ${currentScenario}: ${check}${detail === undefined ? '' : ` (${detail})`}`)
}
function fail(check, detail) {
  throw new CheckFailed(`${check}\n       server said: ${detail}`)
}
function expect(condition, check, detailIfNot, detailIfSo) {
  if (!condition) fail(check, typeof detailIfNot === 'function' ? detailIfNot() : detailIfNot)
  ok(check, typeof detailIfSo === 'function' ? detailIfSo() : detailIfSo)
}

/** A REST call; a non-2xx answer fails the check with its status and body. */
async function http(check, call) {
  try {
    return await call()
  } catch (error) {
    if (error.response) {
      fail(check, `HTTP ${error.response.status} ${show(error.response.data)}`)
    }
    fail(check, `no HTTP answer: ${error.code ?? ''} ${error.message}`)
  }
}

// -- sign-up (this server's, not the design's) ------------------------------------------

async function register(name) {
  const email = `design-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`
  const response = await http('POST /auth/register', () =>
    axios.post(`${apiUrl}/auth/register`, { email, password: 'correct horse battery staple', name }),
  )
  const { access_token: token, user } = response.data
  expect(typeof token === 'string' && user && user.id, 'POST /auth/register gives a token',
    () => show(response.data))
  return { token, user }
}

// -- useCustomAgents (transcribed) ------------------------------------------------------

function useCustomAgents(token) {
  const state = { bots: [] }
  const auth = () => ({ headers: { Authorization: `Bearer ${token}` } })

  function newForm() {
    // The creator form's defaults; it only requires a name and a prompt.
    return { name: '', emoji: '🤖', prompt: '', specialties: [], openaiApiKey: '', openaiAccount: '' }
  }
  function addSpecialty(form, chip) {
    // Specialties are added one by one as chips.
    const value = chip.trim()
    if (value && !form.specialties.includes(value)) form.specialties.push(value)
  }
  function canSubmit(form) {
    return Boolean(form.name.trim() && form.prompt.trim())
  }
  async function loadBots() {
    const response = await axios.get(`${apiUrl}/custom-bots`, auth())
    state.bots = response.data.bots.map((b) => ({
      key: b.key, name: b.name, emoji: b.emoji, specialties: b.specialties, created_at: b.created_at,
    }))
    return state.bots
  }
  async function createBot(form) {
    const response = await axios.post(`${apiUrl}/custom-bots`, form, auth())
    return response.data.bot
  }
  async function deleteBot(key) {
    await axios.delete(`${apiUrl}/custom-bots/${key}`, auth())
  }
  return { state, newForm, addSpecialty, canSubmit, loadBots, createBot, deleteBot }
}

// -- useCalendar (transcribed) ----------------------------------------------------------

function useCalendar(token) {
  async function fetchSlots(date) {
    const response = await axios.get(`${apiUrl}/calendar/available-slots`, {
      params: { date, duration_minutes: 60 },
      headers: { Authorization: `Bearer ${token}` },
    })
    return response.data.available_slots
  }
  return { fetchSlots }
}

// -- useAgentSocket (transcribed), plus a record of what arrived for the report ---------

function useAgentSocket(token, agentKey, contactId, user) {
  const socket = io(apiUrl, { auth: { token } })
  const state = {
    connected: false,
    connectError: null,
    messages: [],
    suggestions: [],
    error: null,
    slotPicker: { visible: false, customerEmail: '', customerPhone: '' },
    slotPickerData: null,
    summary: null,
    autoCreate: null,
    scheduledEvent: null,
  }
  const received = [] // every event, raw, so a failure can say what the server sent
  let wake = () => {}

  socket.onAny((event, data) => {
    received.push([event, data])
    queueMicrotask(() => wake())
  })
  socket.on('connect', () => { state.connected = true; wake() })
  socket.on('connect_error', (error) => { state.connectError = error.message; wake() })

  socket.on('agent:message', (data) => {
    if (data.agentKey === agentKey && data.contactId === contactId) {
      state.messages.push({
        id: data.id, author: data.author, text: data.text, timestamp: data.timestamp, nlp: data.nlp,
      })
    }
  })
  socket.on('agent:suggestions', (data) => { state.suggestions = data.suggestions })
  socket.on('agent:error', (data) => { if (data.agentKey === agentKey) state.error = data.error })
  socket.on('agent:show-slot-picker', (data) => {
    if (data.agentKey === agentKey) {
      // The slot picker pre-fills its fields from these.
      state.slotPicker = { visible: true, customerEmail: data.customerEmail, customerPhone: data.customerPhone }
      state.slotPickerData = data
    }
  })
  socket.on('agent:summary', (data) => { state.summary = data.summary })
  socket.on('agent:auto-create-updated', (data) => { state.autoCreate = data.autoCreate })
  socket.on('agent:schedule-confirm', (data) => { state.scheduledEvent = data.event })

  function sendMessage(message) {
    socket.emit('agent:send', { agentKey, message, userId: user.id, userName: user.name, contactId })
  }
  function requestSummary() {
    socket.emit('agent:request-summary', { agentKey, contactId })
  }
  function setAutoCreate(autoCreate) {
    socket.emit('agent:set-auto-create', { agentKey, autoCreate })
  }
  function confirmSchedule({ date, time, email, phone }) {
    socket.emit('agent:schedule-confirm', { agentKey, contactId, date, time, email, phone })
  }

  /** Resolves with `found(state)` once truthy; an agent:error for this agent fails it. */
  function waitUntil(check, found, { ms = WAIT_MS, errorFails = true } = {}) {
    const since = received.length
    state.error = null
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(new CheckFailed(
        `${check}\n       server said: nothing matching within ${ms} ms; events received: ` +
        show(received.slice(since)),
      ))), ms)
      function finish(then) { clearTimeout(timer); wake = () => {}; then() }
      wake = () => {
        if (errorFails && state.error !== null) {
          const errors = received.slice(since).filter(([e]) => e === 'agent:error')
          finish(() => reject(new CheckFailed(
            `${check}\n       server said: agent:error ${show(errors.at(-1)?.[1])}`)))
          return
        }
        let value
        try { value = found(state) } catch (error) { finish(() => reject(error)); return }
        if (value) finish(() => { ok(check); resolve(value) })
      }
      wake()
    })
  }

  async function connected() {
    await waitUntil('socket connects with io(apiUrl, { auth: { token } })', (s) => {
      if (s.connectError) throw new CheckFailed(`socket connects\n       server said: connect_error ${s.connectError}`)
      return s.connected
    })
  }

  return {
    socket, state, received, sendMessage, requestSummary, setAutoCreate, confirmSchedule,
    waitUntil, connected, close: () => socket.close(),
  }
}

// -- calendar days ----------------------------------------------------------------------

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIMEZONE, year: 'numeric', month: '2-digit', day: '2-digit',
})
const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: TIMEZONE, timeZoneName: 'longOffset' })

/** YYYY-MM-DD of an instant in the calendar's time zone. */
const calendarDay = (instant) => dayFormat.format(instant)

/** The zone's UTC offset (minutes) at an instant. */
function offsetMinutes(instant) {
  const name = offsetFormat.formatToParts(instant).find((p) => p.type === 'timeZoneName').value
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name)
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0
}

/** What a date picker gives for a day as an ISO date-time: local midnight, in UTC. */
function midnightIso(day) {
  const guess = Date.parse(`${day}T00:00:00Z`)
  let instant = guess - offsetMinutes(new Date(guess)) * 60000
  instant = guess - offsetMinutes(new Date(instant)) * 60000
  return new Date(instant).toISOString()
}

/** Weekdays (Mon-Fri in the calendar's zone) at least 2 days ahead, nearest first. */
function* bookingDays() {
  const noon = (day) => new Date(Date.parse(`${day}T12:00:00Z`))
  let day = calendarDay(new Date(Date.now() + 2 * 86400000))
  for (let i = 0; i < 50; i++) {
    const weekday = noon(day).getUTCDay()
    if (weekday >= 1 && weekday <= 5) yield day
    day = calendarDay(new Date(noon(day).getTime() + 86400000))
  }
}

const HHMM = /^\d{2}:\d{2}$/

/** The first day (nearest weekday >= 2 days ahead) that still has a free slot. */
async function dayWithSlots(calendar) {
  for (const day of bookingDays()) {
    const slots = await http(`GET /calendar/available-slots?date=${day}`, () => calendar.fetchSlots(day))
    if (Array.isArray(slots) && slots.length) return { day, slots }
  }
  fail('a weekday with free slots', 'no free slot on any weekday in the next 50 days')
}

// -- scenarios ---------------------------------------------------------------------------

const SCHEDULING_MESSAGE = (email) => `Quero agendar uma reunião amanhã, meu email é ${email}`
const uniqueContact = (name) => `${name}-${Math.random().toString(36).slice(2, 10)}`

async function scenarioBotFromFormDefaults() {
  const { token, user } = await register('Design Bots')
  const bots = useCustomAgents(token)

  const form = bots.newForm()
  form.name = 'Bot breve'
  form.prompt = 'Seja breve.'
  expect(bots.canSubmit(form), 'the creator form can be submitted with only a name and a prompt', 'it cannot')
  const bot = await http(`POST /custom-bots with the form's defaults ${show(form)}`, () => bots.createBot(form))
  expect(bot && typeof bot.key === 'string' && bot.key, 'response.data.bot has a key', () => show(bot), () => bot.key)

  const listed = await http('GET /custom-bots', () => bots.loadBots())
  const mine = listed.find((b) => b.key === bot.key)
  expect(mine, 'GET /custom-bots lists the new bot (response.data.bots)', () => show(listed))
  expect(mine.name === 'Bot breve' && mine.emoji === '🤖', 'the listed bot has the name and emoji sent',
    () => show(mine))
  expect(Array.isArray(mine.specialties) && mine.specialties.length === 0,
    'the listed bot has no specialties (specialties: [] was sent)', () => show(mine))
  expect(typeof mine.created_at === 'string' && !Number.isNaN(Date.parse(mine.created_at)),
    'the listed bot has a created_at date', () => show(mine), () => mine.created_at)

  // openaiApiKey: '' is "no key of its own": the bot answers like any other.
  const chat = useAgentSocket(token, bot.key, uniqueContact('design-defaults'), user)
  try {
    await chat.connected()
    chat.sendMessage('Olá!')
    await chat.waitUntil('the bot made from the defaults answers in chat (an empty key is no key)',
      (s) => s.messages.find((m) => m.author !== 'user' && m.author !== 'system' && m.text))
  } finally {
    chat.close()
  }

  const tiny = bots.newForm()
  tiny.name = 'Bot mínimo'
  tiny.prompt = 'Oi.'
  const tinyBot = await http(`POST /custom-bots with a prompt of a few characters ${show(tiny)}`,
    () => bots.createBot(tiny))
  expect(tinyBot && tinyBot.key, 'a prompt is required, not an essay: a 3-character prompt is accepted',
    () => show(tinyBot))

  await http(`DELETE /custom-bots/${bot.key}`, () => bots.deleteBot(bot.key))
  await http(`DELETE /custom-bots/${tinyBot.key}`, () => bots.deleteBot(tinyBot.key))
  const after = await http('GET /custom-bots', () => bots.loadBots())
  expect(!after.some((b) => b.key === bot.key || b.key === tinyBot.key),
    'DELETE /custom-bots/{key} removes the bots from the list', () => show(after))
}

async function scenarioSdrChatAndSlotPicker() {
  const { token, user } = await register('Ana Design')
  const contactId = uniqueContact('design-chat')
  const email = 'ana@example.com'
  const chat = useAgentSocket(token, 'sdr', contactId, user)
  try {
    await chat.connected()
    const text = SCHEDULING_MESSAGE(email)
    chat.sendMessage(text)
    const mineMsg = await chat.waitUntil('agent:message carries the user\'s own message back',
      (s) => s.messages.find((m) => m.author === 'user' && m.text === text))
    expect(typeof mineMsg.id === 'string' && mineMsg.id && typeof mineMsg.timestamp === 'number',
      'the user\'s agent:message has id and a numeric timestamp', () => show(mineMsg))
    const reply = await chat.waitUntil('agent:message carries the agent\'s reply',
      (s) => s.messages.find((m) => m.author !== 'user' && m.author !== 'system'))
    expect(typeof reply.text === 'string' && reply.text.length > 0 && typeof reply.id === 'string'
      && typeof reply.timestamp === 'number', 'the reply has id, author, text and timestamp', () => show(reply),
      () => `author ${show(reply.author)}`)
    await chat.waitUntil('agent:suggestions gives data.suggestions (a list)',
      () => chat.received.some(([e, d]) => e === 'agent:suggestions' && Array.isArray(d?.suggestions)))
    await chat.waitUntil('agent:show-slot-picker arrives for the sdr', (s) => s.slotPicker.visible)
    const raw = chat.state.slotPickerData
    expect(chat.state.slotPicker.customerEmail === email,
      `agent:show-slot-picker's customerEmail is the address written (${email})`,
      () => `agent:show-slot-picker ${show(raw)}`)
    expect(Object.hasOwn(raw, 'customerPhone'),
      'agent:show-slot-picker has the customerPhone key (none was written)',
      () => `agent:show-slot-picker ${show(raw)}`, () => `customerPhone ${show(raw.customerPhone)}`)
  } finally {
    chat.close()
  }
}

async function scenarioSlotsByDateForms() {
  const { token } = await register('Slots Design')
  const calendar = useCalendar(token)
  const { day, slots } = await dayWithSlots(calendar)
  expect(slots.every((s) => HHMM.test(s.start) && HHMM.test(s.end)),
    `GET /calendar/available-slots?date=${day} gives available_slots of {start, end} "HH:MM"`,
    () => show(slots), () => `${slots.length} slots, ${slots[0].start}-${slots[0].end} first`)
  const iso = midnightIso(day)
  const isoSlots = await http(`GET /calendar/available-slots?date=${iso} (${day} as an ISO date-time)`,
    () => calendar.fetchSlots(iso))
  const starts = (list) => list.map((s) => `${s.start}-${s.end}`).join(',')
  expect(Array.isArray(isoSlots) && starts(isoSlots) === starts(slots),
    `the ISO date-time ${iso} gives the same slots as ${day}`,
    () => `${show(isoSlots)} instead of ${show(slots)}`)
}

/** The design's booking flow: chat -> slot picker -> date picker -> slot -> confirm. */
async function bookThroughChat({ agentKey, token, user, contactId, email, phone, dateAs }) {
  const chat = useAgentSocket(token, agentKey, contactId, user)
  const calendar = useCalendar(token)
  try {
    await chat.connected()
    chat.sendMessage(SCHEDULING_MESSAGE(email) + (phone ? `, meu telefone é ${phone}` : ''))
    await chat.waitUntil(`agent:message: the ${agentKey} agent replies`,
      (s) => s.messages.find((m) => m.author !== 'user' && m.author !== 'system'))
    await chat.waitUntil(`agent:show-slot-picker arrives for ${agentKey}`, (s) => s.slotPicker.visible)

    // The person picks a day in the date picker, then a slot; the fields the picker
    // pre-filled are used, or typed when empty.
    const { day } = await dayWithSlots(calendar)
    const pickerDate = dateAs === 'iso' ? midnightIso(day) : day
    const slots = await http(`GET /calendar/available-slots?date=${pickerDate}`, () => calendar.fetchSlots(pickerDate))
    expect(Array.isArray(slots) && slots.length > 0, `slots offered for ${pickerDate}`, () => show(slots))
    const slot = slots[Math.floor(slots.length / 2)]
    const form = {
      date: pickerDate,
      time: slot.start,
      email: chat.state.slotPicker.customerEmail || email,
      phone: chat.state.slotPicker.customerPhone || phone || '',
    }
    chat.confirmSchedule(form)
    const event = await chat.waitUntil(
      `agent:schedule-confirm {agentKey, contactId, date: ${show(form.date)}, time: ${show(form.time)}, ` +
      `email, phone} gives agent:schedule-confirm with an event`, (s) => s.scheduledEvent)
    expect(typeof event === 'object', 'data.event is an object', () => show(event),
      () => show(event).slice(0, 160))
    await chat.waitUntil('a System agent:message tells of the booking',
      (s) => s.messages.find((m) => /^system$/i.test(m.author) && m.text))

    const after = await http(`GET /calendar/available-slots?date=${day}`, () => calendar.fetchSlots(day))
    expect(!after.some((s) => s.start === slot.start),
      `the ${slot.start} slot of ${day} (the calendar day meant) is no longer offered`,
      () => `still offered: ${show(after)}; booked event ${show(event)}`)
    return { event, slot, day }
  } finally {
    chat.close()
  }
}

async function scenarioBookSdrWithIsoDateTime() {
  const { token, user } = await register('Bia Design')
  await bookThroughChat({
    agentKey: 'sdr', token, user, contactId: uniqueContact('design-iso'), email: 'bia@example.com', dateAs: 'iso',
  })
}

async function scenarioBookSdrWithPlainDate() {
  const { token, user } = await register('Caio Design')
  await bookThroughChat({
    agentKey: 'sdr', token, user, contactId: uniqueContact('design-day'), email: 'caio@example.com', dateAs: 'day',
  })
}

async function scenarioBookThroughCustomBot() {
  const { token, user } = await register('Dora Design')
  const bots = useCustomAgents(token)
  const form = bots.newForm()
  form.name = 'Agenda'
  form.prompt = 'Marque reuniões.'
  bots.addSpecialty(form, 'agendamento de reuniões')
  bots.addSpecialty(form, 'meeting booking')
  const bot = await http(`POST /custom-bots ${show(form)}`, () => bots.createBot(form))
  expect(bot && bot.key, 'a bot whose specialties mention meetings is created', () => show(bot), () => bot.key)
  const listed = await http('GET /custom-bots', () => bots.loadBots())
  const mine = listed.find((b) => b.key === bot.key)
  expect(mine && mine.specialties.includes('agendamento de reuniões') && mine.specialties.includes('meeting booking'),
    'it is listed with both specialties', () => show(listed))
  const phone = '(11) 91234-5678'
  const chat = useAgentSocket(token, bot.key, uniqueContact('design-bot-picker'), user)
  try {
    await chat.connected()
    chat.sendMessage(SCHEDULING_MESSAGE('dora@example.com') + `, meu telefone é ${phone}`)
    await chat.waitUntil(`agent:show-slot-picker arrives for the custom bot ${bot.key}`, (s) => s.slotPicker.visible)
    const raw = chat.state.slotPickerData
    expect(chat.state.slotPicker.customerEmail === 'dora@example.com',
      'the custom bot\'s slot picker has customerEmail', () => `agent:show-slot-picker ${show(raw)}`)
    const digits = String(chat.state.slotPicker.customerPhone ?? '').replace(/\D/g, '')
    expect(digits.endsWith('11912345678'), `the custom bot's slot picker has customerPhone (${phone})`,
      () => `agent:show-slot-picker ${show(raw)}`, () => show(chat.state.slotPicker.customerPhone))
  } finally {
    chat.close()
  }
  await bookThroughChat({
    agentKey: bot.key, token, user, contactId: uniqueContact('design-bot'), email: 'dora@example.com', phone, dateAs: 'iso',
  })
}

async function scenarioSummaryAndAutoCreate() {
  const { token, user } = await register('Edu Design')
  const chat = useAgentSocket(token, 'sdr', uniqueContact('design-summary'), user)
  try {
    await chat.connected()
    chat.sendMessage('Olá! Quero saber mais sobre o produto.')
    await chat.waitUntil('agent:message: the sdr replies',
      (s) => s.messages.find((m) => m.author !== 'user' && m.author !== 'system'))
    chat.requestSummary()
    const summary = await chat.waitUntil('agent:request-summary gives agent:summary with data.summary',
      (s) => s.summary)
    expect(typeof summary === 'string' && summary.trim().length > 0, 'the summary is text',
      () => show(summary))
    chat.setAutoCreate(true)
    await chat.waitUntil('agent:set-auto-create {autoCreate: true} gives agent:auto-create-updated true',
      (s) => s.autoCreate === true)
    chat.setAutoCreate(false)
    await chat.waitUntil('agent:set-auto-create {autoCreate: false} gives agent:auto-create-updated false',
      (s) => s.autoCreate === false)
  } finally {
    chat.close()
  }
}

const SCENARIOS = [
  ['create a bot from the creator form defaults', scenarioBotFromFormDefaults],
  ['chat with sdr, slot picker keys', scenarioSdrChatAndSlotPicker],
  ['slots by YYYY-MM-DD and by ISO date-time', scenarioSlotsByDateForms],
  ['book with sdr, ISO date-time', scenarioBookSdrWithIsoDateTime],
  ['book with sdr, YYYY-MM-DD', scenarioBookSdrWithPlainDate],
  ['book through a custom scheduling bot', scenarioBookThroughCustomBot],
  ['summary and auto-create', scenarioSummaryAndAutoCreate],
]

async function main() {
  console.log(`design client against ${apiUrl} (calendar time zone ${TIMEZONE})`)
  const failures = []
  for (const [name, run] of SCENARIOS) {
    currentScenario = name
    try {
      await run()
    } catch (error) {
      const message = error instanceof CheckFailed ? error.message : (error.stack ?? String(error))
      console.log(`FAIL ${name}: ${message}`)
      failures.push(`${name}: ${message}`)
      if (!keepGoing) break
    }
  }
  if (failures.length) {
    console.log(`\n${failures.length} scenario(s) failed: the design document's client does not work with this server.`)
    if (keepGoing) for (const f of failures) console.log(`- ${f}`)
    else console.log('(--keep-going or DESIGN_CLIENT_KEEP_GOING=1 runs the other scenarios too)')
    return 1
  }
  console.log('\nall checks passed: the design document\'s client works with this server')
  return 0
}

main().then((code) => process.exit(code), (error) => {
  console.error(error)
  process.exit(1)
})
