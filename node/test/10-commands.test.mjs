// Commands across shards: ioredis names and argument conventions, replies as ioredis gives them.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { client, ns } from './helpers/client.mjs'

const keys = (name, n) => Array.from({ length: n }, (_, i) => ns(`${name}:${i}`))

test('connects lazily on the first command and reports its status', async (t) => {
  const c = client(t)
  assert.equal(c.status, 'wait')
  assert.equal(await c.set(ns('lazy'), 'x'), 'OK')
  assert.equal(c.status, 'ready')
  assert.equal(await c.get(ns('lazy')), 'x')
})

test('connect() resolves once the slot map is known, and at once when connected', async (t) => {
  const c = client(t)
  await c.connect()
  assert.equal(c.status, 'ready')
  await c.connect()
  assert.ok(c.stats().refreshes >= 1)
})

test('strings on keys spread over every shard', async (t) => {
  const c = client(t)
  const ks = keys('spread', 300)
  await Promise.all(ks.map((k, i) => c.set(k, `value-${i}`)))
  const got = await Promise.all(ks.map((k) => c.get(k)))
  assert.deepEqual(
    got,
    ks.map((_, i) => `value-${i}`),
  )
  assert.equal(await c.get(ns('spread:missing')), null)
  assert.equal(c.stats().moved, 0, 'the slot map routes every key straight to its primary')
})

