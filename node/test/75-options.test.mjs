// Options that change where and how the client connects: readFrom (replica reads) and TLS.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { clusterNodes, redisCli, startCluster, waitStable } from './helpers/cluster.mjs'
import { Cluster, client, ns, seeds } from './helpers/client.mjs'

/** GET calls served by each replica so far (INFO commandstats). */
function replicaGets() {
  const replicas = clusterNodes(seeds[0]).filter((n) => n.role === 'replica' && !n.failed)
  return replicas.reduce((sum, r) => {
    const m = /cmdstat_get:calls=(\d+)/.exec(redisCli(r.addr, 'INFO', 'commandstats'))
    return sum + Number(m?.[1] ?? 0)
  }, 0)
}

test("readFrom: 'preferReplica' sends reads to replicas, 'primary' never does", async (t) => {
  await waitStable(seeds)
  const keys = Array.from({ length: 50 }, (_, i) => ns(`readfrom:${i}`))
  const primary = client(t, { readFrom: 'primary' })
  await primary.mset(keys.flatMap((k) => [k, 'v']))
  const before = replicaGets()
  for (const k of keys) await primary.get(k)
  assert.equal(replicaGets(), before, 'no GET reached a replica')
  const replica = client(t, { readFrom: 'preferReplica' })
  for (const k of keys) await replica.get(k)
  assert.equal(replicaGets() - before, keys.length, 'every GET was served by a replica')
  assert.equal(await replica.set(keys[0], 'w'), 'OK', 'writes still go to the primary')
})

test('readFrom rejects unknown policies', () => {
  assert.throws(() => new Cluster(seeds, { readFrom: 'nearest' }), { code: 'CONFIG', message: /'primary', 'preferReplica' or 'roundRobin'/ })
})

describe('a TLS cluster', () => {
  let tls
  before(() => {
    tls = startCluster(['--primaries', '3', '--replicas', '0', '--tls'])
  })
  after(() => tls.down())

  test('connects with the CA file and verifies the certificates', async () => {
    const c = new Cluster(tls.tls_seeds, { tls: { caFile: tls.ca_file } })
    assert.equal(await c.set(ns('tls'), 'secret'), 'OK')
    assert.equal(await c.get(ns('tls')), 'secret')
    const keys = Array.from({ length: 30 }, (_, i) => ns(`tls:${i}`))
    await c.mset(keys.flatMap((k) => [k, k]))
    assert.deepEqual(await c.mget(keys), keys, 'commands reach every shard over TLS')
    await c.quit()
  })

  test('without the CA the handshake fails with a clear CONNECTION error', async () => {
    const c = new Cluster(tls.tls_seeds, { tls: true, connectTimeout: 2000 })
    await assert.rejects(c.get(ns('tls')), (e) => {
      assert.equal(e.code, 'CONNECTION', e.message)
      assert.match(e.message, /certificate|TLS/i)
      return true
    })
    await c.quit()
  })
})
