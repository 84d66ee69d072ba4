// The test cluster: the one named by SLOTWISE_CLUSTER (the JSON file written by
// `slotwise-testcluster up --json`), or a new one started here and stopped at exit.

import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const repoRoot = path.resolve(here, '../../..')

/** The slotwise-testcluster binary, built if missing. */
export function harnessBinary() {
  if (process.env.SLOTWISE_TESTCLUSTER) return process.env.SLOTWISE_TESTCLUSTER
  for (const profile of ['debug', 'release']) {
    const p = path.join(repoRoot, 'target', profile, 'slotwise-testcluster')
    if (fs.existsSync(p)) return p
  }
  execFileSync('cargo', ['build', '-q', '-p', 'slotwise-testcluster', '--bin', 'slotwise-testcluster'], {
    cwd: repoRoot,
    stdio: 'inherit',
  })
  return path.join(repoRoot, 'target', 'debug', 'slotwise-testcluster')
}

/**
 * Starts a cluster with `slotwise-testcluster up` and extra flags; returns its description
 * ({ seeds, nodes, dir }) with a `down()` that stops it (also run at process exit).
 */
export function startCluster(flags = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotwise-node-'))
  fs.rmdirSync(dir)
  const bin = harnessBinary()
  const out = execFileSync(bin, ['up', '--json', '--dir', dir, ...flags], { encoding: 'utf8' })
  const info = JSON.parse(out.trim().split('\n').pop())
  let stopped = false
  info.down = () => {
    if (stopped) return
    stopped = true
    try {
      execFileSync(bin, ['down', '--dir', dir], { stdio: 'ignore' })
    } catch {}
  }
  process.on('exit', info.down)
  return info
}

/** The shared cluster for this run. */
export function sharedCluster() {
  const file = process.env.SLOTWISE_CLUSTER
  if (file) return JSON.parse(fs.readFileSync(file, 'utf8'))
  if (!sharedCluster.started) sharedCluster.started = startCluster()
  return sharedCluster.started
}

/** `redis-cli -h host -p port args...` (raw output, trimmed). */
export function redisCli(addr, ...args) {
  const { host, port } = hostPort(addr)
  return execFileSync('redis-cli', ['-h', host, '-p', String(port), ...args.map(String)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim()
}

export function hostPort(addr) {
  const i = addr.lastIndexOf(':')
  return { host: addr.slice(0, i), port: Number(addr.slice(i + 1)) }
}

/** CLUSTER NODES as seen by `addr`: [{ id, addr, flags, role, primaryId, slots: [[lo, hi]] }]. */
export function clusterNodes(addr) {
  return redisCli(addr, 'CLUSTER', 'NODES')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ')
      const flags = f[2].split(',')
      const slots = f
        .slice(8)
        .filter((s) => !s.startsWith('['))
        .map((s) => s.split('-').map(Number))
        .map(([lo, hi]) => [lo, hi ?? lo])
      return {
        id: f[0],
        addr: f[1].split('@')[0],
        flags,
        myself: flags.includes('myself'),
        role: flags.includes('master') ? 'primary' : 'replica',
        primaryId: f[3] === '-' ? null : f[3],
        failed: flags.some((x) => x === 'fail' || x === 'fail?'),
        slots,
      }
    })
}

