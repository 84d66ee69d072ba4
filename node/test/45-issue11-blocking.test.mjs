// Blocking commands (BLPOP...) reuse their connections instead of opening one per call, and
// a connection whose blocking command timed out is not reused (issue 11).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keySlot, ownerOf, redisCli } from './helpers/cluster.mjs'
import { client, ns, seeds } from './helpers/client.mjs'

const connectionsReceived = (addr) => Number(/total_connections_received:(\d+)/.exec(redisCli(addr, 'INFO', 'stats'))[1])

test('30 BLPOPs in a loop open at most a few connections', async (t) => {
  const c = client(t)
  const key = ns('issue11-q')
  const owner = ownerOf(seeds[0], keySlot(seeds[0], key)).addr
  await c.rpush(key, ...Array.from({ length: 15 }, (_, i) => String(i)))
  // Each redis-cli call is one connection of its own: subtracted below.
  const before = connectionsReceived(owner)
  const got = []
  for (let i = 0; i < 30; i++) got.push(await c.call('BLPOP', key, '0.01'))
  const after = connectionsReceived(owner) - 1
  assert.deepEqual(
    got.slice(0, 15).map((r) => r[1]),
    Array.from({ length: 15 }, (_, i) => String(i)),
  )
  assert.deepEqual(got.slice(15), Array(15).fill(null))
  assert.ok(after - before <= 3, `${after - before} connections for 30 BLPOPs`)
})

test('a blocking command that timed out does not answer the next one', async (t) => {
  const c = client(t, { commandTimeout: 300 })
  const stale = ns('{issue11b}stale')
  const fresh = ns('{issue11b}fresh')
  const owner = ownerOf(seeds[0], keySlot(seeds[0], stale)).addr
  assert.equal(await c.call('BLPOP', stale, '0.01'), null) // a pooled blocking connection
  // The node holds every command for a second: the BLPOP's deadline (0.1 s of blocking +
  // 0.3 s) passes first; its reply (nil) comes later on its own connection, which must not
  // serve the next BLPOP.
  redisCli(owner, 'CLIENT', 'PAUSE', 1000, 'ALL')
  await assert.rejects(c.call('BLPOP', stale, '0.1'), { code: 'TIMEOUT' })
  redisCli(owner, 'LPUSH', fresh, 'v') // runs once the pause is over
  assert.deepEqual(await c.call('BLPOP', fresh, 5), [fresh, 'v'])
})
