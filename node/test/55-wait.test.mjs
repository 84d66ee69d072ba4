// WAIT confirms the write before it in a pipeline (same node and connection), also in a
// transaction (sent after EXEC); alone it rejects with CONFIG saying how to use it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clusterNodes, keySlot } from './helpers/cluster.mjs'
import { client, ns, seeds } from './helpers/client.mjs'

/** One key of this run on each primary. */
function keyPerShard() {
  const primaries = clusterNodes(seeds[0]).filter((n) => n.role === 'primary' && n.slots.length > 0)
  return primaries.map((p) => {
    for (let i = 0; ; i++) {
      const k = ns(`wait:${i}`)
      const slot = keySlot(seeds[0], k)
      if (p.slots.some(([lo, hi]) => slot >= lo && slot <= hi)) return k
    }
  })
}

test('WAIT in a pipeline counts the replica of the write before it; alone it rejects', async (t) => {
  const c = client(t)
  const keys = keyPerShard()
  assert.equal(keys.length, 3)
  const p = c.pipeline()
  for (const k of keys) p.set(k, 1).call('WAIT', 1, 5000)
  assert.deepEqual(await p.exec(), keys.flatMap(() => [[null, 'OK'], [null, 1]]))

  // In a transaction it runs after EXEC (inside MULTI the server would answer 0).
  const a = ns('{wait}a')
  const tx = await c.multi().set(a, 1).call('WAIT', 1, 5000).incr(a).exec()
  assert.deepEqual(tx, [[null, 'OK'], [null, 1], [null, 2]])

  await assert.rejects(c.call('WAIT', 1, 100), (e) => {
    assert.equal(e.code, 'CONFIG', e.message)
    assert.match(e.message, /in a pipeline right after the keyed write/)
    assert.match(e.message, /SET k v then WAIT 1 100/)
    return true
  })
})
