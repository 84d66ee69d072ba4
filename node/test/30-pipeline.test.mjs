// Pipelines across shards ([err, result] pairs in order, like ioredis) and single-slot MULTI.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { client, ns } from './helpers/client.mjs'

test('a pipeline spanning every shard answers in order', async (t) => {
  const c = client(t)
  const p = c.pipeline()
  for (let i = 0; i < 200; i++) p.set(ns(`pipe:${i}`), `v${i}`)
  for (let i = 0; i < 200; i++) p.get(ns(`pipe:${i}`))
  assert.equal(p.length, 400)
  const res = await p.exec()
  assert.equal(res.length, 400)
  for (let i = 0; i < 200; i++) assert.deepEqual(res[i], [null, 'OK'])
  for (let i = 0; i < 200; i++) assert.deepEqual(res[200 + i], [null, `v${i}`])
})

test('chained calls return the pipeline; errors stay in their place', async (t) => {
  const c = client(t)
  const k = ns('pipe:err')
  const res = await c.pipeline().set(k, 'text').incr(k).get(k).hgetall(ns('pipe:h')).exec()
  assert.deepEqual(res[0], [null, 'OK'])
  assert.ok(res[1][0] instanceof Error)
  assert.equal(res[1][0].code, 'ERR')
  assert.equal(res[1][1], null)
  assert.deepEqual(res[2], [null, 'text'])
  assert.deepEqual(res[3], [null, {}])
})

test('pipelines from arrays of commands, Buffer variants inside', async (t) => {
  const c = client(t)
  const k = ns('pipe:arr')
  const res = await c
    .pipeline([
      ['set', k, 1],
      ['incr', k],
    ])
    .getBuffer(k)
    .exec()
  assert.deepEqual(res, [
    [null, 'OK'],
    [null, 2],
    [null, Buffer.from('2')],
  ])
})

test('an empty pipeline resolves to []; exec() runs once', async (t) => {
  const c = client(t)
  assert.deepEqual(await c.pipeline().exec(), [])
  const p = c.pipeline().ping()
  await p.exec()
  await assert.rejects(p.exec(), { code: 'INVALID_ARGUMENT', message: /already called/ })
})

test('many pipelines and commands interleaved', async (t) => {
  const c = client(t)
  const work = []
  for (let j = 0; j < 50; j++) {
    const p = c.pipeline()
    for (let i = 0; i < 20; i++) p.set(ns(`pmix:${j}:${i}`), j * 100 + i)
    work.push(p.exec())
    work.push(c.set(ns(`pmix:${j}`), j))
  }
  await Promise.all(work)
  const check = c.pipeline()
  for (let j = 0; j < 50; j++) for (let i = 0; i < 20; i++) check.get(ns(`pmix:${j}:${i}`))
  const res = await check.exec()
  res.forEach(([err, v], n) => {
    assert.equal(err, null)
    assert.equal(v, String(Math.floor(n / 20) * 100 + (n % 20)))
  })
})

test('multi() on one slot runs the commands as a transaction', async (t) => {
  const c = client(t)
  const a = ns('{tx}a')
  const b = ns('{tx}b')
  const res = await c.multi().set(a, 1).incr(a).set(b, 'x').get(b).exec()
  assert.deepEqual(res, [
    [null, 'OK'],
    [null, 2],
    [null, 'OK'],
    [null, 'x'],
  ])
})

test('a command failing inside EXEC fails alone', async (t) => {
  const c = client(t)
  const a = ns('{tx2}a')
  const res = await c.multi().set(a, 'text').incr(a).get(a).exec()
  assert.deepEqual(res[0], [null, 'OK'])
  assert.equal(res[1][0].code, 'ERR')
  assert.deepEqual(res[2], [null, 'text'])
})

test('multi() across slots rejects with CROSSSLOT and changes nothing', async (t) => {
  const c = client(t)
  const a = ns('txa')
  const b = ns('txb')
  await assert.rejects(c.multi().set(a, 1).set(b, 2).exec(), (e) => {
    assert.equal(e.code, 'CROSSSLOT')
    assert.match(e.message, /hash tag/)
    return true
  })
  assert.equal(await c.exists(a, b), 0)
})
