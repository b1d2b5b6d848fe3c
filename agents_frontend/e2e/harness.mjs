// The browser tests' tools: the real backend (from backend.mjs), a headless Chromium, a
// local OpenAI-compatible model server, and the steps a person takes in the app.
import { createServer as createHttpServer, request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { after, before } from 'node:test'
import { chromium, selectors } from 'playwright-core'
import { io } from 'socket.io-client'
import { artifacts, startBackend } from './backend.mjs'

export { artifacts, frontendDir, repoDir, startBackend } from './backend.mjs'

selectors.setTestIdAttribute('data-test')

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: false })
}

let counter = 0
export function uniqueEmail() {
  counter += 1
  return `e2e-${Date.now().toString(36)}-${counter}@example.com`
}

export async function signUp(page, baseUrl, { name = 'Ana Teste', email = uniqueEmail(), password = 'correct-horse-9' } = {}) {
  await page.goto(`${baseUrl}/login`)
  await page.getByTestId('tab-signup').click()
  await page.getByLabel(/^(Name|Nome)$/).fill(name)
  await page.getByLabel(/^E-mail$/).fill(email)
  await page.getByLabel(/^(Password|Senha)$/).fill(password)
  await page.getByTestId('auth-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
  return { name, email, password }
}

export async function openAgent(page, key) {
  await page.getByTestId(`agent-${key}`).first().click()
  await page.getByTestId('composer').locator('textarea').first().waitFor()
}

export async function sendMessage(page, text) {
  const box = page.getByTestId('composer').locator('textarea').first()
  await box.fill(text)
  await box.press('Enter')
}

/**
 * A tiny OpenAI-compatible server (the paid service replaced at its network edge): the
 * backend's real `openai` SDK streams from it. `script(lastUserText)` picks the reply.
 * POST /v1/chat/completions with `stream: true` answers Server-Sent Events, chunk by chunk
 * with small pauses, a usage chunk when `stream_options.include_usage`, then `[DONE]`;
 * any other call gets one JSON completion (`{}` when JSON output was asked for).
 * `delayMs` may be a function of the last user text (a slow reply for some messages).
 * `closed` lists the last user text of every stream the client hung up on before its
 * end (a cancelled generation, as a provider sees it).
 * Function calling: `script(lastUserText, body)` sees the whole request (its `tools`, the
 * `tool` results of earlier rounds) and may return `{ tool, arguments }` pieces among the
 * text: each becomes a streamed tool call (its arguments in two fragments, as models send
 * them) and the round ends with `finish_reason: "tool_calls"`.
 */
export async function startModelServer({ script = () => ['Olá! ', 'Como ', 'posso ', 'ajudar?'], delayMs = 120 } = {}) {
  const requests = []
  const closed = []
  const server = createHttpServer(async (req, res) => {
    let raw = ''
    for await (const chunk of req) raw += chunk
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }))
      return
    }
    const body = JSON.parse(raw || '{}')
    requests.push(body)
    const lastUser = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? ''
    const base = { id: `chatcmpl-${requests.length}`, created: Math.floor(Date.now() / 1000), model: body.model ?? 'test-model' }
    if (!body.stream) {
      const pieces = body.response_format?.type === 'json_object' ? ['{}'] : script(String(lastUser), body)
      const content = pieces.filter((p) => typeof p === 'string').join('')
      const calls = pieces.filter((p) => typeof p !== 'string').map((p, n) => ({ id: `call_${requests.length}_${n}`, type: 'function', function: { name: p.tool, arguments: toolArguments(p) } }))
      const message = calls.length ? { role: 'assistant', content: content || null, tool_calls: calls } : { role: 'assistant', content }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message, finish_reason: calls.length ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }))
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    const write = (data) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
    const chunk = (delta, finish = null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })
    const pieces = script(String(lastUser), body)
    const pause = typeof delayMs === 'function' ? delayMs(String(lastUser)) : delayMs
    let finished = false
    res.on('close', () => {
      if (!finished) closed.push(String(lastUser))
    })
    write(chunk({ role: 'assistant', content: '' }))
    let calls = 0
    for (const piece of pieces) {
      await new Promise((r) => setTimeout(r, pause))
      if (res.destroyed) return // the client hung up: stop generating
      if (typeof piece === 'string') {
        write(chunk({ content: piece }))
        continue
      }
      const index = calls++
      const args = toolArguments(piece)
      const half = Math.ceil(args.length / 2)
      write(chunk({ tool_calls: [{ index, id: `call_${requests.length}_${index}`, type: 'function', function: { name: piece.tool, arguments: args.slice(0, half) } }] }))
      write(chunk({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] }))
    }
    finished = true
    write(chunk({}, calls ? 'tool_calls' : 'stop'))
    if (body.stream_options?.include_usage) {
      write({ ...base, object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 12, completion_tokens: pieces.length, total_tokens: 12 + pieces.length } })
    }
    write('[DONE]')
    res.end()
  })
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
  const url = `http://127.0.0.1:${server.address().port}/v1`
  return {
    url,
    requests,
    closed,
    stop: () => new Promise((ok) => {
      server.closeAllConnections()
      server.close(() => ok())
    }),
  }
}

/** A scripted tool call's arguments as the model sends them: JSON text (or raw text, to
 * play a model that writes malformed JSON). */
