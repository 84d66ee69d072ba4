// natMap mistakes: a function that throws or answers something that is not an address, and
// table entries that are not addresses, fail with code CONFIG at once, naming the announced
// address, the answer and what is wrong. Nothing is sent to an address nobody gave, and no
// exception of the function reaches the event loop.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clusterNodes } from './helpers/cluster.mjs'
import { Cluster, ns, seeds } from './helpers/client.mjs'

// Exceptions that escape into the event loop land here (and fail the test below).
const uncaught = []
process.on('uncaughtException', (e) => uncaught.push(e))

// A mistake is reported at once, well inside this request timeout (the bug was waiting it out).
const commandTimeout = 10_000
const announced = () => clusterNodes(seeds[0]).map((n) => n.addr)

/** `c.set` rejects quickly with CONFIG; returns the message. */
async function refused(c, key) {
  const started = Date.now()
  let error = null
  try {
    await c.set(ns(key), 'v')
  } catch (e) {
    error = e
  }
  const took = Date.now() - started
  assert.ok(error, 'the command was refused')
  assert.equal(error.code, 'CONFIG', error.message)
  assert.ok(took < commandTimeout / 2, `refused after ${took} ms`)
  assert.doesNotMatch(error.message, /[\x00-\x1f\x7f]/, 'control characters are escaped')
  return error.message
}

test('a natMap function that throws fails the command with CONFIG; the process runs on', async () => {
  const c = new Cluster(seeds, {
    natMap: () => {
      throw new Error('boom\x1b[31m')
    },
    commandTimeout,
  })
  const message = await refused(c, 'natthrow')
  assert.match(message, /the address map failed for 127\.0\.0\.1:\d+: the natMap function threw Error: boom\\x1b\[31m/)
  await c.quit()
  assert.deepEqual(uncaught, [])
})

test('throwing a value String() cannot convert is caught as well', async () => {
  const c = new Cluster(seeds, {
    natMap: () => {
      throw Symbol('not an error') // eslint-disable-line no-throw-literal
    },
    commandTimeout,
  })
  const message = await refused(c, 'natsymbol')
  assert.match(message, /the natMap function threw an exception that cannot be converted to a string/)
  await c.quit()
  assert.deepEqual(uncaught, [])
})

test('natMap answers that are not an address are refused, naming the answer', async () => {
  const cases = [
    [() => 42, /the natMap function returned 42; return 'host:port'/],
    [() => ({}), /returned \{ host: undefined, port: undefined \}: the host is undefined, not a string/],
    [
      () => ({ host: '127.0.0.1', port: 'abc' }),
      /returned \{ host: "127\.0\.0\.1", port: "abc" \}: the port is a string, not an integer/,
    ],
    [() => ({ port: -5 }), /returned \{ host: undefined, port: -5 \}: the host is undefined, not a string/],
    [
      () => ({ host: '127.0.0.1', port: -5 }),
      /maps 127\.0\.0\.1:\d+ to "127\.0\.0\.1:-5", which is not an address: the port "-5" is not a number from 1 to 65535/,
    ],
    [() => ({ host: '127.0.0.1', port: 7000.5 }), /port: 7000\.5 \}: the port is not an integer/],
    [(a) => a.replace(':', ' :'), /to "127\.0\.0\.1 :\d+", which is not an address: the host "127\.0\.0\.1 " contains whitespace/],
    [(a) => a.replace(':', '\x07:'), /the host "127\.0\.0\.1\\u\{7\}" contains whitespace or a control character/],
    [() => ['127.0.0.1', 7000], /returned an array, not 'host:port' or \{ host, port \}/],
  ]
  for (const [natMap, expected] of cases) {
    const c = new Cluster(seeds, { natMap, commandTimeout })
    const message = await refused(c, 'natbad')
    assert.match(message, /127\.0\.0\.1:\d+/, 'names the announced address')
    assert.match(message, expected)
    await c.quit()
  }
  assert.deepEqual(uncaught, [])
})

test('a failure is not remembered: once the function answers, commands go through', async () => {
  let broken = true
  const c = new Cluster(seeds, {
    natMap: () => {
      if (broken) throw new Error('not yet')
      return null
    },
    commandTimeout,
  })
  assert.match(await refused(c, 'natlater'), /threw Error: not yet/)
  broken = false
  await c.set(ns('natlater'), 'v')
  assert.equal(await c.get(ns('natlater')), 'v')
  await c.quit()
  assert.deepEqual(uncaught, [])
})

test('natMap table entries that are not addresses are refused when the client is built', () => {
  const [a] = announced()
  const cases = [
    [{ [a]: 42 }, /natMap\["127\.0\.0\.1:\d+"\] is 42; map it to 'host:port'/],
    [{ [a]: {} }, /natMap\["127\.0\.0\.1:\d+"\] is \{ host: undefined, port: undefined \}: the host is undefined/],
    [{ [a]: { host: '127.0.0.1', port: 'abc' } }, /port: "abc" \}: the port is a string, not an integer/],
    [{ [a]: { port: -5 } }, /\{ host: undefined, port: -5 \}: the host is undefined/],
    [{ [a]: { host: '127.0.0.1', port: -5 } }, /the reachable address "127\.0\.0\.1:-5" is not "host:port" \(the port "-5"/],
    [{ [a]: '127.0.0.1\t:7000' }, /the host "127\.0\.0\.1\\t" contains whitespace/],
    [{ [a]: null }, /is null or undefined; map it to 'host:port'/],
    [{ nowhere: '127.0.0.1:7000' }, /the announced address "nowhere" is not "host:port"/],
  ]
  for (const [natMap, expected] of cases) {
    assert.throws(
      () => new Cluster(seeds, { natMap }),
      (e) => e.code === 'CONFIG' && expected.test(e.message) && !/[\x00-\x1f]/.test(e.message),
    )
  }
})
