// Errors are `Error`s with a stable `code` and a message that says what to do.

import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, test } from 'node:test'
import { clusterNodes, keySlot, ownerOf, redisCli, startCluster } from './helpers/cluster.mjs'
import { Cluster, client, ns, seeds } from './helpers/client.mjs'

const rejectsWith = (p, code, message) =>
  assert.rejects(p, (e) => {
    assert.ok(e instanceof Error, 'an Error')
    assert.equal(e.code, code, e.message)
    if (message) assert.match(e.message, message)
    return true
  })

test('CROSSSLOT: keys of one command or transaction in different slots', async (t) => {
  const c = client(t)
  await rejectsWith(c.sinter(ns('a'), ns('b')), 'CROSSSLOT', /hash tag/)
  await rejectsWith(c.multi().set(ns('a'), 1).get(ns('b')).exec(), 'CROSSSLOT', /"\{user42\}:name"/)
})

test("error replies keep the server's code", async (t) => {
  const c = client(t)
  const k = ns('wrongtype')
  await c.lpush(k, 'x')
  await rejectsWith(c.get(k), 'WRONGTYPE', /WRONGTYPE Operation against a key holding the wrong kind of value/)
  await rejectsWith(c.call('NOSUCHCOMMAND', k), 'ERR', /unknown command/)
})

test('CONNECTION: no startup node reachable', async () => {
  const c = new Cluster(['127.0.0.1:1', { host: '127.0.0.1', port: 2 }], { connectTimeout: 500 })
  await rejectsWith(c.connect(), 'CONNECTION', /127\.0\.0\.1:1.*127\.0\.0\.1:2.*check the seed addresses/s)
  assert.equal(c.status, 'wait', 'a failed attempt leaves the client ready to try again')
  await rejectsWith(c.get('k'), 'CONNECTION')
  await c.quit()
})

test('TIMEOUT: a command that outlives commandTimeout', async (t) => {
  // The key's owner is mapped to a socket that accepts connections and never answers.
  // (A BLPOP would not do: blocking commands get their own wait on top of the timeout.)
  const accepted = new Set()
  const hole = net.createServer((s) => accepted.add(s))
  await new Promise((resolve) => hole.listen(0, '127.0.0.1', resolve))
  const key = ns('never')
  const owner = ownerOf(seeds[0], keySlot(seeds[0], key)).addr
  const natMap = { [owner]: { host: '127.0.0.1', port: hole.address().port } }
  const c = new Cluster(seeds.filter((s) => s !== owner), { commandTimeout: 200, natMap })
  t.after(() => {
    c.disconnect()
    for (const s of accepted) s.destroy()
    hole.close()
  })
  await rejectsWith(c.get(key), 'TIMEOUT', /raise the request timeout/)
})

test('blocking commands wait their own timeout past commandTimeout', async (t) => {
  const c = client(t, { commandTimeout: 200 })
  assert.equal(await c.call('BLPOP', ns('never-pushed'), 1), null)
})

test('REDIRECT_BUDGET: more redirects than maxRedirections allows', async (t) => {
  const c = client(t, { maxRedirections: 0 })
  await c.connect()
  const key = ns('{budget}k')
  const slot = keySlot(seeds[0], key)
  const source = ownerOf(seeds[0], slot)
  const target = clusterNodes(seeds[0]).find((n) => n.role === 'primary' && n.id !== source.id)
  redisCli(target.addr, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id)
  redisCli(source.addr, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id)
  try {
    await rejectsWith(c.get(key), 'REDIRECT_BUDGET', /raise the redirect budget/)
  } finally {
    redisCli(target.addr, 'CLUSTER', 'SETSLOT', slot, 'STABLE')
    redisCli(source.addr, 'CLUSTER', 'SETSLOT', slot, 'STABLE')
  }
  assert.equal(await c.get(key), null)
})

test('CLOSED: commands after quit() or disconnect()', async () => {
  const c = new Cluster(seeds)
  await c.set(ns('closed'), 1)
  assert.equal(await c.quit(), 'OK')
  assert.equal(c.status, 'end')
  await rejectsWith(c.get(ns('closed')), 'CLOSED', /closed/)
  await rejectsWith(c.pipeline().get(ns('closed')).exec(), 'CLOSED')
  assert.equal(await c.quit(), 'OK', 'quit() twice is harmless')
  const d = new Cluster(seeds)
  await d.get(ns('closed'))
  d.disconnect()
  assert.equal(d.status, 'end')
  await rejectsWith(d.get(ns('closed')), 'CLOSED')
})

