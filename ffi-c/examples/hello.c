/*
 * hello.c: connect to a Redis Cluster, write and read a few keys, run a pipeline.
 *
 *   cc -o hello hello.c $(pkg-config --cflags --libs slotwise)
 *   ./hello 127.0.0.1:7000 [PASSWORD]
 */
#include <stdio.h>
#include <stdlib.h>

#include <slotwise.h>

static int fail(const char *what) {
  fprintf(stderr, "%s failed: %s\n", what, slotwise_last_error());
  return 1;
}

int main(int argc, char **argv) {
  const char *seed = argc > 1 ? argv[1] : "127.0.0.1:7000";
  const char *password = argc > 2 ? argv[2] : NULL;

  slotwise_options *opts = slotwise_options_new();
  if (slotwise_options_add_seed(opts, seed) != SLOTWISE_RESULT_OK ||
      (password && slotwise_options_set_password(opts, password) != SLOTWISE_RESULT_OK)) {
    slotwise_options_free(opts);
    return fail("options");
  }
  slotwise_client *client = NULL;
  slotwise_result r = slotwise_client_connect(opts, &client);
  slotwise_options_free(opts); /* the client keeps its own copy */
  if (r != SLOTWISE_RESULT_OK) return fail("connect");

  /* printf-style, as hiredis: %s is a C string, %b a pointer and a length. */
  slotwise_reply *reply = NULL;
  const char value[] = "hello\0world"; /* binary-safe: 11 bytes with a NUL inside */
  if (slotwise_client_command(client, &reply, "SET %s %b", "greeting", value, sizeof value - 1) !=
      SLOTWISE_RESULT_OK)
    return fail("SET");
  printf("SET greeting -> %s\n", reply->str);
  slotwise_reply_free(reply);

  /* argv-style. */
  const char *get[] = {"GET", "greeting"};
  if (slotwise_client_command_argv(client, 2, get, NULL, &reply) != SLOTWISE_RESULT_OK)
    return fail("GET");
  printf("GET greeting -> %zu bytes\n", reply->len);
  slotwise_reply_free(reply);

  /* A pipeline across slots (and so across nodes): replies come back in order. */
  slotwise_pipeline *p = slotwise_pipeline_new();
  for (int i = 0; i < 5; i++) slotwise_pipeline_append(p, "INCR counter:%d", i);
  r = slotwise_client_run_pipeline(client, p, &reply);
  slotwise_pipeline_free(p);
  if (r != SLOTWISE_RESULT_OK) return fail("pipeline");
  for (size_t i = 0; i < reply->elements; i++) {
    const slotwise_reply *e = reply->element[i];
    if (e->type == SLOTWISE_REPLY_TYPE_INTEGER)
      printf("INCR counter:%zu -> %lld\n", i, (long long)e->integer);
    else
      printf("INCR counter:%zu failed: %s\n", i, e->str);
  }
  slotwise_reply_free(reply);

  slotwise_stats stats;
  slotwise_client_stats(client, &stats);
  printf("MOVED %llu, ASK %llu, retries %llu, refreshes %llu\n", (unsigned long long)stats.moved,
         (unsigned long long)stats.ask, (unsigned long long)stats.retries,
         (unsigned long long)stats.refreshes);

  slotwise_client_free(client);
  return 0;
}
