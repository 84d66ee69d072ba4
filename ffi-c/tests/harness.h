/*
 * A tiny test harness for the C tests: checks, a runner that counts passes and failures,
 * and the cluster the tests run against (from environment variables set by
 * tests/run-tests.sh).
 *
 *   SLOTWISE_TEST_SEEDS      plain seeds, comma-separated
 *   SLOTWISE_TEST_TLS_SEEDS  TLS seeds, comma-separated
 *   SLOTWISE_TEST_CA_FILE    the cluster's CA certificate (PEM)
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

#endif /* SLOTWISE_TEST_HARNESS_H */
