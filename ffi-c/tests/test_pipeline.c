/* Pipelines on a real cluster: across shards, replies in order, failures per command,
 * reuse, transactions. */
#include "harness.h"

static slotwise_client *client;

/* 300 new keys set and read in one pipeline: replies in order, and every primary's own key
 * count grows, by 300 in all (read with INFO through the client, a fan-out to every node). */
static void pipeline_across_shards_keeps_the_callers_order(void) {
  enum { N = 300 };
  /* The keys may be left from an earlier run on this cluster: make them new again. */
  slotwise_pipeline *p = slotwise_pipeline_new();
  CHECK(p != NULL);
  for (int i = 0; i < N; i++) CHECK_OK(slotwise_pipeline_append(p, "DEL pipe:key:%d", i));
  slotwise_reply *r = NULL;
  CHECK_OK(slotwise_client_run_pipeline(client, p, &r));
  CHECK_OK(slotwise_pipeline_clear(p));
  int deleted_ok = r->type == SLOTWISE_REPLY_TYPE_ARRAY && r->elements == N;
  for (size_t i = 0; deleted_ok && i < r->elements; i++)
    deleted_ok = r->element[i]->type == SLOTWISE_REPLY_TYPE_INTEGER;
  slotwise_reply_free(r);
  if (!deleted_ok) slotwise_pipeline_free(p);
  CHECK(deleted_ok);
  struct h_node_keys before[8], after[8];
  int nb = h_primary_keys(client, before, 8);

  for (int i = 0; i < N; i++) {
    char key[32], val[32];
    snprintf(key, sizeof key, "pipe:key:%d", i);
    snprintf(val, sizeof val, "v%d", i);
    const char *argv[] = {"SET", key, val};
    CHECK_OK(slotwise_pipeline_append_argv(p, 3, argv, NULL));
    CHECK_OK(slotwise_pipeline_append(p, "GET %s", key));
  }
  CHECK(slotwise_pipeline_len(p) == 2 * N);
  r = NULL;
  CHECK_OK(slotwise_client_run_pipeline(client, p, &r));
  slotwise_pipeline_free(p);
  int in_order = r->type == SLOTWISE_REPLY_TYPE_ARRAY && r->elements == 2 * N;
  for (int i = 0; in_order && i < N; i++) {
    char val[32];
    snprintf(val, sizeof val, "v%d", i);
    in_order = h_reply_is(r->element[2 * i], SLOTWISE_REPLY_TYPE_STATUS, "OK", 2) &&
               h_reply_is(r->element[2 * i + 1], SLOTWISE_REPLY_TYPE_STRING, val, strlen(val));
  }
  slotwise_reply_free(r);
  CHECK(in_order);
  int na = h_primary_keys(client, after, 8);
  CHECK_EVERY_PRIMARY_GAINED(before, nb, after, na, N);
}

static void a_failed_command_is_an_error_element_the_rest_succeed(void) {
  slotwise_pipeline *p = slotwise_pipeline_new();
  CHECK_OK(slotwise_pipeline_append(p, "SET pipe:str text"));
  CHECK_OK(slotwise_pipeline_append(p, "LPUSH pipe:str x"));
  CHECK_OK(slotwise_pipeline_append(p, "INCR pipe:str"));
  CHECK_OK(slotwise_pipeline_append(p, "GET pipe:str"));
  slotwise_reply *r = NULL;
  CHECK_OK(slotwise_client_run_pipeline(client, p, &r));
  slotwise_pipeline_free(p);
  CHECK(r->elements == 4);
  CHECK(h_reply_is(r->element[0], SLOTWISE_REPLY_TYPE_STATUS, "OK", 2));
  CHECK(r->element[1]->type == SLOTWISE_REPLY_TYPE_ERROR);
  CHECK(r->element[1]->error == SLOTWISE_RESULT_SERVER);
  CHECK(strncmp(r->element[1]->str, "WRONGTYPE", 9) == 0);
  CHECK(r->element[2]->type == SLOTWISE_REPLY_TYPE_ERROR);
  CHECK(strncmp(r->element[2]->str, "ERR value is not an integer", 27) == 0);
  CHECK(h_reply_is(r->element[3], SLOTWISE_REPLY_TYPE_STRING, "text", 4));
  CHECK(r->element[0]->error == SLOTWISE_RESULT_OK);
  slotwise_reply_free(r);
}