test('set takes ioredis-style options: EX, PX, NX, XX, GET', async (t) => {
  const c = client(t)
  const k = ns('setopts')
  assert.equal(await c.set(k, 'a', 'EX', 100), 'OK')
  const ttl = await c.ttl(k)
  assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`)
  assert.equal(await c.set(k, 'b', 'NX'), null)
  assert.equal(await c.set(k, 'b', 'XX'), 'OK')
  assert.equal(await c.set(k, 'c', 'PX', 5000), 'OK')
  const pttl = await c.pttl(k)
  assert.ok(pttl > 4000 && pttl <= 5000, `pttl ${pttl}`)
  assert.equal(await c.set(k, 'd', 'GET'), 'c')
  assert.equal(await c.get(k), 'd')
  assert.equal(await c.set(ns('setopts:new'), 'e', 'XX'), null)
})

test("mget, mset, del and exists span slots and keep the caller's order", async (t) => {
  const c = client(t)
  const ks = keys('multi', 50)
  assert.equal(await c.mset(...ks.flatMap((k, i) => [k, i])), 'OK')
  assert.deepEqual(
    await c.mget(...ks),
    ks.map((_, i) => String(i)),
  )
  assert.deepEqual(await c.mget(ks.slice(0, 3)), ['0', '1', '2'], 'an array of keys works too')
  const obj = Object.fromEntries(ks.slice(0, 5).map((k) => [k, 'o']))
  assert.equal(await c.mset(obj), 'OK')
  assert.deepEqual(await c.mget(ks.slice(0, 5)), ['o', 'o', 'o', 'o', 'o'])
  assert.equal(await c.exists(ks[0], ks[1], ns('multi:missing')), 2)
  assert.equal(await c.del(ks), 50)
  assert.equal(await c.exists(ks), 0)
  assert.deepEqual(await c.mget(ks[0], ks[1]), [null, null])
})

test('numbers, bigints, Buffers, arrays, objects and Maps as arguments', async (t) => {
  const c = client(t)
  const k = ns('args')
  await c.set(k, 42)
  assert.equal(await c.get(k), '42')
  assert.equal(await c.incrby(k, 8), 50)
  assert.equal(await c.incrbyfloat(k, 0.5), '50.5')
  await c.set(k, 10n)
  assert.equal(await c.incr(k), 11)
  await c.set(k, Buffer.from('buf'))
  assert.equal(await c.get(k), 'buf')
  const h = ns('args:h')
  assert.equal(await c.hset(h, { a: 1, b: Buffer.from('two') }), 2)
  assert.equal(await c.hset(h, new Map([['c', '3']])), 1)
  assert.equal(await c.hset(h, 'd', 4, 'e', 5), 2)
  assert.deepEqual(await c.hgetall(h), { a: '1', b: 'two', c: '3', d: '4', e: '5' })
  const l = ns('args:l')
  assert.equal(await c.rpush(l, ['a', 'b'], 'c'), 3)
  assert.deepEqual(await c.lrange(l, 0, -1), ['a', 'b', 'c'])
})

test('hashes', async (t) => {
  const c = client(t)
  const h = ns('hash')
  assert.equal(await c.hset(h, 'f1', 'v1', 'f2', 'v2'), 2)
  assert.equal(await c.hget(h, 'f1'), 'v1')
  assert.equal(await c.hget(h, 'nope'), null)
  assert.deepEqual(await c.hmget(h, 'f1', 'nope', 'f2'), ['v1', null, 'v2'])
  assert.equal(await c.hexists(h, 'f2'), 1)
  assert.equal(await c.hlen(h), 2)
  assert.deepEqual((await c.hkeys(h)).sort(), ['f1', 'f2'])
  assert.deepEqual((await c.hvals(h)).sort(), ['v1', 'v2'])
  assert.equal(await c.hincrby(h, 'n', 5), 5)
  assert.equal(await c.hdel(h, 'f1', 'n'), 2)
  assert.deepEqual(await c.hgetall(h), { f2: 'v2' })
  assert.deepEqual(await c.hgetall(ns('hash:missing')), {})
})

test('lists', async (t) => {
  const c = client(t)
  const l = ns('list')
  assert.equal(await c.rpush(l, 'b', 'c'), 2)
  assert.equal(await c.lpush(l, 'a'), 3)
  assert.deepEqual(await c.lrange(l, 0, -1), ['a', 'b', 'c'])
  assert.equal(await c.llen(l), 3)
  assert.equal(await c.lindex(l, 1), 'b')
  assert.equal(await c.lpop(l), 'a')
  assert.deepEqual(await c.rpop(l, 2), ['c', 'b'])
  assert.equal(await c.lpop(l), null)
})

test('sets and sorted sets', async (t) => {
  const c = client(t)
  const s = ns('set')
  assert.equal(await c.sadd(s, 'x', 'y', 'z', 'x'), 3)
  assert.deepEqual((await c.smembers(s)).sort(), ['x', 'y', 'z'])
  assert.equal(await c.sismember(s, 'y'), 1)
  assert.equal(await c.scard(s), 3)
  assert.equal(await c.srem(s, 'x'), 1)
  const z = ns('zset')
  assert.equal(await c.zadd(z, 1, 'one', 2, 'two', 3, 'three'), 3)
  assert.deepEqual(await c.zrange(z, 0, -1), ['one', 'two', 'three'])
  assert.deepEqual(await c.zrange(z, 0, 0, 'WITHSCORES'), ['one', '1'])
  assert.equal(await c.zscore(z, 'two'), '2')
  assert.equal(await c.zrank(z, 'three'), 2)
  assert.equal(await c.zincrby(z, 10, 'one'), '11')
  assert.deepEqual(await c.zrevrange(z, 0, 0), ['one'])
  assert.deepEqual(await c.zrangebyscore(z, 2, 3), ['two', 'three'])
  assert.equal(await c.zcard(z), 3)
  assert.equal(await c.zrem(z, 'two'), 1)
})

test('expire, ttl, persist and type', async (t) => {
  const c = client(t)
  const k = ns('expire')
  await c.set(k, 'v')
  assert.equal(await c.ttl(k), -1)
  assert.equal(await c.expire(k, 100), 1)
  assert.ok((await c.ttl(k)) > 0)
  assert.equal(await c.persist(k), 1)
  assert.equal(await c.type(k), 'string')
  assert.equal(await c.ttl(ns('expire:missing')), -2)
})

test('keys, dbsize, ping, info and time fan out over the nodes', async (t) => {
  const c = client(t)
  const ks = keys('fan', 30)
  await c.mset(ks.flatMap((k) => [k, 'v']))
  const found = await c.keys(ns('fan:*'))
  assert.deepEqual(found.sort(), [...ks].sort(), 'KEYS gathers every primary')
  assert.ok((await c.dbsize()) >= 30)
  assert.equal(await c.ping(), 'PONG')
  const info = await c.info('server')
  const nodes = Object.keys(info)
  assert.ok(nodes.length >= 3, `INFO from every node: ${nodes}`)
  for (const text of Object.values(info)) assert.match(text, /redis_version/)
  const [secs, micros] = await c.time()
  assert.ok(Number(secs) > 1_600_000_000 && Number(micros) >= 0)
  assert.equal(await c.echo('hi'), 'hi')
})

test('eval routes by its keys', async (t) => {
  const c = client(t)
  const k = ns('eval')
  assert.equal(await c.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, k, 'v'), 'OK')
  assert.deepEqual(await c.eval("return {KEYS[1], ARGV[1], 7}", 1, k, 'a'), [k, 'a', 7])
  assert.equal(await c.eval("return redis.call('GET', KEYS[1])", 1, k), 'v')
})

test('call() runs any command, routed by its keys', async (t) => {
  const c = client(t)
  const k = ns('call')
  assert.equal(await c.call('SET', k, 'v'), 'OK')
  assert.equal(await c.call('get', k), 'v')
  assert.equal(await c.call('OBJECT', 'ENCODING', k), 'embstr')
  assert.deepEqual(await c.callBuffer('GET', k), Buffer.from('v'))
  assert.equal(await c.call('HSET', ns('call:h'), 'f', 1), 1)
  assert.equal(await c.call('STRLEN', k), 1)
})

test('stats() counts what the client handled', async (t) => {
  const c = client(t)
  assert.deepEqual(c.stats(), { moved: 0, ask: 0, retries: 0, refreshes: 0, reconnects: 0 })
  await c.get(ns('stats'))
  const s = c.stats()
  for (const f of ['moved', 'ask', 'retries', 'refreshes', 'reconnects']) assert.equal(typeof s[f], 'number')
  assert.ok(s.refreshes >= 1)
})
