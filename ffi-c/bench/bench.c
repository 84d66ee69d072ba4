/*
 * bench.c: libslotwise beside its C peers on one cluster, in one run.
 *
 * Workload (as the router benchmark): N SETs of key:<i> with 16-byte values, then N GETs;
 * sequential (one command at a time) and pipelined (batches of 64). For each client: ops/s
 * and client CPU microseconds per operation (user + system time of this process, all its
 * threads, or of the redis-benchmark child).
 *
 *   slotwise   libslotwise through its public C API (argv commands, pipelines); pipelined
 *              from one thread, and from THREADS threads sharing one client (each with its
 *              own pipeline and share of the keys)
 *   hiredis    one connection per primary, each key sent straight to its owning node (the
 *              slot of every key and its node are computed before timing); pipelined, every
 *              node's share of a batch is written before any reply is read: the no-routing
 *              floor of a C client
 *   redis-benchmark --cluster -P 16: pipelined throughput of the reference tool, with its
 *              default 50 connections, so 800 commands in flight; RB_MIN requests per test
 *              (or N if more), because its rate includes its start-up and a short run
 *              understates it (SET, its first test, by up to half at 100,000 requests)
 *
 * One thread with one pipeline in flight waits a round trip per batch, whatever the client
 * does; the threaded row is the like-for-like comparison with redis-benchmark's many
 * connections.
 *
 * The machine is shared (2 cores, six redis-servers, maybe other jobs): slotwise and hiredis
 * take turns every CHUNK keys within a round, redis-benchmark and the threaded run go
 * between them in each pipelined round, and each row is the fastest of ROUNDS rounds (its
 * ops/s and its CPU per op both from that round).
 *
 * usage: bench_c SEED N REDIS_BENCHMARK SUMMARY_MD
 */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "slotwise.h"

extern char **environ;

/* CHUNK: keys per turn when two clients take turns (a multiple of BATCH). */
enum { BATCH = 64, CHUNK = 64 * BATCH, ROUNDS = 3, VALUE_LEN = 16, THREADS = 4 };

/* Requests per redis-benchmark test, at least. */
static const long RB_MIN = 1000000;