static void binary_values_in_a_pipeline(void) {
  const char value[] = {'\0', 'x', '\0'};
  slotwise_pipeline *p = slotwise_pipeline_new();
  const char *set[] = {"SET", "pipe:bin", value};
  size_t set_len[] = {3, 8, sizeof value};
  CHECK_OK(slotwise_pipeline_append_argv(p, 3, set, set_len));
  CHECK_OK(slotwise_pipeline_append(p, "GET %b", "pipe:bin", (size_t)8));
  slotwise_reply *r = NULL;
  CHECK_OK(slotwise_client_run_pipeline(client, p, &r));
  slotwise_pipeline_free(p);
  CHECK(h_reply_is(r->element[1], SLOTWISE_REPLY_TYPE_STRING, value, sizeof value));
  slotwise_reply_free(r);
}

static void a_pipeline_can_be_run_again_and_cleared(void) {
  slotwise_pipeline *p = slotwise_pipeline_new();
  CHECK_OK(slotwise_pipeline_append(p, "INCR pipe:again"));
  slotwise_reply *r1 = NULL, *r2 = NULL, *r3 = NULL;
  CHECK_OK(slotwise_client_run_pipeline(client, p, &r1));
  CHECK_OK(slotwise_client_run_pipeline(client, p, &r2));
  CHECK(r2->elements == 1 && r2->element[0]->integer == r1->element[0]->integer + 1);
  slotwise_reply_free(r1);
  slotwise_reply_free(r2);
  CHECK_OK(slotwise_pipeline_clear(p));
  CHECK(slotwise_pipeline_len(p) == 0);
  CHECK_OK(slotwise_client_run_pipeline(client, p, &r3));
  CHECK(r3->type == SLOTWISE_REPLY_TYPE_ARRAY && r3->elements == 0 && r3->element == NULL);
  slotwise_reply_free(r3);
  slotwise_pipeline_free(p);
}

static void transactions_run_on_one_slot(void) {
  slotwise_reply *r = h_cmd(client, "DEL {tx}:a {tx}:b");
  slotwise_reply_free(r);
  slotwise_pipeline *tx = slotwise_pipeline_new_transaction();
  CHECK_OK(slotwise_pipeline_append(tx, "INCR {tx}:a"));
  CHECK_OK(slotwise_pipeline_append(tx, "INCRBY {tx}:b %d", 10));
  CHECK_OK(slotwise_pipeline_append(tx, "MGET {tx}:a {tx}:b"));
  r = NULL;
  CHECK_OK(slotwise_client_run_pipeline(client, tx, &r));
  slotwise_pipeline_free(tx);
  CHECK(r->elements == 3);
  CHECK(r->element[0]->integer == 1 && r->element[1]->integer == 10);
  CHECK(r->element[2]->type == SLOTWISE_REPLY_TYPE_ARRAY && r->element[2]->elements == 2);
  CHECK(h_reply_is(r->element[2]->element[1], SLOTWISE_REPLY_TYPE_STRING, "10", 2));
  slotwise_reply_free(r);
}

