// A scripted fake Redis Cluster node on 127.0.0.1: it owns every slot itself (it answers
// CLUSTER SHARDS and CLUSTER SLOTS about itself, unless `topology` says otherwise) and
// answers every other command from a script: exact error replies, garbage, or silence.
//
//   const node = await fakeNode((argv) => (argv[0].toUpperCase() === 'GET' ? '-MOVED 1 :0\r\n' : '+OK\r\n'))
//   ... new Cluster([node.addr]) ...
//   node.close()
//
// A script returning null sends nothing. Every command received is kept in `node.received`
// (arrays of strings, topology queries included).

import net from 'node:net'

export const NODE_ID = 'f'.repeat(40)

/** RESP2: numbers as integers, strings as bulk strings, arrays, null as a nil bulk string. */
export function encode(v) {
  if (v === null) return '$-1\r\n'
  if (typeof v === 'number') return `:${v}\r\n`
  if (typeof v === 'string') return `$${Buffer.byteLength(v)}\r\n${v}\r\n`
  if (Array.isArray(v)) return `*${v.length}\r\n${v.map(encode).join('')}`
  throw new TypeError(`cannot encode ${typeof v}`)
}

/** One CLUSTER SHARDS entry: a shard of one primary serving `lo`..`hi`. */
export function shard(lo, hi, id, host, port) {
  const node = ['id', id, 'port', port, 'ip', host, 'endpoint', host, 'role', 'master', 'replication-offset', 0, 'health', 'online']
  return ['slots', [lo, hi], 'nodes', [node]]
}

/** The default topology: this node owns every slot. */
export function selfTopology(argv, port) {
  if (argv.length < 2 || argv[0].toUpperCase() !== 'CLUSTER') return null
  const sub = argv[1].toUpperCase()
  if (sub === 'SHARDS') return encode([shard(0, 16383, NODE_ID, '127.0.0.1', port)])
  if (sub === 'SLOTS') return encode([[0, 16383, ['127.0.0.1', port, NODE_ID]]])
  return null
}

/** One RESP array of bulk strings from the front of `buf` and the rest, or null while
 * incomplete. */
function parseCommand(buf) {
  if (buf.length === 0) return null
  if (buf[0] !== 0x2a) throw new Error(`not a RESP command: ${buf.subarray(0, 20)}`)
  let end = buf.indexOf('\r\n')
  if (end < 0) return null
  const n = Number(buf.subarray(1, end))
  let pos = end + 2
  const argv = []
  for (let i = 0; i < n; i++) {
    end = buf.indexOf('\r\n', pos)
    if (end < 0) return null
    const size = Number(buf.subarray(pos + 1, end))
    const start = end + 2
    if (buf.length < start + size + 2) return null
    argv.push(buf.subarray(start, start + size).toString('latin1'))
    pos = start + size + 2
  }
  return [argv, buf.subarray(pos)]
}

/**
 * Starts a fake node answering with `script(argv)` (a string or Buffer of raw RESP, or
 * null for silence). `topology(argv, port)` answers topology queries (null: not one; the
 * default describes this node owning every slot); it may return a promise (a slow node).
 */
export async function fakeNode(script, { topology = selfTopology } = {}) {
  const sockets = new Set()
  const received = []
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    let buf = Buffer.alloc(0)
    let chain = Promise.resolve() // replies in order, even when one is slow
    s.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk])
      for (let parsed; (parsed = parseCommand(buf)); ) {
        const [argv] = parsed
        buf = parsed[1]
        received.push(argv)
        chain = chain.then(async () => {
          const port = server.address()?.port
          let out = await topology(argv, port)
          if (out === null) out = script(argv)
          if (out !== null && !s.destroyed) s.write(out)
        })
      }
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = server.address().port
  return {
    port,
    addr: `127.0.0.1:${port}`,
    received,
    /** The commands received so far named `name` (any case). */
    commands(name) {
      return received.filter((a) => a[0].toUpperCase() === name.toUpperCase())
    },
    close() {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
}

/** A seed that accepts connections and never answers; `close()` drops them. */
export async function silentSeed() {
  const sockets = new Set()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    addr: `127.0.0.1:${server.address().port}`,
    close() {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
}
