// `npm test`: runs every test/*.test.mjs with Node's test runner, one file at a time, against
// the cluster named by SLOTWISE_CLUSTER (a `slotwise-testcluster up --json` file), or against
// a cluster started for the run and stopped afterwards.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCluster } from './helpers/cluster.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const env = { ...process.env }
let cluster = null
if (!env.SLOTWISE_CLUSTER) {
  cluster = startCluster()
  env.SLOTWISE_CLUSTER = path.join(cluster.dir, 'node-tests.json')
  fs.writeFileSync(env.SLOTWISE_CLUSTER, JSON.stringify(cluster))
}
const only = process.argv.slice(2)
const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => path.join(here, f))
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env })
cluster?.down()
process.exit(r.status ?? 1)
