// Resharding under load (redis-cli --cluster reshard): zero errors, no lost writes.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clusterNodes, reshard, startLoad, waitStable } from './helpers/cluster.mjs'
import { client, ns, seeds } from './helpers/client.mjs'

test('resharding under load: zero errors and every increment counted', { timeout: 180_000 }, async (t) => {
  const c = client(t)
  await waitStable(seeds)
  const primaries = clusterNodes(seeds[0]).filter((n) => n.role === 'primary' && n.slots.length)
  const [from, to] = primaries
  const load = startLoad(c, ns('reshard'))
  await load.progress()
  await reshard(from.addr, to.addr, 300)
  await reshard(to.addr, from.addr, 150)
  await load.progress()
  await load.stop()
  await waitStable(seeds)
  assert.deepEqual(load.errorSummary(), [], 'no command failed')
  assert.ok(load.ops > 1000, `load ran (${load.ops} ops)`)
  const counters = [...load.expected.keys()]
  const values = await c.mget(counters)
  counters.forEach((k, i) => assert.equal(Number(values[i]), load.expected.get(k), k))
  const s = c.stats()
  assert.ok(s.moved + s.ask > 0, `redirects followed: ${JSON.stringify(s)}`)
})
