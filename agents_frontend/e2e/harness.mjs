// Starts the real backend (embedded mongod; offline responder or a local OpenAI-compatible
// model server) and a headless Chromium.
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, selectors } from 'playwright-core'
import { io } from 'socket.io-client'

selectors.setTestIdAttribute('data-test')

const here = dirname(fileURLToPath(import.meta.url))
export const frontendDir = resolve(here, '..')
export const repoDir = resolve(frontendDir, '..')
export const artifacts = join(here, 'artifacts')
mkdirSync(artifacts, { recursive: true })

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => ok(port))
    })
  })
}

async function waitForHealth(url, child, log, deadlineMs = 90_000) {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`backend exited early:\n${log.join('')}`)
    try {
      const res = await fetch(`${url}/health`)
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`backend not healthy in time:\n${log.join('')}`)
}

export async function startBackend(extraEnv = {}, logName = 'OPENAI_BASE_URL' in extraEnv ? 'model' : 'offline') {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'agents-e2e-'))
  const python = process.env.E2E_PYTHON ?? join(repoDir, '.venv/bin/python')
  const url = `http://127.0.0.1:${port}`
  // The backend checks the Socket.IO Origin against CORS_ORIGINS even for its own pages.
  const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), SPA_DIR: join(frontendDir, 'dist'), CORS_ORIGINS: url, ...extraEnv }
  delete env.MONGODB_URI
  if (!('OPENAI_API_KEY' in extraEnv)) delete env.OPENAI_API_KEY
  const child = spawn(python, ['-m', 'agents_backend'], { cwd: repoDir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  // If the test runner itself dies, do not leave a backend (and its mongod) behind.
  const orphanGuard = () => child.exitCode === null && child.kill('SIGTERM')
  process.once('exit', orphanGuard)
  const log = []
  child.stdout.on('data', (d) => log.push(String(d)))
  child.stderr.on('data', (d) => log.push(String(d)))
  await waitForHealth(url, child, log)
  return {
    url,
    log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL')
            r()
          }, 15_000)
          child.once('exit', () => {
            clearTimeout(t)
            r()
          })
        })
      }
      rmSync(dataDir, { recursive: true, force: true })
      // Kept beside the screenshots: the first place to look when a step timed out.
      writeFileSync(join(artifacts, `backend-${logName}.log`), log.join(''))
    },
  }
}

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
 */
export async function startModelServer({ script = () => ['Olá! ', 'Como ', 'posso ', 'ajudar?'], delayMs = 120 } = {}) {
  const requests = []
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
      const content = body.response_format?.type === 'json_object' ? '{}' : script(String(lastUser)).join('')
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }))
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    const write = (data) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
    const chunk = (delta, finish = null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })
    const pieces = script(String(lastUser))
    write(chunk({ role: 'assistant', content: '' }))
    for (const piece of pieces) {
      await new Promise((r) => setTimeout(r, delayMs))
      write(chunk({ content: piece }))
    }
    write(chunk({}, 'stop'))
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
    stop: () => new Promise((ok) => {
      server.closeAllConnections()
      server.close(() => ok())
    }),
  }
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
