/*
 * A tiny test harness for the C tests: checks, a runner that counts passes and failures,
 * and the cluster the tests run against (from environment variables set by
 * tests/run-tests.sh).
 *
 *   SLOTWISE_TEST_SEEDS      plain seeds, comma-separated
 *   SLOTWISE_TEST_TLS_SEEDS  TLS seeds, comma-separated
 *   SLOTWISE_TEST_CA_FILE    the cluster's CA certificate (PEM)
 *   SLOTWISE_TEST_CLIENT_CERT / SLOTWISE_TEST_CLIENT_KEY
 *                            the client certificate and key its TLS ports require (PEM)
 *   SLOTWISE_TEST_USER       ACL user NAME:PASS the tests authenticate as
 *   SLOTWISE_TEST_PASSWORD   the default user's password
 *   SLOTWISE_TEST_DIR        the cluster directory (for the ops helper)
 *   SLOTWISE_TEST_OPS        the c-cluster-ops helper binary
 */
#ifndef SLOTWISE_TEST_HARNESS_H
#define SLOTWISE_TEST_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slotwise.h"

static int h_passed, h_failed, h_current_failed;

static inline void h_fail(const char *file, int line, const char *what) {
  fprintf(stderr, "    FAIL %s:%d: %s\n      last error: %s\n", file, line, what,
          slotwise_last_error());
  h_current_failed = 1;
}

/* Fails the running test (and returns from it) unless `cond` holds. */
#define CHECK(cond)                            \
  do {                                         \
    if (!(cond)) {                             \
      h_fail(__FILE__, __LINE__, #cond);       \
      return;                                  \
    }                                          \
  } while (0)

/* CHECK that a slotwise call returned `expected`, naming both codes on failure. */
#define CHECK_RESULT(call, expected)                                                      \
  do {                                                                                    \
    slotwise_result h_r = (call);                                                         \
    if (h_r != (expected)) {                                                              \
      char h_msg[512];                                                                    \
      snprintf(h_msg, sizeof h_msg, "%s returned %s, expected %s", #call,                  \
               slotwise_result_name((unsigned)h_r), slotwise_result_name((unsigned)(expected))); \
      h_fail(__FILE__, __LINE__, h_msg);                                                  \
      return;                                                                             \
    }                                                                                     \
  } while (0)

#define CHECK_OK(call) CHECK_RESULT(call, SLOTWISE_RESULT_OK)

/* True when the calling thread's last error contains `needle`. */
static inline int h_error_has(const char *needle) { return strstr(slotwise_last_error(), needle) != NULL; }

/* True when the calling thread's last error names the address `host:port` itself, not one
 * it is a prefix of ("127.0.0.1:1" is not found in "127.0.0.1:17000"). */
static inline int h_error_has_addr(const char *addr) {
  size_t len = strlen(addr);
  for (const char *at = strstr(slotwise_last_error(), addr); at; at = strstr(at + 1, addr))
    if (at[len] < '0' || at[len] > '9') return 1;
  return 0;
}

/* Seconds on the monotonic clock: deadlines for loops that poll a condition. */
static inline double h_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define RUN(test)                                           \
  do {                                                      \
    h_current_failed = 0;                                   \
    test();                                                 \
    if (h_current_failed) {                                 \
      h_failed++;                                           \
      fprintf(stderr, "  FAIL %s\n", #test);                \
    } else {                                                \
      h_passed++;                                           \
      printf("  ok   %s\n", #test);                         \
    }                                                       \
    fflush(stdout);                                         \
  } while (0)

/* Prints the closing line the runner script adds up, and the exit status. */
static inline int h_finish(const char *program) {
  printf("%s: %d passed, %d failed\n", program, h_passed, h_failed);
  return h_failed == 0 ? 0 : 1;
}

static inline const char *h_env(const char *name) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') {
    fprintf(stderr, "%s is not set: run the C tests with `make test-c`\n", name);
    exit(2);
  }
  return v;
}

/* Adds every seed of a comma-separated list. */
static inline slotwise_result h_add_seeds(slotwise_options *o, const char *list) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", list);
  for (char *save = NULL, *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
    slotwise_result r = slotwise_options_add_seed(o, s);
    if (r != SLOTWISE_RESULT_OK) return r;
  }
  return SLOTWISE_RESULT_OK;
}

/* Sets the ACL user NAME:PASS of SLOTWISE_TEST_USER. */
static inline slotwise_result h_set_user(slotwise_options *o) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", h_env("SLOTWISE_TEST_USER"));
  char *colon = strchr(buf, ':');
  if (colon == NULL) return SLOTWISE_RESULT_INVALID_ARGUMENT;
  *colon = '\0';
  return slotwise_options_set_user(o, buf, colon + 1);
}

/* Options for the test cluster: plain seeds, the ACL user, generous timeouts. */
static inline slotwise_options *h_options(void) {
  slotwise_options *o = slotwise_options_new();
  if (o == NULL || h_add_seeds(o, h_env("SLOTWISE_TEST_SEEDS")) != SLOTWISE_RESULT_OK ||
      h_set_user(o) != SLOTWISE_RESULT_OK ||
      slotwise_options_set_request_timeout_ms(o, 20000) != SLOTWISE_RESULT_OK) {
    fprintf(stderr, "building test options failed: %s\n", slotwise_last_error());
    exit(2);
  }
  return o;
}

