// A replica promoted (CLUSTER FAILOVER) under load: zero errors, no lost writes.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clusterNodes, redisCli, startLoad, waitStable } from './helpers/cluster.mjs'
import { client, ns, seeds } from './helpers/client.mjs'

async function failover(replicaAddr) {
  redisCli(replicaAddr, 'CLUSTER', 'FAILOVER')
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const me = clusterNodes(replicaAddr).find((n) => n.myself)
    if (me.role === 'primary' && me.slots.length) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${replicaAddr} was not promoted within 30 s`)
}

test('failover under load: zero errors and every increment counted', { timeout: 180_000 }, async (t) => {
  const c = client(t)
  await waitStable(seeds)
  const load = startLoad(c, ns('failover'))
  await load.progress()
  const replicas = clusterNodes(seeds[0]).filter((n) => n.role === 'replica' && !n.failed)
  assert.ok(replicas.length >= 2, 'the cluster has replicas')
  for (const r of replicas.slice(0, 2)) {
    await failover(r.addr)
    await waitStable(seeds)
    await load.progress()
  }
  await load.stop()
  assert.deepEqual(load.errorSummary(), [], 'no command failed')
  assert.ok(load.ops > 1000, `load ran (${load.ops} ops)`)
  const counters = [...load.expected.keys()]
  const values = await c.mget(counters)
  counters.forEach((k, i) => assert.equal(Number(values[i]), load.expected.get(k), k))
  const s = c.stats()
  assert.ok(s.moved + s.retries > 0, `the client noticed the new primaries: ${JSON.stringify(s)}`)
})