function toolArguments(piece) {
  return typeof piece.arguments === 'string' ? piece.arguments : JSON.stringify(piece.arguments ?? {})
}

/** A second person, signed up through the REST API, with their own real socket. */
export async function apiUser(baseUrl) {
  const res = await fetch(`${baseUrl}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Rival', email: uniqueEmail(), password: 'correct-horse-9' }),
  })
  if (!res.ok) throw new Error(`register failed: ${res.status} ${await res.text()}`)
  const tokens = await res.json()
  const socket = io(baseUrl, { transports: ['websocket'], auth: { token: tokens.access_token }, reconnection: false })
  await new Promise((ok, fail) => {
    socket.once('connect', ok)
    socket.once('connect_error', fail)
  })
  return { tokens, socket }
}

export async function signIn(page, baseUrl, { email, password }) {
  if (!new URL(page.url()).pathname.startsWith('/login')) await page.goto(`${baseUrl}/login`)
  await page.getByTestId('tab-signin').click()
  await page.getByLabel(/^E-mail$/).fill(email)
  await page.getByLabel(/^(Password|Senha)$/).fill(password)
  await page.getByTestId('auth-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

/** The server's copy of a conversation, through REST with the page's own session. */
export async function storedMessages(page, agentKey, contactId = 'default') {
  return page.evaluate(async ([key, contact]) => {
    const { accessToken } = JSON.parse(localStorage.getItem('agents.session'))
    const res = await fetch(`/agents/${key}/conversations/${contact}/messages?limit=200`, {
      headers: { authorization: `Bearer ${accessToken}` },
    })
    if (!res.ok) throw new Error(`history: ${res.status}`)
    return (await res.json()).messages
  }, [agentKey, contactId])
}

/**
 * A gate in front of the backend, for tests that cut the Socket.IO traffic at the network:
 * `block()` ends every open websocket (as a dead network would) and refuses new ones until
 * `unblock()`, while the page and REST still load through it (also on reload). It rewrites
 * Host and Origin to the backend's, as a reverse proxy does.
 */
export async function startGate(backendUrl) {
  const target = new URL(backendUrl)
  let blocked = false
  const tunnels = new Set()
  const rewrite = (rawHeaders) => {
    const lines = []
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]
      const lower = name.toLowerCase()
      lines.push([name, lower === 'host' ? target.host : lower === 'origin' ? target.origin : rawHeaders[i + 1]])
    }
    return lines
  }
  const server = createHttpServer((req, res) => {
    if (blocked && req.url.startsWith('/socket.io/')) return void res.writeHead(503).end()
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: Object.fromEntries(rewrite(req.rawHeaders)) },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  server.on('upgrade', (req, client, head) => {
    if (blocked) return void client.destroy()
    const upstream = connect(Number(target.port), target.hostname, () => {
      const headers = rewrite(req.rawHeaders).map(([k, v]) => `${k}: ${v}\r\n`).join('')
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n`)
      if (head.length) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    const pair = { client, upstream }
    tunnels.add(pair)
    const end = () => {
      tunnels.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    block() {
      blocked = true
      for (const { client, upstream } of tunnels) {
        client.destroy()
        upstream.destroy()
      }
    },
    unblock() {
      blocked = false
    },
    stop: () => new Promise((ok) => {
      for (const { client, upstream } of tunnels) {
        client.destroy()
        upstream.destroy()
      }
      server.closeAllConnections()
      server.close(() => ok())
    }),
  }
}

/**
 * Records every `agent:send` the page's socket really puts on the wire, across reloads
 * (`window.__sends()`), by wrapping the app's socket as it is created.
 */
export async function recordSends(context) {
  await context.addInitScript(() => {
    let current
    const read = () => JSON.parse(sessionStorage.getItem('e2e.sends') ?? '[]')
    window.__sends = read
    Object.defineProperty(window, '__agentsSocket', {
      configurable: true,
      get: () => current,
      set: (socket) => {
        current = socket
        socket.onAnyOutgoing((event, payload) => {
          if (event !== 'agent:send') return
          sessionStorage.setItem('e2e.sends', JSON.stringify([...read(), payload]))
        })
      },
    })
  })
}

/** Notes whether any of the given test ids ever appeared, from now on. */
export async function watchFor(page, testIds) {
  await page.evaluate((ids) => {
    window.__seen = []
    const look = () => {
      for (const id of ids) {
        if (!window.__seen.includes(id) && document.querySelector(`[data-test="${id}"]`)) window.__seen.push(id)
      }
    }
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true })
    look()
  }, testIds)
}

/**
 * The backend and the browser a test file shares: started before its tests, stopped after
 * them. `session.backend.url` is the app; `session.newPage(options)` opens a fresh context
 * (desktop size unless told otherwise) with the tests' timeout.
 */
export function sharedSession(defaults = {}) {
  const session = {
    backend: null,
    browser: null,
    async newPage(options = {}) {
      const context = await session.browser.newContext({ viewport: { width: 1280, height: 800 }, ...defaults, ...options })
      const page = await context.newPage()
      page.setDefaultTimeout(30_000)
      return { context, page }
    },
  }
  before(async () => {
    session.backend = await startBackend()
    session.browser = await launchBrowser()
  })
  after(async () => {
    await session.browser?.close()
    await session.backend?.stop()
  })
  return session
}
