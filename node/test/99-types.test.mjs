// The generated index.d.ts matches the addon: every command method is declared, and a typed
// usage example compiles under `tsc --strict`.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { slotwise } from './helpers/client.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dts = fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8')

const declared = (iface) => {
  const body = dts.slice(dts.indexOf(`export interface ${iface}<`))
  const block = body.slice(0, body.indexOf('\n}\n'))
  return new Set([...block.matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]))
}

const ownMethods = (proto) =>
  Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, n).value === 'function')

test('every command method of Cluster and Pipeline is declared in index.d.ts, and only those', () => {
  const commands = declared('Commands')
  assert.ok(commands.size > 100, `${commands.size} commands declared`)
  const classMethods = new Set(['connect', 'quit', 'disconnect', 'stats', 'pipeline', 'multi', 'exec'])
  for (const cls of [slotwise.Cluster, slotwise.Pipeline]) {
    const methods = ownMethods(cls.prototype).filter((m) => !classMethods.has(m))
    assert.deepEqual(methods.filter((m) => !commands.has(m)), [], `${cls.name} methods missing from index.d.ts`)
    assert.deepEqual([...commands].filter((m) => !methods.includes(m)), [], `declared but not on ${cls.name}`)
  }
})

test('a typed usage example compiles with tsc --strict', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const args = [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext']
  args.push('--types', 'node', path.join(root, 'test', 'types-check.ts'))
  try {
    execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
  } catch (e) {
    assert.fail(`tsc reported errors:\n${e.stdout}${e.stderr}`)
  }
})