/** The primary serving `slot`, as seen by `addr`. */
export function ownerOf(addr, slot) {
  return clusterNodes(addr).find((n) => n.role === 'primary' && n.slots.some(([lo, hi]) => slot >= lo && slot <= hi))
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Waits until every live node agrees on the slot map (same owner for every slot, no open
 * migrations, every slot served, no failed node).
 */
export async function waitStable(seeds, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  let why = ''
  while (Date.now() < deadline) {
    try {
      const views = seeds.map((s) => clusterNodes(s))
      const owners = views.map((v) => {
        const m = new Map()
        for (const n of v) if (n.role === 'primary') for (const [lo, hi] of n.slots) m.set(`${lo}-${hi}`, n.id)
        return [...m.entries()].sort().join(',')
      })
      const open = seeds.some((s) => /\[\d+-[<>]-/.test(redisCli(s, 'CLUSTER', 'NODES')))
      const covered = views.every((v) => v.filter((n) => n.role === 'primary').reduce((a, n) => a + n.slots.reduce((b, [lo, hi]) => b + hi - lo + 1, 0), 0) === 16384)
      const failed = views.some((v) => v.some((n) => n.failed))
      if (owners.every((o) => o === owners[0]) && !open && covered && !failed) return
      why = `owners agree: ${owners.every((o) => o === owners[0])}, open migrations: ${open}, covered: ${covered}, failed: ${failed}`
    } catch (e) {
      why = e.message
    }
    await sleep(100)
  }
  throw new Error(`cluster not stable after ${timeoutMs} ms: ${why}`)
}

/** The key slot of `key` as the cluster computes it. */
export function keySlot(addr, key) {
  return Number(redisCli(addr, 'CLUSTER', 'KEYSLOT', key))
}

/**
 * Opens the migration of `slot` from its owner to the primary `targetAddr` (IMPORTING on the
 * target, MIGRATING on the source). Returns { source, target, migrate(n), finish() }.
 */
export function beginMigration(seeds, slot, targetAddr) {
  const nodes = clusterNodes(seeds[0])
  const source = ownerOf(seeds[0], slot)
  const target = nodes.find((n) => n.addr === targetAddr)
  redisCli(target.addr, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id)
  redisCli(source.addr, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id)
  const { host, port } = hostPort(target.addr)
  return {
    source,
    target,
    /** Moves up to `n` keys of the slot; returns how many moved. */
    migrate(n) {
      const keys = redisCli(source.addr, 'CLUSTER', 'GETKEYSINSLOT', slot, n).split('\n').filter(Boolean)
      if (keys.length) redisCli(source.addr, 'MIGRATE', host, port, '', 0, 5000, 'KEYS', ...keys)
      return keys.length
    },
    /** Moves the remaining keys and assigns the slot to the target everywhere. */
    finish() {
      while (this.migrate(100) > 0);
      redisCli(target.addr, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id)
      redisCli(source.addr, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id)
      for (const n of clusterNodes(seeds[0]))
        if (n.role === 'primary' && !n.failed && n.id !== target.id && n.id !== source.id) redisCli(n.addr, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id)
    },
  }
}

/**
 * Runs `redis-cli --cluster reshard` moving `slots` slots from `fromAddr` to `toAddr` without
 * blocking the event loop; resolves when it is done.
 */
export async function reshard(fromAddr, toAddr, slots) {
  const { execFile } = await import('node:child_process')
  // redis-cli refuses to start while the nodes' views differ ("Nodes don't agree about
  // configuration"), which is normal for a moment after an earlier reshard or failover.
  await waitStable(clusterNodes(fromAddr).filter((n) => !n.failed).map((n) => n.addr))
  const from = clusterNodes(fromAddr).find((n) => n.myself)
  const to = clusterNodes(toAddr).find((n) => n.myself)
  const args = ['--cluster', 'reshard', fromAddr, '--cluster-from', from.id, '--cluster-to', to.id]
  args.push('--cluster-slots', String(slots), '--cluster-yes', '--cluster-pipeline', '100')
  await new Promise((resolve, reject) =>
    execFile('redis-cli', args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`redis-cli --cluster reshard failed: ${err.message}\n${stdout.slice(-2000)}${stderr}`)) : resolve(),
    ),
  )
}

/**
 * Load: `workers` concurrent loops of INCR on `keys` counters (checked against a local
 * tally) plus SET/GET of values, until `stop()`; every error is collected.
 */
export function startLoad(c, prefix, { workers = 32, keys = 500 } = {}) {
  const expected = new Map()
  const errors = []
  let running = true
  let ops = 0
  const worker = async (w) => {
    let i = w
    while (running) {
      const n = i++ % keys
      const counter = `${prefix}:c:${n}`
      try {
        await c.incr(counter)
        expected.set(counter, (expected.get(counter) ?? 0) + 1)
        const k = `${prefix}:s:${n}`
        await c.set(k, `v${i}`)
        const got = await c.get(k)
        if (got === null) throw new Error(`${k} vanished`)
        ops += 3
      } catch (e) {
        errors.push(e)
        if (e.code === 'CLOSED') break // the test is over (it failed or timed out)
      }
    }
  }
  const done = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)))
  return {
    errors,
    expected,
    get ops() {
      return ops
    },
    /** Each distinct error once, with how often it happened. */
    errorSummary() {
      const seen = new Map()
      for (const e of errors) seen.set(`${e.code}: ${e.message}`, (seen.get(`${e.code}: ${e.message}`) ?? 0) + 1)
      return [...seen].map(([what, n]) => `${n}x ${what}`)
    },
    /** Resolves once `n` more operations have completed (or any failed). */
    async progress(n = 1000) {
      const goal = ops + n
      while (ops < goal && running && errors.length === 0) await sleep(10)
    },
    async stop() {
      running = false
      await done
    },
  }
}