/* A client for the test cluster, or NULL (with the failure recorded). */
static inline slotwise_client *h_connect_with(slotwise_options *o) {
  slotwise_client *c = NULL;
  slotwise_result r = slotwise_client_connect(o, &c);
  slotwise_options_free(o);
  if (r != SLOTWISE_RESULT_OK) {
    h_fail(__FILE__, __LINE__, "slotwise_client_connect");
    return NULL;
  }
  return c;
}

static inline slotwise_client *h_connect(void) { return h_connect_with(h_options()); }

/* Runs a printf-style command and returns its reply, or NULL on failure. */
static inline slotwise_reply *h_cmd(const slotwise_client *c, const char *format, ...) {
  va_list ap;
  slotwise_reply *reply = NULL;
  va_start(ap, format);
  slotwise_result r = slotwise_client_vcommand(c, &reply, format, ap);
  va_end(ap);
  return r == SLOTWISE_RESULT_OK ? reply : NULL;
}

/* True when `r` is a string-like reply equal to the `len` bytes at `want`. */
static inline int h_reply_is(const slotwise_reply *r, slotwise_reply_type type, const void *want,
                      size_t len) {
  return r != NULL && r->type == type && r->len == len && r->str != NULL &&
         memcmp(r->str, want, len) == 0 && r->str[len] == '\0';
}

/* Runs the cluster-ops helper with printf-style arguments; its stdout goes to `out`.
 * Returns 0 on success. */
static inline int h_ops(char *out, size_t out_len, const char *format, ...) {
  char args[512], cmd[1024], user[256];
  va_list ap;
  va_start(ap, format);
  vsnprintf(args, sizeof args, format, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "%s --dir '%s' --user '%s' %s", h_env("SLOTWISE_TEST_OPS"),
           h_env("SLOTWISE_TEST_DIR"), h_env("SLOTWISE_TEST_USER"), args);
  FILE *p = popen(cmd, "r");
  if (p == NULL) return -1;
  size_t n = fread(out, 1, out_len - 1, p);
  out[n] = '\0';
  int status = pclose(p);
  if (status != 0) {
    /* The command as run, but with the user's password masked: test logs are kept. */
    snprintf(user, sizeof user, "%s", h_env("SLOTWISE_TEST_USER"));
    char *colon = strchr(user, ':');
    if (colon != NULL) snprintf(colon, sizeof user - (size_t)(colon - user), ":***");
    fprintf(stderr, "    cluster op failed (%d): %s --dir '%s' --user '%s' %s\n", status,
            h_env("SLOTWISE_TEST_OPS"), h_env("SLOTWISE_TEST_DIR"), user, args);
  }
  return status;
}

/* A primary and how many keys its db0 holds. */
struct h_node_keys {
  char addr[64];
  long keys;
};

/* Runs INFO through the client: a fan-out to every node, whose reply is a map from each
 * node's address to its INFO text (element[2i] the address, element[2i + 1] the text).
 * Fills `out` with the primaries (role:master) and their db0 key counts; returns how many,
 * or -1 when the reply is not such a map or holds more than `max` primaries. */
static inline int h_primary_keys(const slotwise_client *c, struct h_node_keys *out, int max) {
  slotwise_reply *r = h_cmd(c, "INFO replication keyspace");
  int n = 0;
  if (r == NULL || r->type != SLOTWISE_REPLY_TYPE_MAP || r->elements % 2 != 0) n = -1;
  for (size_t i = 0; n >= 0 && i < r->elements; i += 2) {
    const slotwise_reply *addr = r->element[i], *text = r->element[i + 1];
    if (addr->type != SLOTWISE_REPLY_TYPE_STRING || text->str == NULL || n == max) {
      n = -1;
    } else if (strstr(text->str, "role:master") != NULL) {
      snprintf(out[n].addr, sizeof out[n].addr, "%s", addr->str);
      /* "db0:keys=N,expires=..." on its own line; no such line when db0 is empty. */
      const char *db0 = strstr(text->str, "\ndb0:keys=");
      out[n].keys = db0 != NULL ? strtol(db0 + strlen("\ndb0:keys="), NULL, 10) : 0;
      n++;
    }
  }
  slotwise_reply_free(r);
  return n;
}

/* The key count of the primary at `addr` in `list`, or -1 when it is not there. */
static inline long h_keys_of(const struct h_node_keys *list, int n, const char *addr) {
  for (int i = 0; i < n; i++)
    if (strcmp(list[i].addr, addr) == 0) return list[i].keys;
  return -1;
}

/* CHECKs that between the two INFO snapshots every primary gained keys and all of them
 * together gained `added`: the `added` new keys written in between reached every primary. */
#define CHECK_EVERY_PRIMARY_GAINED(before, nb, after, na, added)                  \
  do {                                                                            \
    CHECK((nb) == 3 && (na) == (nb)); /* the test cluster has three primaries */  \
    long h_total = 0;                                                             \
    for (int h_i = 0; h_i < (na); h_i++) {                                        \
      long h_was = h_keys_of((before), (nb), (after)[h_i].addr);                  \
      CHECK(h_was >= 0);                  /* the same primaries as before */      \
      CHECK((after)[h_i].keys > h_was);   /* some of the new keys landed here */  \
      h_total += (after)[h_i].keys - h_was;                                       \
    }                                                                             \
    CHECK(h_total == (added));                                                    \
  } while (0)

#endif /* SLOTWISE_TEST_HARNESS_H */
