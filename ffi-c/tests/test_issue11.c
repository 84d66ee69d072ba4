/* Issue 11: a seed that accepts and never answers fails by the connect timeout and says
 * which timeouts were in force; a user without CLUSTER rights gets
 * SLOTWISE_RESULT_NO_PERMISSION; a node sending invalid redirects, overlapping slot ranges
 * or control characters gets its answer refused or escaped. The misbehaving nodes are
 * sockets served by this program. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

static slotwise_client *client;

/* A listening socket on 127.0.0.1 and a free port; -1 on failure. */
static int listen_loopback(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

/* True when the last error has no raw control character. */
static int error_is_printable(void) {
  for (const unsigned char *p = (const unsigned char *)slotwise_last_error(); *p; p++)
    if (*p < 0x20 || *p == 0x7f) return 0;
  return 1;
}

/* -- item 3: a seed that accepts connections and never answers --------------------------- */

static void silent_seed_case(unsigned connect_ms, unsigned request_ms, const char *shown) {
  int port;
  int fd = listen_loopback(&port); /* never accept()ed: the kernel completes the handshake */
  CHECK(fd >= 0);
  char seed[32];
  snprintf(seed, sizeof seed, "127.0.0.1:%d", port);
  slotwise_options *o = slotwise_options_new();
  slotwise_client *c = NULL;
  CHECK_OK(slotwise_options_add_seed(o, seed));
  CHECK_OK(slotwise_options_set_connect_timeout_ms(o, connect_ms));
  CHECK_OK(slotwise_options_set_request_timeout_ms(o, request_ms));
  double started = h_seconds();
  slotwise_result r = slotwise_client_connect(o, &c);
  double elapsed = h_seconds() - started;
  slotwise_options_free(o);
  close(fd);
  CHECK_RESULT(r, SLOTWISE_RESULT_CONNECTION);
  CHECK(elapsed < (double)request_ms / 1000.0 + 0.4);
  CHECK(h_error_has(seed));
  CHECK(h_error_has(shown));
  CHECK(!h_error_has("0ns"));
}

static void a_silent_seed_fails_by_the_connect_timeout_and_states_the_timeouts(void) {
  silent_seed_case(500, 1000, "(request timeout 1s, connect timeout 500ms)");
  if (h_current_failed) return;
  silent_seed_case(1000, 2000, "(request timeout 2s, connect timeout 1s)");
}

/* -- item 4: an ACL user without CLUSTER rights ------------------------------------------- */

#define NOCLUSTER_USER "issue11-nocluster"
#define NOCLUSTER_PASS "issue11-pw"

/* Sends `command` (inline form) to `addr` after AUTH with the default user's password;
 * returns 0 when AUTH answers +OK and the command answers `expect` (a whole line). */
static int admin(const char *addr, const char *command, const char *expect) {
  char host[64];
  snprintf(host, sizeof host, "%s", addr);
  char *colon = strrchr(host, ':');
  if (colon == NULL) return -1;
  *colon = '\0';
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  char out[512];
  int n = snprintf(out, sizeof out, "AUTH %s\r\n%s\r\n", h_env("SLOTWISE_TEST_PASSWORD"), command);
  int ok = n > 0 && (size_t)n < sizeof out && write(fd, out, (size_t)n) == n;
  /* Two replies, one line each. */
  char in[512];
  size_t got = 0;
  int lines = 0;
  while (ok && lines < 2 && got < sizeof in - 1) {
    ssize_t r = read(fd, in + got, sizeof in - 1 - got);
    if (r <= 0) break;
    for (ssize_t i = 0; i < r; i++)
      if (in[got + (size_t)i] == '\n') lines++;
    got += (size_t)r;
  }
  in[got] = '\0';
  close(fd);
  char want[128];
  snprintf(want, sizeof want, "+OK\r\n%s\r\n", expect);
  if (!ok || strcmp(in, want) != 0) {
    fprintf(stderr, "    %s on %s answered: %s\n", command, addr, in);
    return -1;
  }
  return 0;
}

/* Runs `command` on every node of the cluster (the addresses INFO's fan-out answers from);
 * 0 when each answered `expect`. */
static int on_every_node(const char *command, const char *expect) {
  slotwise_reply *r = h_cmd(client, "INFO server");
  if (r == NULL || r->type != SLOTWISE_REPLY_TYPE_MAP || r->elements < 2) {
    slotwise_reply_free(r);
    return -1;
  }
  int failed = 0;
  for (size_t i = 0; i < r->elements; i += 2)
    if (admin(r->element[i]->str, command, expect) != 0) failed = 1;
  slotwise_reply_free(r);
  return failed ? -1 : 0;
}

static slotwise_result connect_as(const char *user, const char *pass) {
  slotwise_options *o = slotwise_options_new();
  slotwise_client *c = NULL;
  slotwise_result r = h_add_seeds(o, h_env("SLOTWISE_TEST_SEEDS"));
  if (r == SLOTWISE_RESULT_OK) r = slotwise_options_set_user(o, user, pass);
  if (r == SLOTWISE_RESULT_OK) r = slotwise_client_connect(o, &c);
  slotwise_options_free(o);
  slotwise_client_free(c);
  return r;
}

static void no_cluster_rights(void) {
  CHECK_RESULT(connect_as(NOCLUSTER_USER, NOCLUSTER_PASS), SLOTWISE_RESULT_NO_PERMISSION);
  CHECK(h_error_has("NOPERM"));
  CHECK(h_error_has("+cluster|shards +cluster|slots"));
  CHECK(!h_error_has("check the username and password"));
  CHECK(strcmp(slotwise_result_name(SLOTWISE_RESULT_NO_PERMISSION), "SLOTWISE_RESULT_NO_PERMISSION") == 0);
  /* A wrong password is still an authentication failure. */
  CHECK_RESULT(connect_as(NOCLUSTER_USER, "nope"), SLOTWISE_RESULT_AUTH);
  CHECK(h_error_has("check the username and password"));
}

static void a_user_without_cluster_rights_gets_no_permission(void) {
  CHECK(on_every_node("ACL SETUSER " NOCLUSTER_USER " on >" NOCLUSTER_PASS " ~* &* +@all -cluster",
                      "+OK") == 0);
  no_cluster_rights();
  int failed = h_current_failed;
  h_current_failed = 0;
  CHECK(on_every_node("ACL DELUSER " NOCLUSTER_USER, ":1") == 0);
  h_current_failed = failed;
}

/* -- item 5: a fake node ------------------------------------------------------------------ */

#define FAKE_CONNS 8

/* A node that answers CLUSTER SLOTS with `slots` (it does not know CLUSTER SHARDS, as before
 * Redis 7), GET with `get`, anything else with +OK. Served by a thread until fake_stop. */
struct fake {
  int listener, port, wake[2];
  pthread_t thread;
  char slots[512];
  const char *get;
  int gets;
  int fds[FAKE_CONNS];
  char buf[FAKE_CONNS][4096];
  size_t len[FAKE_CONNS];
};

static const char *find_crlf(const char *p, const char *end) {
  for (; p + 1 < end; p++)
    if (p[0] == '\r' && p[1] == '\n') return p;
  return NULL;
}

/* The length of the first complete command in `buf` (0 while incomplete), with its first
 * two arguments upper-cased into `argv0` and `argv1` (64 bytes each). */
static size_t parse_command(const char *buf, size_t len, char *argv0, char *argv1) {
  const char *end = buf + len, *p = buf;
  argv0[0] = argv1[0] = '\0';
  if (len == 0) return 0;
  if (*p != '*') return len; /* not RESP: dropped */
  const char *crlf = find_crlf(p, end);
  if (crlf == NULL) return 0;
  long n = strtol(p + 1, NULL, 10);
  p = crlf + 2;
  for (long i = 0; i < n; i++) {
    if (p >= end || *p != '$') return p >= end ? 0 : len;
    crlf = find_crlf(p, end);
    if (crlf == NULL) return 0;
    long size = strtol(p + 1, NULL, 10);
    const char *data = crlf + 2;
    if (size < 0 || end - data < size + 2) return 0;
    if (i < 2) {
      char *dst = i == 0 ? argv0 : argv1;
      size_t k = 0;
      for (; k < (size_t)size && k < 63; k++)
        dst[k] = (char)((data[k] >= 'a' && data[k] <= 'z') ? data[k] - 32 : data[k]);
      dst[k] = '\0';
    }
    p = data + size + 2;
  }
  return (size_t)(p - buf);
}

static void fake_answer(struct fake *f, int i) {
  char argv0[64], argv1[64];
  size_t used;
  while ((used = parse_command(f->buf[i], f->len[i], argv0, argv1)) > 0) {
    const char *out = "+OK\r\n";
    if (strcmp(argv0, "CLUSTER") == 0 && strcmp(argv1, "SHARDS") == 0) {
      out = "-ERR unknown subcommand 'shards'. Try CLUSTER HELP.\r\n";
    } else if (strcmp(argv0, "CLUSTER") == 0 && strcmp(argv1, "SLOTS") == 0) {
      out = f->slots;
    } else if (strcmp(argv0, "GET") == 0) {
      __atomic_add_fetch(&f->gets, 1, __ATOMIC_SEQ_CST);
      out = f->get;
    }
    if (write(f->fds[i], out, strlen(out)) < 0) return;
    memmove(f->buf[i], f->buf[i] + used, f->len[i] - used);
    f->len[i] -= used;
  }
}

static void *fake_serve(void *arg) {
  struct fake *f = arg;
  for (;;) {
    struct pollfd p[FAKE_CONNS + 2];
    p[0] = (struct pollfd){.fd = f->wake[0], .events = POLLIN};
    p[1] = (struct pollfd){.fd = f->listener, .events = POLLIN};
    for (int i = 0; i < FAKE_CONNS; i++) p[i + 2] = (struct pollfd){.fd = f->fds[i], .events = POLLIN};
    if (poll(p, FAKE_CONNS + 2, -1) < 0) return NULL;
    if (p[0].revents) return NULL;
    if (p[1].revents & POLLIN) {
      int c = accept(f->listener, NULL, NULL);
      int slot = -1;
      for (int i = 0; i < FAKE_CONNS && slot < 0; i++)
        if (f->fds[i] < 0) slot = i;
      if (slot < 0) {
        if (c >= 0) close(c);
      } else {
        f->fds[slot] = c;
        f->len[slot] = 0;
      }
    }
    for (int i = 0; i < FAKE_CONNS; i++) {
      if (f->fds[i] < 0 || !(p[i + 2].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = read(f->fds[i], f->buf[i] + f->len[i], sizeof f->buf[i] - f->len[i]);
      if (r <= 0) {
        close(f->fds[i]);
        f->fds[i] = -1;
        continue;
      }
      f->len[i] += (size_t)r;
      fake_answer(f, i);
    }
  }
}

#define ID_F "ffffffffffffffffffffffffffffffffffffffff"
#define ID_E "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

/* Starts a fake node answering GET with `get`; with `overlap` its CLUSTER SLOTS has two
 * ranges claiming slots 5000..10000, else it owns every slot. 0 on success. */
static int fake_start(struct fake *f, const char *get, int overlap) {
  memset(f, 0, sizeof *f);
  for (int i = 0; i < FAKE_CONNS; i++) f->fds[i] = -1;
  f->get = get;
  f->listener = listen_loopback(&f->port);
  if (f->listener < 0) return -1;
  if (overlap)
    snprintf(f->slots, sizeof f->slots,
             "*2\r\n*3\r\n:0\r\n:10000\r\n*3\r\n$9\r\n127.0.0.1\r\n:%d\r\n$40\r\n" ID_F "\r\n"
             "*3\r\n:5000\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:1\r\n$40\r\n" ID_E "\r\n",
             f->port);
  else
    snprintf(f->slots, sizeof f->slots,
             "*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:%d\r\n$40\r\n" ID_F "\r\n",
             f->port);
  if (pipe(f->wake) != 0) {
    close(f->listener);
    return -1;
  }
  if (pthread_create(&f->thread, NULL, fake_serve, f) != 0) {
    close(f->listener), close(f->wake[0]), close(f->wake[1]);
    return -1;
  }
  return 0;
}

static void fake_stop(struct fake *f) {
  if (write(f->wake[1], "x", 1) != 1) perror("fake_stop");
  pthread_join(f->thread, NULL);
  close(f->wake[0]), close(f->wake[1]), close(f->listener);
  for (int i = 0; i < FAKE_CONNS; i++)
    if (f->fds[i] >= 0) close(f->fds[i]);
}

static slotwise_client *fake_client(const struct fake *f) {
  char seed[32];
  snprintf(seed, sizeof seed, "127.0.0.1:%d", f->port);
  slotwise_options *o = slotwise_options_new();
  slotwise_client *c = NULL;
  if (slotwise_options_add_seed(o, seed) != SLOTWISE_RESULT_OK ||
      slotwise_options_set_request_timeout_ms(o, 60000) != SLOTWISE_RESULT_OK ||
      slotwise_client_connect(o, &c) != SLOTWISE_RESULT_OK)
    c = NULL;
  slotwise_options_free(o);
  return c;
}

/* Connects to a fake node answering GET with `get` and runs GET k: the result. */
static slotwise_result get_from_fake(const char *get, int *gets) {
  struct fake f;
  if (fake_start(&f, get, 0) != 0) return SLOTWISE_RESULT_OTHER;
  slotwise_client *c = fake_client(&f);
  slotwise_reply *reply = NULL;
  slotwise_result r = c == NULL ? SLOTWISE_RESULT_OTHER : slotwise_client_command(c, &reply, "GET k");
  slotwise_reply_free(reply);
  slotwise_client_free(c);
  *gets = __atomic_load_n(&f.gets, __ATOMIC_SEQ_CST);
  fake_stop(&f);
  return r;
}

static void invalid_redirects_are_protocol_errors_quoting_the_reply(void) {
  static const char *redirects[] = {"MOVED 99999 127.0.0.1:1", "MOVED 7629 127.0.0.1:99999", "MOVED 7629",
                                    "ASK 7629 :0"};
  for (size_t i = 0; i < sizeof redirects / sizeof *redirects; i++) {
    char reply[64], quoted[80];
    snprintf(reply, sizeof reply, "-%s\r\n", redirects[i]);
    snprintf(quoted, sizeof quoted, "invalid redirect \"%s\"", redirects[i]);
    int gets = 0;
    CHECK_RESULT(get_from_fake(reply, &gets), SLOTWISE_RESULT_PROTOCOL);
    CHECK(h_error_has(quoted));
    CHECK(gets == 1); /* neither followed nor retried */
  }
}

static void control_characters_of_an_error_reply_are_escaped(void) {
  int gets = 0;
  CHECK_RESULT(get_from_fake("-ERR evil\x1b[31m red\x07\r\n", &gets), SLOTWISE_RESULT_SERVER);
  CHECK(h_error_has("ERR evil\\x1b[31m red\\x07"));
  CHECK(error_is_printable());
}

static void overlapping_slot_ranges_refuse_the_view(void) {
  struct fake f;
  CHECK(fake_start(&f, "+OK\r\n", 1) == 0);
  slotwise_client *c = fake_client(&f);
  fake_stop(&f);
  slotwise_client_free(c);
  CHECK(c == NULL);
  CHECK(h_error_has("overlapping") && h_error_has("inconsistent"));
}

int main(void) {
  client = h_connect();
  if (client == NULL) return h_finish("test_issue11");
  RUN(a_silent_seed_fails_by_the_connect_timeout_and_states_the_timeouts);
  RUN(a_user_without_cluster_rights_gets_no_permission);
  RUN(invalid_redirects_are_protocol_errors_quoting_the_reply);
  RUN(control_characters_of_an_error_reply_are_escaped);
  RUN(overlapping_slot_ranges_refuse_the_view);
  slotwise_client_free(client);
  return h_finish("test_issue11");
}
