// A seed that accepts connections and never answers: every command fails by its own
// deadline, and the message states the time it took and the timeouts in force (issue 11).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Cluster } from './helpers/client.mjs'
import { encode, fakeNode, selfTopology, silentSeed } from './helpers/fakenode.mjs'

/** Scheduling noise allowed past a deadline, in ms. */
const NOISE = 400

/** Runs `p` and returns [the error it rejected with, ms it took]. */
async function failure(p) {
  const started = performance.now()
  try {
    await p
  } catch (e) {
    return [e, performance.now() - started]
  }
  assert.fail('expected a rejection')
}

function statesTheTimeouts(e, request, connect) {
  assert.ok(e.message.includes(`request timeout ${request}, connect timeout ${connect}`), e.message)
  assert.ok(!e.message.includes('0ns'), e.message)
}

for (const [connectTimeout, commandTimeout, request, connect] of [
  [500, 1000, '1s', '500ms'],
  [1000, 2000, '2s', '1s'],
]) {
  test(`a silent seed (connectTimeout ${connectTimeout}, commandTimeout ${commandTimeout}): the command fails by its deadline`, async (t) => {
    const seed = await silentSeed()
    const c = new Cluster([seed.addr], { connectTimeout, commandTimeout })
    t.after(() => {
      c.disconnect()
      seed.close()
    })
    const [e, ms] = await failure(c.get('k'))
    assert.ok(ms < commandTimeout + NOISE, `${ms} ms`)
    statesTheTimeouts(e, request, connect)
  })
}

test('commands queued while connecting fail at their own deadline when connecting takes longer', async (t) => {
  const seed = await silentSeed()
  const c = new Cluster([seed.addr], { connectTimeout: 5000, commandTimeout: 1000 })
  t.after(() => {
    c.disconnect()
    seed.close()
  })
  const started = performance.now()
  const got = await Promise.allSettled([c.get('k'), c.pipeline().set('k', 1).get('k').exec(), c.call('BLPOP', 'q', '0.5')])
  const ms = performance.now() - started
  // The BLPOP may block 0.5 s on the server: its deadline is that much later.
  assert.ok(ms < 1500 + NOISE, `${ms} ms`)
  for (const r of got) {
    assert.equal(r.status, 'rejected')
    const e = r.reason
    assert.equal(e.code, 'TIMEOUT', e.message)
    assert.match(e.message, /^request timed out after /)
    statesTheTimeouts(e, '1s', '5s')
    assert.ok(e.message.includes(seed.addr) && e.message.includes('still discovering the cluster'), e.message)
  }
  assert.equal(c.status, 'connecting', 'the connect goes on')
})

test('the connect goes on for later commands after one timed out waiting for it', async (t) => {
  // The node answers topology queries 1.5 s late: the first command's deadline (1 s)
  // passes while connecting; the same connect then serves the next one.
  const slow = (argv, port) => {
    const out = selfTopology(argv, port)
    return out === null ? null : new Promise((resolve) => setTimeout(() => resolve(out), 1500))
  }
  const node = await fakeNode((argv) => (argv[0].toUpperCase() === 'GET' ? encode('v') : '+OK\r\n'), { topology: slow })
  const c = new Cluster([node.addr], { connectTimeout: 5000, commandTimeout: 1000 })
  t.after(() => {
    c.disconnect()
    node.close()
  })
  const [e, ms] = await failure(c.get('k'))
  assert.equal(e.code, 'TIMEOUT', e.message)
  assert.ok(ms < 1000 + NOISE, `${ms} ms`)
  assert.equal(await c.get('k'), 'v')
  assert.equal(node.commands('CLUSTER').length, 1, 'one connect served both')
  assert.equal(await c.get('k'), 'v')
})
