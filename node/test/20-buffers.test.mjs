// Binary data: every byte value survives, keys may be binary, `...Buffer` methods return Buffers.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { client, ns } from './helpers/client.mjs'

const allBytes = Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256))

test('values with every byte value round-trip through getBuffer', async (t) => {
  const c = client(t)
  const k = ns('bin')
  assert.equal(await c.set(k, allBytes), 'OK')
  const got = await c.getBuffer(k)
  assert.ok(Buffer.isBuffer(got))
  assert.deepEqual(got, allBytes)
  assert.equal(await c.strlen(k), 1024)
  assert.equal(await c.getBuffer(ns('bin:missing')), null)
})

test('binary keys route like the server hashes them', async (t) => {
  const c = client(t)
  const ks = Array.from({ length: 100 }, (_, i) => Buffer.concat([Buffer.from(ns('k')), Buffer.from([0, 0xff, 0xfe, i, 13, 10])]))
  await Promise.all(ks.map((k, i) => c.set(k, Buffer.from([i, 0, 255]))))
  const got = await Promise.all(ks.map((k) => c.getBuffer(k)))
  got.forEach((v, i) => assert.deepEqual(v, Buffer.from([i, 0, 255])))
  assert.equal(c.stats().moved, 0, 'no MOVED: the client hashed the raw bytes as the server does')
  assert.equal(await c.del(ks), 100)
})

test('invalid UTF-8 read as a string becomes U+FFFD, as a Buffer stays exact', async (t) => {
  const c = client(t)
  const k = ns('badutf8')
  await c.set(k, Buffer.from([0x61, 0xff, 0x62]))
  assert.equal(await c.get(k), 'a\ufffdb')
  assert.deepEqual(await c.getBuffer(k), Buffer.from([0x61, 0xff, 0x62]))
})

test('Buffer variants of collection commands', async (t) => {
  const c = client(t)
  const h = ns('binhash')
  await c.hset(h, 'a', Buffer.from([1, 2]), 'b', Buffer.from([0]))
  const all = await c.hgetallBuffer(h)
  assert.deepEqual(Object.keys(all).sort(), ['a', 'b'])
  assert.deepEqual(all.a, Buffer.from([1, 2]))
  assert.deepEqual(await c.hgetBuffer(h, 'b'), Buffer.from([0]))
  assert.deepEqual(await c.hmgetBuffer(h, 'a', 'zz'), [Buffer.from([1, 2]), null])
  const l = ns('binlist')
  await c.rpush(l, Buffer.from([255]), Buffer.from([254]))
  assert.deepEqual(await c.lrangeBuffer(l, 0, -1), [Buffer.from([255]), Buffer.from([254])])
  const s = ns('binset')
  await c.sadd(s, Buffer.from([7, 0, 7]))
  assert.deepEqual(await c.smembersBuffer(s), [Buffer.from([7, 0, 7])])
  const k1 = ns('binm1')
  const k2 = ns('binm2')
  await c.mset(k1, Buffer.from([1]), k2, Buffer.from([2]))
  assert.deepEqual(await c.mgetBuffer(k1, ns('binm:none'), k2), [Buffer.from([1]), null, Buffer.from([2])])
  assert.deepEqual(await c.callBuffer('GET', k1), Buffer.from([1]))
  assert.deepEqual(await c.evalBuffer("return redis.call('GET', KEYS[1])", 1, k2), Buffer.from([2]))
})

test('typed arrays are sent as their bytes', async (t) => {
  const c = client(t)
  const k = ns('typed')
  await c.set(k, new Uint8Array([9, 8, 7]))
  assert.deepEqual(await c.getBuffer(k), Buffer.from([9, 8, 7]))
  await c.set(k, new Uint16Array([0x0102]))
  assert.equal((await c.getBuffer(k)).length, 2)
})

test('large values (4 MiB) in both directions', async (t) => {
  const c = client(t)
  const k = ns('large')
  const big = Buffer.alloc(4 << 20)
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff
  await c.set(k, big)
  assert.ok(big.equals(await c.getBuffer(k)), '4 MiB Buffer round-trips')
  for (const text of ['é'.repeat(300_000), 'a'.repeat(255), 'é'.repeat(127) + 'a', '😀'.repeat(1000)]) {
    await c.set(k, text)
    assert.ok((await c.get(k)) === text, `string of ${text.length} UTF-16 units round-trips`)
  }
  await c.del(k)
})
