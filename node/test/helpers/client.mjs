// The addon and the shared cluster, for the tests.

import { createRequire } from 'node:module'
import { sharedCluster } from './cluster.mjs'

const require = createRequire(import.meta.url)
export const slotwise = require('../../index.js')
export const { Cluster } = slotwise
export const cluster = sharedCluster()
export const seeds = cluster.seeds

/** A client of the shared cluster; `t.after` quits it. */
export function client(t, options) {
  const c = new Cluster(seeds, options)
  t.after(() => c.quit())
  return c
}

/** A key prefix unique to this test run, so tests never see each other's data. */
export const ns = (name) => `t${process.pid}:${name}`
