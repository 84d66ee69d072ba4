// Compiled by 99-types.test.mjs with `tsc --strict --noEmit`: the generated index.d.ts
// describes the API as ioredis users write it.

import { Cluster, type ClusterOptions, type ClusterStats, type Pipeline } from '../index.js'

async function usage(): Promise<void> {
  const options: ClusterOptions = {
    password: 'secret',
    readFrom: 'preferReplica',
    natMap: { '10.0.0.1:7000': { host: '127.0.0.1', port: 7000 }, '10.0.0.2:7000': '127.0.0.1:7001' },
    connectTimeout: 1000,
    commandTimeout: 2000,
    maxRedirections: 8,
    tls: { caFile: '/etc/ca.pem' },
  }
  const cluster = new Cluster([{ host: '127.0.0.1', port: 7000 }, '127.0.0.1:7001', 7002], options)
  const viaFunction = new Cluster(['127.0.0.1:7000'], { natMap: (addr: string) => (addr.startsWith('10.') ? null : addr) })
  await cluster.connect()
  const ok: string | null = await cluster.set('k', 'v', 'EX', 10, 'NX')
  const v: string | null = await cluster.get('k')
  const b: Buffer | null = await cluster.getBuffer(Buffer.from([1, 2]))
  const many: Array<string | null> = await cluster.mget('a', 'b', ['c'])
  const n: number = await cluster.del('a', 'b')
  const h: Record<string, string> = await cluster.hgetall('h')
  const hb: Record<string, Buffer> = await cluster.hgetallBuffer('h')
  const z: string[] = await cluster.zrange('z', 0, -1, 'WITHSCORES')
  const anything: unknown = await cluster.call('OBJECT', 'ENCODING', 'k')
  const info: Record<string, string> = await cluster.info()
  const p: Pipeline = cluster.pipeline().set('a', 1).get('a').hset('h', { f: 1 })
  const results: Array<[Error | null, any]> = await p.exec()
  const m = cluster.multi([['set', '{t}a', 1]]).incr('{t}a')
  await m.exec()
  const s: ClusterStats = cluster.stats()
  const status: 'wait' | 'connecting' | 'ready' | 'end' = cluster.status
  const quit: 'OK' = await cluster.quit()
  viaFunction.disconnect()
  void [ok, v, b, many, n, h, hb, z, anything, info, results, s, status, quit]
}

void usage
