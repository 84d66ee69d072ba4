// A slot moved step by step: ASK while it migrates (no slot map change), MOVED once it has
// moved, and every key readable and writable throughout.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { beginMigration, clusterNodes, keySlot, waitStable } from './helpers/cluster.mjs'
import { client, ns, seeds } from './helpers/client.mjs'

test('follows ASK during a slot migration and MOVED after it', async (t) => {
  const c = client(t)
  const tag = `{${ns('mig')}}`
  const keys = Array.from({ length: 40 }, (_, i) => `${tag}:${i}`)
  await c.mset(keys.flatMap((k, i) => [k, i]))
  const slot = keySlot(seeds[0], keys[0])
  await waitStable(seeds)
  const target = clusterNodes(seeds[0]).find((n) => n.role === 'primary' && !n.slots.some(([lo, hi]) => slot >= lo && slot <= hi))
  const m = beginMigration(seeds, slot, target.addr)
  try {
    assert.equal(m.migrate(20), 20)
    const before = c.stats()
    // Half the keys are on the target now: the source answers ASK for them.
    for (const [i, k] of keys.entries()) assert.equal(await c.get(k), String(i))
    // New keys go to the target (ASK), updates land wherever the key is.
    await c.set(`${tag}:new`, 'n')
    assert.equal(await c.incr(keys[0]), 1)
    assert.equal(await c.incr(keys[39]), 40)
    const during = c.stats()
    assert.ok(during.ask > before.ask, `ASK followed (${before.ask} -> ${during.ask})`)
    assert.equal(during.moved, before.moved, 'ASK does not change the slot map')
  } finally {
    m.finish()
  }
  await waitStable(seeds)
  const beforeMoved = c.stats().moved
  assert.equal(await c.get(`${tag}:new`), 'n')
  for (const [i, k] of keys.entries()) assert.equal(await c.get(k), String(i === 0 ? 1 : i === 39 ? 40 : i))
  assert.ok(c.stats().moved > beforeMoved, 'MOVED followed once the slot moved')
  const afterMoved = c.stats().moved
  for (const k of keys) await c.get(k)
  assert.equal(c.stats().moved, afterMoved, 'and the slot map was updated: no more MOVED')
})

test('multi-key commands and pipelines on a migrating slot still succeed', async (t) => {
  const c = client(t)
  const tag = `{${ns('mig2')}}`
  const keys = Array.from({ length: 20 }, (_, i) => `${tag}:${i}`)
  await c.mset(keys.flatMap((k) => [k, 'x']))
  const slot = keySlot(seeds[0], keys[0])
  await waitStable(seeds)
  const target = clusterNodes(seeds[0]).find((n) => n.role === 'primary' && !n.slots.some(([lo, hi]) => slot >= lo && slot <= hi))
  const m = beginMigration(seeds, slot, target.addr)
  let finished = false
  try {
    m.migrate(10)
    // MGET of keys split between source and target gets TRYAGAIN until the slot settles.
    const mget = c.mget(keys)
    const pipe = c.pipeline()
    for (const k of keys) pipe.get(k)
    const piped = pipe.exec()
    setTimeout(() => {
      m.finish()
      finished = true
    }, 300)
    assert.deepEqual(await mget, Array(20).fill('x'))
    assert.ok((await piped).every(([e, v]) => e === null && v === 'x'))
  } finally {
    if (!finished) m.finish()
  }
  await waitStable(seeds)
})