test('INVALID_ARGUMENT: arguments that cannot be sent', async (t) => {
  const c = client(t)
  await assert.rejects(c.set(ns('sym'), Symbol('x')), { name: 'TypeError', code: 'INVALID_ARGUMENT', message: /argument 2 is a Symbol/ })
  await assert.rejects(c.call(), { code: 'INVALID_ARGUMENT', message: /command name/ })
  assert.throws(() => c.pipeline().set(ns('fn'), () => 1), { code: 'INVALID_ARGUMENT' })
  assert.throws(() => Cluster.prototype.get.call({}, 'k'), { code: 'INVALID_ARGUMENT', message: /not a Cluster/ })
})

test('CONFIG: bad startup nodes or options', () => {
  assert.throws(() => new Cluster([]), { code: 'CONFIG', message: /no startup nodes/ })
  assert.throws(() => new Cluster(['nohost']), { code: 'CONFIG', message: /host:port/ })
  assert.throws(() => new Cluster(seeds, { username: 'u' }), { code: 'CONFIG', message: /password/ })
  assert.throws(() => new Cluster(seeds, { natMap: 5 }), { code: 'CONFIG', message: /natMap/ })
  assert.throws(() => new Cluster(seeds, { natMap: { 'a:1': 7 } }), { code: 'CONFIG', message: /natMap/ })
  assert.throws(() => new Cluster('127.0.0.1:7000'), { code: 'CONFIG', message: /must be an array/ })
  assert.throws(() => new Cluster([{ port: 'x' }]), { code: 'CONFIG', message: /host, port/ })
  assert.throws(() => new Cluster(seeds, 5), { code: 'CONFIG', message: /options must be an object/ })
  assert.throws(() => new Cluster(seeds, { connectTimeout: 'soon' }), { code: 'CONFIG', message: /connectTimeout/ })
  assert.throws(() => new Cluster(seeds, { commandTimeout: 0 }), { code: 'CONFIG', message: /at least 1/ })
})

describe('a cluster that requires a password', () => {
  let secured
  before(() => {
    secured = startCluster(['--primaries', '3', '--replicas', '0', '--password', 's3cret', '--acl-user', 'alice:wonder'])
    process.env.REDISCLI_AUTH = 's3cret' // for the redis-cli calls of the helpers
  })
  after(() => {
    delete process.env.REDISCLI_AUTH
    secured.down()
  })

  test('NOAUTH: no password, or a wrong one', async () => {
    const none = new Cluster(secured.seeds)
    await rejectsWith(none.get('k'), 'NOAUTH', /check the username and password/)
    await none.quit()
    const wrong = new Cluster(secured.seeds, { password: 'nope' })
    await rejectsWith(wrong.get('k'), 'NOAUTH')
    await wrong.quit()
  })

  test('the password, or an ACL user, authenticates', async () => {
    const ok = new Cluster(secured.seeds, { password: 's3cret' })
    assert.equal(await ok.set('k', 'v'), 'OK')
    await ok.quit()
    const alice = new Cluster(secured.seeds, { username: 'alice', password: 'wonder' })
    assert.equal(await alice.get('k'), 'v')
    await alice.quit()
    const nested = new Cluster(secured.seeds, { redisOptions: { password: 's3cret' } })
    assert.equal(await nested.get('k'), 'v')
    await nested.quit()
  })

  test('CLUSTERDOWN: a slot nobody serves, once retries are spent', async () => {
    const c = new Cluster(secured.seeds, { password: 's3cret', maxRetries: 2, commandTimeout: 5000 })
    const key = 'downkey'
    await c.set(key, 1)
    const slot = keySlot(secured.seeds[0], key)
    const owner = ownerOf(secured.seeds[0], slot)
    redisCli(owner.addr, 'CLUSTER', 'DELSLOTS', slot)
    try {
      await rejectsWith(c.get(key), 'CLUSTERDOWN', /CLUSTERDOWN Hash slot not served/)
    } finally {
      redisCli(owner.addr, 'CLUSTER', 'ADDSLOTS', slot)
    }
    await c.quit()
  })
})
