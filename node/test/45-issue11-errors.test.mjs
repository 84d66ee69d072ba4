// Permission errors during discovery, malformed redirects and topologies from a broken
// node, and control characters from the network in error messages (issue 11).

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { redisCli } from './helpers/cluster.mjs'
import { Cluster, cluster, seeds } from './helpers/client.mjs'
import { NODE_ID, encode, fakeNode, shard } from './helpers/fakenode.mjs'

const rejectsWith = (p, code, check) =>
  assert.rejects(p, (e) => {
    assert.ok(e instanceof Error, 'an Error')
    assert.equal(e.code, code, e.message)
    check?.(e.message)
    return true
  })

const noControlCharacters = (msg) => assert.ok(!/[\x00-\x1f\x7f]/.test(msg), JSON.stringify(msg))

describe('an ACL user without CLUSTER rights', () => {
  const user = 'issue11-nocluster'
  const pass = 'issue11-pw'
  const addrs = cluster.nodes.map((n) => n.addr)
  before(() => {
    for (const a of addrs) redisCli(a, 'ACL', 'SETUSER', user, 'on', `>${pass}`, '~*', '&*', '+@all', '-cluster')
  })
  after(() => {
    for (const a of addrs) redisCli(a, 'ACL', 'DELUSER', user)
  })

  test('gets NOPERM naming the grants discovery needs, not a password complaint', async () => {
    const c = new Cluster(seeds, { username: user, password: pass })
    await rejectsWith(c.get('k'), 'NOPERM', (msg) => {
      assert.ok(msg.includes('NOPERM') && msg.includes('+cluster|shards +cluster|slots'), msg)
      assert.ok(!msg.includes('check the username and password'), msg)
    })
    await c.quit()
  })

  test('a wrong password is still NOAUTH', async () => {
    const c = new Cluster(seeds, { username: user, password: 'nope' })
    await rejectsWith(c.get('k'), 'NOAUTH', (msg) => assert.match(msg, /check the username and password/))
    await c.quit()
  })
})

const answerGetWith = (reply) => (argv) => (argv[0].toUpperCase() === 'GET' ? reply : '+OK\r\n')

for (const redirect of ['MOVED 99999 127.0.0.1:1', 'MOVED 7629 127.0.0.1:99999', 'MOVED 7629', 'ASK 7629 :0']) {
  test(`an invalid redirect (${redirect}) is PROTOCOL, quoting it`, async (t) => {
    const node = await fakeNode(answerGetWith(`-${redirect}\r\n`))
    const c = new Cluster([node.addr], { commandTimeout: 60_000 })
    t.after(() => {
      c.disconnect()
      node.close()
    })
    await rejectsWith(c.get('k'), 'PROTOCOL', (msg) => assert.ok(msg.includes(`invalid redirect "${redirect}"`), msg))
    assert.equal(node.commands('GET').length, 1, 'neither followed nor retried')
  })
}

/** A fake node answering CLUSTER SHARDS with `shards(port)` and CLUSTER SLOTS with
 * `slots(port)`. */
const scriptedTopology = (shards, slots) =>
  fakeNode(() => '+OK\r\n', {
    topology: (argv, port) => {
      if (argv.length < 2 || argv[0].toUpperCase() !== 'CLUSTER') return null
      const sub = argv[1].toUpperCase()
      if (sub === 'SHARDS') return encode(shards(port))
      if (sub === 'SLOTS') return encode(slots(port))
      return null
    },
  })

const OTHER_ID = 'e'.repeat(40)

test('overlapping slot ranges make the view inconsistent', async (t) => {
  const node = await scriptedTopology(
    (port) => [shard(0, 10000, NODE_ID, '127.0.0.1', port), shard(5000, 16383, OTHER_ID, '127.0.0.1', 1)],
    (port) => [
      [0, 10000, ['127.0.0.1', port, NODE_ID]],
      [5000, 16383, ['127.0.0.1', 1, OTHER_ID]],
    ],
  )
  const c = new Cluster([node.addr])
  t.after(() => {
    c.disconnect()
    node.close()
  })
  await rejectsWith(c.get('k'), 'CONNECTION', (msg) => assert.ok(msg.includes('overlapping') && msg.includes('inconsistent'), msg))
})

test('a host with control characters refuses the view, and the message escapes it', async (t) => {
  const evil = 'evil\r\nFAKE LOG LINE\x1b[31m'
  const node = await scriptedTopology(
    (port) => [shard(0, 8000, NODE_ID, '127.0.0.1', port), shard(8001, 16383, OTHER_ID, evil, 7000)],
    (port) => [
      [0, 8000, ['127.0.0.1', port, NODE_ID]],
      [8001, 16383, [evil, 7000, OTHER_ID]],
    ],
  )
  const c = new Cluster([node.addr])
  t.after(() => {
    c.disconnect()
    node.close()
  })
  await rejectsWith(c.get('k'), 'CONNECTION', (msg) => {
    assert.ok(msg.includes('invalid host') && msg.includes('evil\\r\\nFAKE LOG LINE\\x1b[31m'), msg)
    noControlCharacters(msg)
  })
})

test('control characters of an error reply are escaped in the message', async (t) => {
  const node = await fakeNode(answerGetWith('-ERR evil\x1b[31m red\x07\r\n'))
  const c = new Cluster([node.addr])
  t.after(() => {
    c.disconnect()
    node.close()
  })
  await rejectsWith(c.get('k'), 'ERR', (msg) => {
    assert.ok(msg.includes('ERR evil\\x1b[31m red\\x07'), msg)
    noControlCharacters(msg)
  })
})
