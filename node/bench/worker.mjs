// One benchmark run in its own process: `node bench/worker.mjs CLIENT MODE N`.
// Prints one JSON line: { client, mode, ops, seconds, opsPerSec, cpuUsPerOp }.

import fs from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const [client, mode, nArg] = process.argv.slice(2)
const N = Number(nArg)
const DEPTH = 64
const info = JSON.parse(fs.readFileSync(process.env.SLOTWISE_CLUSTER, 'utf8'))
const value = 'v'.repeat(16)
const hostPort = (s) => {
  const i = s.lastIndexOf(':')
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) }
}

/** { set(k, v), get(k), batch(ops) -> Promise, close() } for each client. */
async function open(name) {
  if (name === 'slotwise') {
    const { Cluster } = require('../index.js')
    const c = new Cluster(info.seeds)
    await c.connect()
    return {
      set: (k, v) => c.set(k, v),
      get: (k) => c.get(k),
      batch: (ops) => {
        const p = c.pipeline()
        for (const [cmd, k, v] of ops) cmd === 'set' ? p.set(k, v) : p.get(k)
        return p.exec()
      },
      close: () => c.quit(),
    }
  }
  if (name === 'ioredis' || name === 'ioredis-auto') {
    const Redis = require('ioredis')
    const c = new Redis.Cluster(info.seeds.map(hostPort), { enableAutoPipelining: name === 'ioredis-auto' })
    await new Promise((resolve, reject) => {
      c.once('ready', resolve)
      c.once('error', reject)
    })
    return { set: (k, v) => c.set(k, v), get: (k) => c.get(k), batch: null, close: () => c.quit() }
  }
  if (name === 'glide') {
    const { GlideClusterClient, ClusterBatch } = require('@valkey/valkey-glide')
    const c = await GlideClusterClient.createClient({ addresses: info.seeds.map(hostPort), requestTimeout: 5000 })
    return {
      set: (k, v) => c.set(k, v),
      get: (k) => c.get(k),
      batch: (ops) => {
        const b = new ClusterBatch(false)
        for (const [cmd, k, v] of ops) cmd === 'set' ? b.set(k, v) : b.get(k)
        return c.exec(b, false)
      },
      close: async () => c.close(),
    }
  }
  throw new Error(`unknown client ${name}`)
}

async function sequential(c, cmd, n) {
  if (cmd === 'set') for (let i = 0; i < n; i++) await c.set(`key:${i}`, value)
  else for (let i = 0; i < n; i++) await c.get(`key:${i}`)
}

async function inflight(c, cmd, n) {
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      if (cmd === 'set') await c.set(`key:${i}`, value)
      else await c.get(`key:${i}`)
    }
  }
  await Promise.all(Array.from({ length: DEPTH }, worker))
}

async function pipelined(c, cmd, n) {
  for (let i = 0; i < n; i += DEPTH) {
    const ops = []
    for (let j = i; j < Math.min(n, i + DEPTH); j++) ops.push([cmd, `key:${j}`, value])
    await c.batch(ops)
  }
}

const run = { sequential, inflight64: inflight, pipeline64: pipelined }[mode]
const c = await open(client)
// Warm-up: connections, JIT.
await run(c, 'set', Math.min(2000, N))
await run(c, 'get', Math.min(2000, N))
const cpu0 = process.cpuUsage()
const t0 = process.hrtime.bigint()
await run(c, 'set', N)
await run(c, 'get', N)
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
const cpu = process.cpuUsage(cpu0)
await c.close()
const ops = 2 * N
console.log(
  JSON.stringify({
    client,
    mode,
    ops,
    seconds,
    opsPerSec: ops / seconds,
    cpuUsPerOp: (cpu.user + cpu.system) / ops,
  }),
)
process.exit(0)
