// Starts the real backend (embedded mongod, offline responder) and a headless Chromium.
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, selectors } from 'playwright-core'

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

export async function startBackend(extraEnv = {}) {
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
