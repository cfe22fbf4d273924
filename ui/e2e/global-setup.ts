/**
 * Starts the standalone platform (`python -m gov_standalone`) on a free loopback port with a
 * fresh var directory and the built UI, waits for /readyz, and stops it after the run. Before it,
 * the test OpenID provider (`tests/oidc_provider`, panva/oidc-provider) on another loopback port,
 * which the platform's gateway uses as the provincial identity platform (统一身份认证); its one
 * account is handed to the scenarios in E2E_OIDC_ACCOUNT.
 * Nothing is skipped: without the Python environment, the build or Node.js the run fails and says why.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { accessSync, constants, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { newResidentId } from './identities'

const ui = fileURLToPath(new URL('..', import.meta.url))
const repository = resolve(ui, '..')
export const OUTPUT = join(repository, 'test-output', 'ui')

/** Whether nothing listens on loopback `port` now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer()
    server.once('error', () => done(false))
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)))
  })
}

/**
 * A free loopback port from 24500–25399, below the kernel's ephemeral range: a port picked there (listen on 0)
 * and released stays free only until an outgoing connection takes it as its local port, and the platform binds
 * it seconds later (tests/e2e/platform.py, free_port, has the pytest workers' ranges). Another port per call.
 */
const PORTS = { start: 24500, size: 900 }
let nextPort = PORTS.start + (process.pid % PORTS.size)
async function freePort(): Promise<number> {
  for (let tried = 0; tried < PORTS.size; tried += 1) {
    const port = PORTS.start + ((nextPort - PORTS.start) % PORTS.size)
    nextPort = port + 1
    if (await canListen(port)) return port
  }
  throw new Error(`no free loopback port in ${PORTS.start}–${PORTS.start + PORTS.size - 1}`)
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

/** The person the test identity provider signs in (handed to the scenarios in E2E_OIDC_ACCOUNT). */
export interface OidcAccount {
  account: string
  name: string
  id_number: string
}

async function startOidcProvider(redirectUri: string, account: OidcAccount): Promise<{ issuer: string; clientId: string; clientSecret: string; stop: () => Promise<void> }> {
  const dir = join(repository, 'tests', 'oidc_provider')
  if (!existsSync(join(dir, 'node_modules', 'oidc-provider', 'package.json'))) {
    const installed = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 300_000 })
    if (installed.status !== 0) throw new Error(`npm ci in ${dir} failed:\n${installed.stdout}\n${installed.stderr}`)
  }
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}`
  const clientId = 'gov-portal-ui-e2e'
  const clientSecret = randomBytes(24).toString('hex')
  const log = join(OUTPUT, 'oidc-provider.log')
  const child = spawn(process.execPath, [join(dir, 'server.mjs'), String(port)], {
    cwd: dir,
    env: {
      ...process.env,
      OIDC_CLIENT_ID: clientId,
      OIDC_CLIENT_SECRET: clientSecret,
      OIDC_REDIRECT_URI: redirectUri,
      OIDC_ACCOUNTS: JSON.stringify({ [account.account]: { name: account.name, id_number: account.id_number } }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logStream = createWriteStream(log)
  child.stdout?.pipe(logStream)
  child.stderr?.pipe(logStream)
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited(child)
    }
  }
  // A limit for a hang, not for a busy machine: at the start of make test (pytest's workers importing beside it) the
  // provider, which makes an RSA key at start, once took over 30 s (2026-12-06).
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the OpenID provider exited (${child.exitCode}):\n${readFileSync(log, 'utf8').slice(-4000)}`)
    try {
      if ((await fetch(`${issuer}/.well-known/openid-configuration`)).ok) return { issuer, clientId, clientSecret, stop }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  await stop()
  throw new Error(`the OpenID provider did not start:\n${readFileSync(log, 'utf8').slice(-4000)}`)
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

/**
 * Where the platform's var directory goes: a RAM-backed directory when the machine has one with room
 * (the platform's SQLite databases then commit without waiting for the disk), else the temporary
 * directory. GOV_TEST_TMPDIR names another; empty keeps the temporary directory (as the Python tests).
 */
function varRoot(): string {
  const wanted = process.env.GOV_TEST_TMPDIR ?? '/dev/shm'
  if (!wanted) return tmpdir()
  try {
    accessSync(wanted, constants.W_OK | constants.X_OK)
    const fs = statfsSync(wanted)
    if (fs.bavail * fs.bsize >= 2 * 1024 ** 3) return wanted
  } catch {
    // not there or not writable
  }
  return tmpdir()
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
  const varDir = mkdtempSync(join(varRoot(), 'gov-ui-e2e-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const oidcAccount: OidcAccount = { account: 'e2e-person', name: '统一认证用户', id_number: newResidentId() }
  const oidc = await startOidcProvider(`${url}/api/v1/auth/oidc/callback`, oidcAccount)
  const log = join(OUTPUT, 'platform.log')
  const logStream = createWriteStream(log)
  const child = spawn(python, ['-m', 'gov_standalone', '--host', '127.0.0.1', '--port', String(port), '--var-dir', varDir], {
    cwd: repository,
    env: {
      ...process.env,
      ...SUITE_GATEWAY_RATES,
      GW_UI_DIST: dist,
      GOV_LOG_LEVEL: process.env.GOV_LOG_LEVEL || 'WARNING',
      GW_OIDC_ISSUER: oidc.issuer,
      GW_OIDC_CLIENT_ID: oidc.clientId,
      GW_OIDC_CLIENT_SECRET: oidc.clientSecret,
      GW_OIDC_REDIRECT_URI: `${url}/api/v1/auth/oidc/callback`,
      // The services' calls to one another wait longer than in production (10 s): the test machine
      // runs the platform, two browsers and the suite on few cores, and a slow answer is not a fault.
      GW_HTTP_TIMEOUT_SECONDS: process.env.GW_HTTP_TIMEOUT_SECONDS || '30',
      SM_HTTP_TIMEOUT_SECONDS: process.env.SM_HTTP_TIMEOUT_SECONDS || '30',
      DS_HTTP_TIMEOUT_SECONDS: process.env.DS_HTTP_TIMEOUT_SECONDS || '30',
      BS_HTTP_TIMEOUT_SECONDS: process.env.BS_HTTP_TIMEOUT_SECONDS || '30',
    },
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
    await oidc.stop()
  }

  try {
    await waitReady(url, child, log)
  } catch (error) {
    await stop()
    throw error
  }
  // Workers start after the global setup and inherit this.
  process.env.E2E_BASE_URL = url
  process.env.E2E_OIDC_ISSUER = oidc.issuer
  process.env.E2E_OIDC_ACCOUNT = JSON.stringify(oidcAccount)
  // The platform's var directory (its local bus and SQLite files), for scenarios that feed the bus.
  process.env.E2E_VAR_DIR = varDir
  return stop
}
