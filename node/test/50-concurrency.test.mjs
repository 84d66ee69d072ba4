// Many promises at once: every one settles with its own reply.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Cluster, client, ns, seeds } from './helpers/client.mjs'

test('10,000 concurrent commands across shards', async (t) => {
  const c = client(t)
  const n = 10_000
  const sets = await Promise.all(Array.from({ length: n }, (_, i) => c.set(ns(`conc:${i}`), `v${i}`)))
  assert.ok(sets.every((r) => r === 'OK'))
  const gets = await Promise.all(Array.from({ length: n }, (_, i) => c.get(ns(`conc:${i}`))))
  gets.forEach((v, i) => assert.equal(v, `v${i}`))
})

test('10,000 commands queued before the client has connected', async () => {
  const c = new Cluster(seeds)
  assert.equal(c.status, 'wait')
  const n = 10_000
  const got = await Promise.all(Array.from({ length: n }, (_, i) => c.incr(ns(`queued:${i % 100}`))))
  assert.equal(got.length, n)
  const totals = await c.mget(Array.from({ length: 100 }, (_, i) => ns(`queued:${i}`)))
  assert.deepEqual(totals, Array(100).fill('100'))
  await c.quit()
})

test('mixed commands, pipelines and errors in flight together', async (t) => {
  const c = client(t)
  const list = ns('mixed:list')
  const ops = []
  for (let i = 0; i < 3000; i++) {
    switch (i % 4) {
      case 0:
        ops.push(c.incr(ns(`mixed:${i % 50}`)).then((v) => ['incr', typeof v]))
        break
      case 1:
        ops.push(c.rpush(list, i).then((v) => ['rpush', typeof v]))
        break
      case 2:
        ops.push(c.get(list).then(() => ['get', 'resolved'], (e) => ['get', e.code]))
        break
      default:
        ops.push(c.pipeline().set(ns(`mixed:p${i}`), i).get(ns(`mixed:p${i}`)).exec().then((r) => ['pipe', r[1][1] === String(i)]))
    }
  }
  const res = await Promise.all(ops)
  for (const [kind, what] of res) {
    if (kind === 'incr' || kind === 'rpush') assert.equal(what, 'number')
    if (kind === 'get') assert.equal(what, 'WRONGTYPE')
    if (kind === 'pipe') assert.equal(what, true)
  }
  assert.equal(await c.llen(list), 750)
})

test('many clients at once', async () => {
  const clients = Array.from({ length: 20 }, () => new Cluster(seeds))
  const res = await Promise.all(clients.map((c, i) => c.set(ns(`many:${i}`), i).then(() => c.get(ns(`many:${i}`)))))
  assert.deepEqual(
    res,
    clients.map((_, i) => String(i)),
  )
  await Promise.all(clients.map((c) => c.quit()))
})
