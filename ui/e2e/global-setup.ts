/**
 * Starts the standalone platform (`python -m gov_standalone`) on a free loopback port with a
 * fresh var directory and the built UI, waits for /readyz, and stops it after the run.
 * Nothing is skipped: without the Python environment or the build, the run fails and says why.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ui = fileURLToPath(new URL('..', import.meta.url))
const repository = resolve(ui, '..')
export const OUTPUT = join(repository, 'test-output', 'ui')

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))))
    })
  })
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())))
}

async function waitReady(url: string, child: ChildProcess, log: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the platform exited (${child.exitCode}):\n${readFileSync(log, 'utf8').slice(-4000)}`)
    }
    try {
      const response = await fetch(`${url}/readyz`)
      if (response.ok) return
      last = `${response.status} ${await response.text()}`
    } catch (error) {
      last = String(error)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`the platform was not ready after ${timeoutMs / 1000}s (${last}):\n${readFileSync(log, 'utf8').slice(-4000)}`)
}

// The scenarios register and log in many applicants from one address (loopback) within the hour,
// far beyond the front door's limits per address (docs/identity.md), which have tests of their own
// (tests/gateway/test_front_door_throttle.py); the limits per account (phone codes) stay as they are.
const SUITE_GATEWAY_RATES = {
  GW_RATE_REGISTRATION__LIMIT: '100000',
  GW_RATE_TOKEN__LIMIT: '100000',
  GW_RATE_LICENSE_VERIFY__LIMIT: '100000',
  GW_RATE_LICENSE_MISSES__LIMIT: '100000',
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const python = process.env.GOV_PYTHON || join(repository, '.venv', 'bin', 'python')
  if (!existsSync(python)) {
    throw new Error(`${python} not found: create the Python environment first (make test-unit, or set GOV_PYTHON)`)
  }
  const dist = process.env.GW_UI_DIST || join(ui, 'dist')
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error(`${dist}/index.html not found: build the UI first (npm run build)`)
  }
  mkdirSync(OUTPUT, { recursive: true })
  const varDir = mkdtempSync(join(tmpdir(), 'gov-ui-e2e-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const log = join(OUTPUT, 'platform.log')
  const logStream = createWriteStream(log)
  const child = spawn(python, ['-m', 'gov_standalone', '--host', '127.0.0.1', '--port', String(port), '--var-dir', varDir], {
    cwd: repository,
    env: { ...process.env, ...SUITE_GATEWAY_RATES, GW_UI_DIST: dist, GOV_LOG_LEVEL: process.env.GOV_LOG_LEVEL || 'WARNING' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.pipe(logStream)
  child.stderr?.pipe(logStream)

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited(child)
      clearTimeout(timer)
    }
    rmSync(varDir, { recursive: true, force: true })
  }

  try {
    await waitReady(url, child, log)
  } catch (error) {
    await stop()
    throw error
  }
  // Workers start after the global setup and inherit this.
  process.env.E2E_BASE_URL = url
  return stop
}
