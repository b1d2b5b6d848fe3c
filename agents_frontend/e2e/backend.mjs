// Starts the real backend (`python -m agents_backend`: uvicorn with an embedded mongod)
// on a free loopback port with a fresh DATA_DIR. Shared by the browser tests (harness.mjs)
// and Vitest's global setup, so every test that needs a server talks to the same one.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const frontendDir = resolve(here, '..')
export const repoDir = resolve(frontendDir, '..')
export const artifacts = join(here, 'artifacts')
mkdirSync(artifacts, { recursive: true })

export function freePort() {
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

function stopper(child) {
  return new Promise((done) => {
    if (child.exitCode !== null) return done()
    child.kill('SIGTERM')
    const t = setTimeout(() => {
      child.kill('SIGKILL')
      done()
    }, 15_000)
    child.once('exit', () => {
      clearTimeout(t)
      done()
    })
  })
}

/**
 * `extraEnv` overrides the backend's settings (e.g. `JWT_EXPIRE_MINUTES`); its log is
 * written to `e2e/artifacts/backend-<logName>.log` when it stops. `E2E_PYTHON` picks the
 * interpreter and `E2E_BACKEND_ROOT` the directory `agents_backend` is imported from;
 * `E2E_SPA_DIR` serves a SPA built elsewhere than dist/ (a build of one's own).
 */
export async function startBackend(extraEnv = {}, logName = 'OPENAI_BASE_URL' in extraEnv ? 'model' : 'offline') {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'agents-test-'))
  const python = process.env.E2E_PYTHON ?? join(repoDir, '.venv/bin/python')
  const cwd = process.env.E2E_BACKEND_ROOT ?? repoDir
  const url = `http://127.0.0.1:${port}`
  // The backend checks the Socket.IO Origin against CORS_ORIGINS even for its own pages;
  // `extraEnv.CORS_ORIGINS` adds origins to its own.
  const origins = [url, extraEnv.CORS_ORIGINS].filter(Boolean).join(',')
  const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), SPA_DIR: process.env.E2E_SPA_DIR ?? join(frontendDir, 'dist'), ...extraEnv, CORS_ORIGINS: origins }
  delete env.MONGODB_URI
  if (!('OPENAI_API_KEY' in extraEnv)) delete env.OPENAI_API_KEY
  const child = spawn(python, ['-m', 'agents_backend'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  // If the test runner itself dies, do not leave a backend (and its mongod) behind.
  const orphanGuard = () => child.exitCode === null && child.kill('SIGTERM')
  process.once('exit', orphanGuard)
  const log = []
  child.stdout.on('data', (d) => log.push(String(d)))
  child.stderr.on('data', (d) => log.push(String(d)))
  try {
    await waitForHealth(url, child, log)
  } catch (error) {
    await stopper(child)
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
  return {
    url,
    log,
    async stop() {
      await stopper(child)
      process.removeListener('exit', orphanGuard)
      rmSync(dataDir, { recursive: true, force: true })
      // Kept beside the screenshots: the first place to look when a step timed out.
      writeFileSync(join(artifacts, `backend-${logName}.log`), log.join(''))
    },
  }
}