static void a_cross_slot_transaction_fails_every_command_with_crossslot(void) {
  slotwise_pipeline *tx = slotwise_pipeline_new_transaction();
  CHECK_OK(slotwise_pipeline_append(tx, "SET user:1:name a"));
  CHECK_OK(slotwise_pipeline_append(tx, "SET user:2:name b"));
  slotwise_reply *r = NULL;
  CHECK_OK(slotwise_client_run_pipeline(client, tx, &r));
  slotwise_pipeline_free(tx);
  CHECK(r->elements == 2);
  for (size_t i = 0; i < r->elements; i++) {
    CHECK(r->element[i]->type == SLOTWISE_REPLY_TYPE_ERROR);
    CHECK(r->element[i]->error == SLOTWISE_RESULT_CROSSSLOT);
    CHECK(strstr(r->element[i]->str, "hash tag") != NULL);
  }
  slotwise_reply_free(r);
}

/* WAIT in a pipeline runs right after the write before it, on that write's node and
 * connection: it counts the write's replica (every shard has one). In a transaction it runs
 * after EXEC (inside MULTI the server would answer 0). Alone it fails with
 * SLOTWISE_RESULT_INVALID_ARGUMENT saying how to use it. */
static void wait_counts_the_replica_of_the_write_before_it(void) {
  slotwise_pipeline *p = slotwise_pipeline_new();
  const char *keys[] = {"wait:{a}", "wait:{b}", "wait:{c}"}; /* slots 15495, 3300, 7365 */
  for (int i = 0; i < 3; i++) {
    CHECK_OK(slotwise_pipeline_append(p, "SET %s 1", keys[i]));
    CHECK_OK(slotwise_pipeline_append(p, "WAIT 1 5000"));
  }
  slotwise_reply *r = NULL;
  CHECK_OK(slotwise_client_run_pipeline(client, p, &r));
  slotwise_pipeline_free(p);
  int counted = r->type == SLOTWISE_REPLY_TYPE_ARRAY && r->elements == 6;
  for (size_t i = 0; counted && i < 6; i += 2)
    counted = h_reply_is(r->element[i], SLOTWISE_REPLY_TYPE_STATUS, "OK", 2) &&
              r->element[i + 1]->type == SLOTWISE_REPLY_TYPE_INTEGER &&
              r->element[i + 1]->integer == 1;
  slotwise_reply_free(r);
  CHECK(counted);

  slotwise_pipeline *tx = slotwise_pipeline_new_transaction();
  CHECK_OK(slotwise_pipeline_append(tx, "SET {wait}:tx 1"));
  CHECK_OK(slotwise_pipeline_append(tx, "WAIT 1 5000"));
  CHECK_OK(slotwise_pipeline_append(tx, "INCR {wait}:tx"));
  r = NULL;
  CHECK_OK(slotwise_client_run_pipeline(client, tx, &r));
  slotwise_pipeline_free(tx);
  int after_exec = r->type == SLOTWISE_REPLY_TYPE_ARRAY && r->elements == 3 &&
                   h_reply_is(r->element[0], SLOTWISE_REPLY_TYPE_STATUS, "OK", 2) &&
                   r->element[1]->type == SLOTWISE_REPLY_TYPE_INTEGER &&
                   r->element[1]->integer == 1 &&
                   r->element[2]->type == SLOTWISE_REPLY_TYPE_INTEGER && r->element[2]->integer == 2;
  slotwise_reply_free(r);
  CHECK(after_exec);

  r = NULL;
  CHECK_RESULT(slotwise_client_command(client, &r, "WAIT 1 100"), SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(r == NULL);
  CHECK(h_error_has("in a pipeline right after the keyed write"));
  CHECK(h_error_has("SET k v then WAIT 1 100"));
}

int main(void) {
  client = h_connect();
  if (client == NULL) return h_finish("test_pipeline");
  RUN(pipeline_across_shards_keeps_the_callers_order);
  RUN(a_failed_command_is_an_error_element_the_rest_succeed);
  RUN(binary_values_in_a_pipeline);
  RUN(a_pipeline_can_be_run_again_and_cleared);
  RUN(transactions_run_on_one_slot);
  RUN(a_cross_slot_transaction_fails_every_command_with_crossslot);
  RUN(wait_counts_the_replica_of_the_write_before_it);
  slotwise_client_free(client);
  return h_finish("test_pipeline");
}
