// The process exits by itself once the client is closed or idle: no handle keeps the event
// loop alive.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ns, seeds } from './helpers/client.mjs'

const addon = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../index.js')

/** Runs `body` in a new Node process; resolves with its exit code and signal. */
function run(body, limitMs = 20_000) {
  const script = `const { Cluster } = require(${JSON.stringify(addon)});
const seeds = ${JSON.stringify(seeds)};
(async () => { ${body} })().catch((e) => { console.error(e); process.exitCode = 3 })`
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'inherit', 'inherit'] })
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal })
    })
  })
}

const k = JSON.stringify(ns('exit'))

test('exits after quit()', async () => {
  const r = await run(`const c = new Cluster(seeds); await c.set(${k}, 1); await c.get(${k}); await c.quit()`)
  assert.deepEqual([r.code, r.signal], [0, null])
})

test('exits after disconnect()', async () => {
  const r = await run(`const c = new Cluster(seeds); await c.get(${k}); c.disconnect()`)
  assert.deepEqual([r.code, r.signal], [0, null])
})

test('exits with a connected client left idle', async () => {
  const r = await run(`const c = new Cluster(seeds); await c.get(${k}); globalThis.keep = c`)
  assert.deepEqual([r.code, r.signal], [0, null])
})

test('exits with a client that never connected', async () => {
  const r = await run(`globalThis.keep = new Cluster(seeds)`)
  assert.deepEqual([r.code, r.signal], [0, null])
})

test('stays alive while commands are in flight, then exits', async () => {
  const r = await run(`const c = new Cluster(seeds, { commandTimeout: 3000 });
c.call('BLPOP', ${JSON.stringify(ns('exit:list'))}, 1).then((v) => { process.exitCode = v === null ? 7 : 4 })`)
  assert.deepEqual([r.code, r.signal], [7, null], 'the reply (null after 1 s) arrived before the process exited')
})

test('exits after a failed connection attempt', async () => {
  const r = await run(`const c = new Cluster(['127.0.0.1:1'], { connectTimeout: 300 });
await c.get('x').then(() => { process.exitCode = 5 }, (e) => { if (e.code !== 'CONNECTION') process.exitCode = 6 })`)
  assert.deepEqual([r.code, r.signal], [0, null])
})

test('exits after 10,000 commands and garbage collection of the client', async () => {
  const r = await run(`let c = new Cluster(seeds);
await Promise.all(Array.from({ length: 10000 }, (_, i) => c.set(${k} + i % 10, i)));
c = null`)
  assert.deepEqual([r.code, r.signal], [0, null])
})
