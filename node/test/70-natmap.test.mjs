// natMap: announced addresses translated to reachable ones, as an object or a function.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clusterNodes, keySlot, ownerOf } from './helpers/cluster.mjs'
import { Cluster, ns, seeds } from './helpers/client.mjs'

const announced = () => clusterNodes(seeds[0]).map((n) => n.addr)

test('an object natMap with { host, port } and "host:port" entries', async () => {
  const addrs = announced()
  const natMap = Object.fromEntries(
    addrs.map((a, i) => {
      const [host, port] = [a.slice(0, a.lastIndexOf(':')), Number(a.slice(a.lastIndexOf(':') + 1))]
      return [a, i % 2 ? a : { host, port }]
    }),
  )
  const c = new Cluster(seeds, { natMap })
  await c.set(ns('nat'), 'v')
  assert.equal(await c.get(ns('nat')), 'v')
  await c.quit()
})

test('a natMap function is asked about each announced address', async () => {
  const asked = new Set()
  const c = new Cluster(seeds, {
    natMap: (addr) => {
      asked.add(addr)
      return null // keep the announced address
    },
  })
  const keys = Array.from({ length: 50 }, (_, i) => ns(`natfn:${i}`))
  await Promise.all(keys.map((k) => c.set(k, 1)))
  assert.equal(await c.exists(keys), 50)
  for (const a of announced()) assert.ok(asked.has(a), `asked about ${a}`)
  await c.quit()
})

test('the mapping is applied: a primary mapped to a dead port is unreachable', async () => {
  const key = ns('natdead')
  const owner = ownerOf(seeds[0], keySlot(seeds[0], key))
  const c = new Cluster(seeds, {
    natMap: (addr) => (addr === owner.addr ? { host: '127.0.0.1', port: 1 } : addr),
    commandTimeout: 1500,
    connectTimeout: 300,
  })
  await assert.rejects(c.get(key), (e) => ['CONNECTION', 'TIMEOUT'].includes(e.code) && /127\.0\.0\.1:1\b/.test(e.message))
  await c.quit()
})