struct sample {
  double seconds, cpu; /* wall and CPU seconds */
  long ops;
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

static double cpu_self(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

static void die(const char *what, const char *why) {
  fprintf(stderr, "bench: %s: %s\n", what, why);
  exit(1);
}

/* The keys, their lengths and the value, built once. */
static long n_keys;
static char **keys;
static size_t *key_lens;
static const char value[VALUE_LEN + 1] = "0123456789abcdef";

/* ---- slotwise ---- */

static slotwise_client *sw;

static slotwise_pipeline *swp;

static void sw_sequential(int get, long from, long to) {
  for (long i = from; i < to; i++) {
    const char *argv[3] = {get ? "GET" : "SET", keys[i], value};
    size_t lens[3] = {3, key_lens[i], VALUE_LEN};
    slotwise_reply *r = NULL;
    if (slotwise_client_command_argv(sw, get ? 2 : 3, argv, lens, &r) != SLOTWISE_RESULT_OK)
      die("slotwise command", slotwise_last_error());
    if (r->type == SLOTWISE_REPLY_TYPE_NIL) die("slotwise GET", "nil");
    slotwise_reply_free(r);
  }
}

/* Pipelines of BATCH on keys [from, to) through pipeline `p`. */
static void sw_pipelined_with(slotwise_pipeline *p, int get, long from, long to) {
  for (long i = from; i < to; i += BATCH) {
    long end = i + BATCH < to ? i + BATCH : to;
    slotwise_pipeline_clear(p);
    for (long k = i; k < end; k++) {
      const char *argv[3] = {get ? "GET" : "SET", keys[k], value};
      size_t lens[3] = {3, key_lens[k], VALUE_LEN};
      slotwise_pipeline_append_argv(p, get ? 2 : 3, argv, lens);
    }
    slotwise_reply *r = NULL;
    if (slotwise_client_run_pipeline(sw, p, &r) != SLOTWISE_RESULT_OK)
      die("slotwise pipeline", slotwise_last_error());
    for (size_t e = 0; e < r->elements; e++) {
      if (r->element[e]->type == SLOTWISE_REPLY_TYPE_ERROR) die("slotwise pipeline", r->element[e]->str);
      if (get && r->element[e]->type == SLOTWISE_REPLY_TYPE_NIL) die("slotwise pipeline GET", "nil");
    }
    slotwise_reply_free(r);
  }
}

static void sw_pipelined(int get, long from, long to) { sw_pipelined_with(swp, get, from, to); }

/* ---- slotwise, THREADS threads sharing the client ---- */

struct share {
  int get;
  long from, to;
};

static void *sw_thread(void *arg) {
  struct share *s = arg;
  slotwise_pipeline *p = slotwise_pipeline_new();
  if (p == NULL) die("slotwise_pipeline_new", "NULL");
  sw_pipelined_with(p, s->get, s->from, s->to);
  slotwise_pipeline_free(p);
  return NULL;
}

/* Every key SET, then every key GET, by THREADS threads each taking an equal share. */
static void sw_threaded(struct sample *s) {
  for (int get = 0; get < 2; get++) {
    pthread_t t[THREADS];
    struct share part[THREADS];
    double t0 = now(), c0 = cpu_self();
    for (int i = 0; i < THREADS; i++) {
      part[i] = (struct share){get, n_keys * i / THREADS, n_keys * (i + 1) / THREADS};
      if (pthread_create(&t[i], NULL, sw_thread, &part[i]) != 0) die("pthread_create", "failed");
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    s->seconds += now() - t0;
    s->cpu += cpu_self() - c0;
    s->ops += n_keys;
  }
}

/* ---- hiredis, straight to each key's primary ---- */

enum { MAX_NODES = 16 };
static redisContext *nodes[MAX_NODES];
static char node_addr[MAX_NODES][64];
static int n_nodes;
static unsigned char *key_node; /* index into nodes[] for each key */

static int node_index(const char *host, long port) {
  char addr[64];
  snprintf(addr, sizeof addr, "%s:%ld", host, port);
  for (int i = 0; i < n_nodes; i++)
    if (strcmp(node_addr[i], addr) == 0) return i;
  if (n_nodes == MAX_NODES) die("hiredis", "too many nodes");
  redisContext *c = redisConnect(host, (int)port);
  if (c == NULL || c->err) die("hiredis connect", c ? c->errstr : "out of memory");
  snprintf(node_addr[n_nodes], sizeof node_addr[n_nodes], "%s", addr);
  nodes[n_nodes] = c;
  return n_nodes++;
}

/* Maps every key to the primary serving its slot (CLUSTER SLOTS from the seed). */
static void hiredis_setup(const char *seed) {
  char host[64];
  snprintf(host, sizeof host, "%s", seed);
  char *colon = strrchr(host, ':');
  if (colon == NULL) die("seed", seed);
  *colon = '\0';
  redisContext *c = redisConnect(host, atoi(colon + 1));
  if (c == NULL || c->err) die("hiredis connect", c ? c->errstr : "out of memory");
  redisReply *slots = redisCommand(c, "CLUSTER SLOTS");
  if (slots == NULL || slots->type != REDIS_REPLY_ARRAY) die("CLUSTER SLOTS", c->errstr);
  static signed char owner[16384];
  memset(owner, -1, sizeof owner);
  for (size_t i = 0; i < slots->elements; i++) {
    redisReply *range = slots->element[i];
    redisReply *primary = range->element[2];
    int n = node_index(primary->element[0]->str, (long)primary->element[1]->integer);
    for (long long s = range->element[0]->integer; s <= range->element[1]->integer; s++)
      owner[s] = (signed char)n;
  }
  freeReplyObject(slots);
  redisFree(c);
  key_node = malloc((size_t)n_keys);
  for (long i = 0; i < n_keys; i++) {
    uint16_t slot;
    slotwise_key_slot(keys[i], key_lens[i], &slot);
    if (owner[slot] < 0) die("CLUSTER SLOTS", "a slot has no owner");
    key_node[i] = (unsigned char)owner[slot];
  }
}

static void hiredis_check(redisReply *r, redisContext *c) {
  if (r == NULL) die("hiredis", c->errstr);
  if (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_NIL) die("hiredis reply", r->str ? r->str : "nil");
  freeReplyObject(r);
}

static void hiredis_sequential(int get, long from, long to) {
  for (long i = from; i < to; i++) {
    redisContext *c = nodes[key_node[i]];
    const char *argv[3] = {get ? "GET" : "SET", keys[i], value};
    size_t lens[3] = {3, key_lens[i], VALUE_LEN};
    hiredis_check(redisCommandArgv(c, get ? 2 : 3, argv, lens), c);
  }
}

/* Appends each key of the batch to its node's context, writes every node's batch, then reads
 * the replies. redisGetReply writes only its own context's buffer, so reading node by node
 * would leave node n's batch unsent until node n-1's replies were in: writing them all first
 * puts every batch in flight at once, one round trip per batch, as slotwise does. */
static void hiredis_pipelined(int get, long from, long to) {
  for (long i = from; i < to; i += BATCH) {
    long end = i + BATCH < to ? i + BATCH : to;
    int pending[MAX_NODES] = {0};
    for (long k = i; k < end; k++) {
      const char *argv[3] = {get ? "GET" : "SET", keys[k], value};
      size_t lens[3] = {3, key_lens[k], VALUE_LEN};
      redisContext *c = nodes[key_node[k]];
      if (redisAppendCommandArgv(c, get ? 2 : 3, argv, lens) != REDIS_OK) die("hiredis append", c->errstr);
      pending[key_node[k]]++;
    }
    for (int n = 0; n < n_nodes; n++) {
      int done = pending[n] == 0;
      while (!done)
        if (redisBufferWrite(nodes[n], &done) != REDIS_OK) die("hiredis write", nodes[n]->errstr);
    }
    for (int n = 0; n < n_nodes; n++) {
      for (int k = 0; k < pending[n]; k++) {
        void *r = NULL;
        if (redisGetReply(nodes[n], &r) != REDIS_OK) die("hiredis", nodes[n]->errstr);
        hiredis_check(r, nodes[n]);
      }
    }
  }
}

/* ---- measuring ---- */

typedef void (*phase_fn)(int get, long from, long to);

/* Runs `f` on keys [from, to) and adds its wall and CPU time to `s`. */
static void timed(phase_fn f, int get, long from, long to, struct sample *s) {
  double t0 = now(), c0 = cpu_self();
  f(get, from, to);
  s->seconds += now() - t0;
  s->cpu += cpu_self() - c0;
  s->ops += to - from;
}

/* One round: both clients SET every key, then GET every key, taking turns every CHUNK keys
 * (and swapping who goes first each time), so that both meet the same machine load; a
 * change of load mid-run weighs on both alike. */
static void interleaved(phase_fn a, phase_fn b, struct sample *sa, struct sample *sb) {
  for (int get = 0; get < 2; get++) {
    for (long from = 0, k = 0; from < n_keys; from += CHUNK, k++) {
      long to = from + CHUNK < n_keys ? from + CHUNK : n_keys;
      if (k % 2 == 0) {
        timed(a, get, from, to, sa);
        timed(b, get, from, to, sb);
      } else {
        timed(b, get, from, to, sb);
        timed(a, get, from, to, sa);
      }
    }
  }
}

/* Keeps the round with the least wall time, whole: its rate and its CPU per op come from
 * the same run, so the two figures of a row describe one measurement. (Noise on a shared
 * machine only ever adds time; the fastest round is the one it disturbed least.) */
static void keep_best(struct sample *b, struct sample s) {
  if (b->ops == 0 || s.seconds / s.ops < b->seconds / b->ops) *b = s;
}

/* ROUNDS interleaved rounds of two clients; the best round of each. */
static void best_of_pair(phase_fn a, phase_fn b, struct sample *out_a, struct sample *out_b) {
  struct sample none = {0, 0, 0};
  *out_a = *out_b = none;
  for (int r = 0; r < ROUNDS; r++) {
    struct sample sa = none, sb = none;
    interleaved(a, b, &sa, &sb);
    keep_best(out_a, sa);
    keep_best(out_b, sb);
  }
}

/* redis-benchmark --cluster -P 16 -t set,get: throughput from its CSV output, CPU from
 * the child's rusage. */
static struct sample redis_benchmark(const char *tool, const char *seed, int pipeline) {
  char host[64], port[16], n[32], r[32], p[16];
  snprintf(host, sizeof host, "%s", seed);
  char *colon = strrchr(host, ':');
  *colon = '\0';
  snprintf(port, sizeof port, "%s", colon + 1);
  long requests = n_keys > RB_MIN ? n_keys : RB_MIN;
  snprintf(n, sizeof n, "%ld", requests);
  snprintf(r, sizeof r, "%ld", n_keys);
  snprintf(p, sizeof p, "%d", pipeline);
  char *argv[] = {(char *)tool, "-h", host, "-p", port, "--cluster", "-t", "set,get", "-n", n,
                  "-r", r, "-d", "16", "-P", p, "--csv", NULL};
  int fds[2];
  if (pipe(fds) != 0) die("pipe", "failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid;
  double t0 = now();
  if (posix_spawn(&pid, tool, &fa, NULL, argv, environ) != 0) die("spawn", tool);
  close(fds[1]);
  char out[8192];
  size_t len = 0;
  ssize_t got;
  while ((got = read(fds[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)got;
  out[len] = '\0';
  close(fds[0]);
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("redis-benchmark", out);
  double wall = now() - t0;
  /* CSV lines: "SET","123456.78",... and "GET",... : ops/s of each test. */
  double set_rps = 0, get_rps = 0;
  for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, "\"SET\",\"", 7) == 0) set_rps = atof(line + 7);
    if (strncmp(line, "\"GET\",\"", 7) == 0) get_rps = atof(line + 7);
  }
  if (set_rps <= 0 || get_rps <= 0) die("redis-benchmark output", out);
  struct sample s;
  s.ops = 2 * requests;
  s.seconds = requests / set_rps + requests / get_rps; /* time spent in the two tests */
  s.cpu = tv(ru.ru_utime) + tv(ru.ru_stime);
  (void)wall;
  return s;
}

static double rate(struct sample s) { return s.ops / s.seconds; }
static double us_per_op(struct sample s) { return 1e6 * s.cpu / s.ops; }

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s SEED N REDIS_BENCHMARK SUMMARY_MD\n", argv[0]);
    return 2;
  }
  const char *seed = argv[1];
  n_keys = atol(argv[2]);
  keys = malloc(sizeof *keys * (size_t)n_keys);
  key_lens = malloc(sizeof *key_lens * (size_t)n_keys);
  for (long i = 0; i < n_keys; i++) {
    char buf[32];
    int len = snprintf(buf, sizeof buf, "key:%ld", i);
    keys[i] = strdup(buf);
    key_lens[i] = (size_t)len;
  }

  slotwise_options *o = slotwise_options_new();
  slotwise_options_add_seed(o, seed);
  if (slotwise_client_connect(o, &sw) != SLOTWISE_RESULT_OK) die("connect", slotwise_last_error());
  slotwise_options_free(o);
  hiredis_setup(seed);

  /* Warm up: connections, caches, the keys exist for every GET. */
  swp = slotwise_pipeline_new();
  sw_pipelined(0, 0, n_keys);
  hiredis_sequential(0, 0, n_keys);

  struct sample sw_seq, hi_seq, sw_pipe, hi_pipe, sw_mt, rb16 = {0, 0, 0};
  best_of_pair(sw_sequential, hiredis_sequential, &sw_seq, &hi_seq);
  /* Pipelined: each round runs slotwise and hiredis (taking turns), the threaded slotwise
   * run and redis-benchmark, these two swapping places from round to round. */
  struct sample none = {0, 0, 0};
  sw_pipe = hi_pipe = sw_mt = none;
  for (int r = 0; r < ROUNDS; r++) {
    struct sample sa = none, sb = none, st = none;
    if (r % 2 == 1) keep_best(&rb16, redis_benchmark(argv[3], seed, 16));
    else sw_threaded(&st);
    interleaved(sw_pipelined, hiredis_pipelined, &sa, &sb);
    if (r % 2 == 0) keep_best(&rb16, redis_benchmark(argv[3], seed, 16));
    else sw_threaded(&st);
    keep_best(&sw_pipe, sa);
    keep_best(&hi_pipe, sb);
    keep_best(&sw_mt, st);
  }

  char table[4096];
  int t = 0;
  t += snprintf(table + t, sizeof table - t,
                "| workload (%ld SET + %ld GET, 16-byte values) | client | ops/s | client CPU us/op |\n"
                "|---|---|---:|---:|\n",
                n_keys, n_keys);
#define ROW(w, c, s)                                                                       \
  t += snprintf(table + t, sizeof table - t, "| %s | %s | %.0f | %.2f |\n", w, c, rate(s), \
                us_per_op(s))
  ROW("sequential", "slotwise (libslotwise)", sw_seq);
  ROW("sequential", "hiredis, direct to owner", hi_seq);
  ROW("pipelined, 64 per batch, 1 thread", "slotwise (libslotwise)", sw_pipe);
  ROW("pipelined, 64 per batch, 1 thread", "hiredis, direct to owner", hi_pipe);
  char mt_workload[64];
  snprintf(mt_workload, sizeof mt_workload, "pipelined, 64 per batch, %d threads", THREADS);
  ROW(mt_workload, "slotwise (one shared client)", sw_mt);
  ROW("pipelined, -P 16, 50 connections", "redis-benchmark --cluster", rb16);
  t += snprintf(table + t, sizeof table - t,
                "\n(fastest of %d rounds, ops/s and CPU from the same round; in each, slotwise "
                "and hiredis take turns every %d keys; redis-benchmark runs %ld requests per "
                "test; CPU = user + system time of this process, or of the redis-benchmark "
                "child)\n",
                ROUNDS, CHUNK, n_keys > RB_MIN ? n_keys : RB_MIN);

  double seq_cpu_ratio = us_per_op(sw_seq) / us_per_op(hi_seq);
  double mt_rate_ratio = rate(sw_mt) / rate(rb16);
  char verdict[2048];
  snprintf(verdict, sizeof verdict,
           "\nRatios:\n"
           "- sequential, client CPU per op, slotwise / hiredis: %.2fx (target <= 1.2x: %s); "
           "throughput %.2fx\n"
           "- pipelined (1 thread), client CPU per op, slotwise / hiredis: %.2fx; throughput "
           "%.2fx\n"
           "- pipelined throughput, slotwise (%d threads, 64 per batch) / redis-benchmark "
           "--cluster -P 16: %.2fx (target >= 0.9x: %s); client CPU per op %.2fx\n"
           "- pipelined throughput, slotwise (1 thread, one batch in flight) / redis-benchmark: "
           "%.2fx (a round trip per batch of 64 against redis-benchmark's 800 in flight)\n",
           seq_cpu_ratio, seq_cpu_ratio <= 1.2 ? "met" : "NOT met", rate(sw_seq) / rate(hi_seq),
           us_per_op(sw_pipe) / us_per_op(hi_pipe), rate(sw_pipe) / rate(hi_pipe), THREADS,
           mt_rate_ratio, mt_rate_ratio >= 0.9 ? "met" : "NOT met",
           us_per_op(sw_mt) / us_per_op(rb16), rate(sw_pipe) / rate(rb16));

  printf("%s%s", table, verdict);
  FILE *md = fopen(argv[4], "w");
  if (md != NULL) {
    fprintf(md, "# ffi-c: libslotwise beside hiredis and redis-benchmark\n\n%s%s", table, verdict);
    fclose(md);
  }

  slotwise_pipeline_free(swp);
  slotwise_client_free(sw);
  for (int i = 0; i < n_nodes; i++) redisFree(nodes[i]);
  for (long i = 0; i < n_keys; i++) free(keys[i]);
  free(keys);
  free(key_lens);
  free(key_node);
  return 0;
}
