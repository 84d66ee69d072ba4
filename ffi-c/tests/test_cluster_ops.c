/* The cluster changing under the client: ASK during a slot migration, MOVED after it,
 * and a primary failing over while another thread keeps writing. */
#include <pthread.h>

#include "harness.h"

static slotwise_client *client;

static slotwise_stats stats_now(void) {
  slotwise_stats s;
  memset(&s, 0, sizeof s);
  slotwise_client_stats(client, &s);
  return s;
}

static void ask_during_a_slot_migration_then_moved_after_it(void) {
  uint16_t slot;
  CHECK_OK(slotwise_key_slot("{mig}", 5, &slot));
  slotwise_reply *r = h_cmd(client, "SET {mig}:moved early");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STATUS, "OK", 2));
  slotwise_reply_free(r);
  r = h_cmd(client, "SET {mig}:stays put");
  slotwise_reply_free(r);
  r = h_cmd(client, "DEL {mig}:new");
  slotwise_reply_free(r);

  /* Open the migration and move one of the two keys to the target. */
  char out[256], source[64], target[64];
  CHECK(h_ops(out, sizeof out, "begin-migration %u {mig}:moved", (unsigned)slot) == 0);
  CHECK(sscanf(out, "%63s %63s", source, target) == 2);
  slotwise_stats before = stats_now();

  /* The moved key: the source answers ASK, the client asks the target. */
  r = h_cmd(client, "GET {mig}:moved");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, "early", 5));
  slotwise_reply_free(r);
  /* The key still at the source is served there. */
  r = h_cmd(client, "GET {mig}:stays");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, "put", 3));
  slotwise_reply_free(r);
  /* A new key is created at the target (ASK again). */
  r = h_cmd(client, "SET {mig}:new %s", "created");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STATUS, "OK", 2));
  slotwise_reply_free(r);
  /* A pipeline mixing the migrating slot with others. */
  slotwise_pipeline *p = slotwise_pipeline_new();
  CHECK_OK(slotwise_pipeline_append(p, "GET {mig}:moved"));
  CHECK_OK(slotwise_pipeline_append(p, "GET {mig}:stays"));
  CHECK_OK(slotwise_pipeline_append(p, "GET {mig}:new"));
  CHECK_OK(slotwise_pipeline_append(p, "SET other:%d x", 1));
  CHECK_OK(slotwise_client_run_pipeline(client, p, &r));
  slotwise_pipeline_free(p);
  CHECK(h_reply_is(r->element[0], SLOTWISE_REPLY_TYPE_STRING, "early", 5));
  CHECK(h_reply_is(r->element[1], SLOTWISE_REPLY_TYPE_STRING, "put", 3));
  CHECK(h_reply_is(r->element[2], SLOTWISE_REPLY_TYPE_STRING, "created", 7));
  CHECK(h_reply_is(r->element[3], SLOTWISE_REPLY_TYPE_STATUS, "OK", 2));
  slotwise_reply_free(r);
  slotwise_stats during = stats_now();
  CHECK(during.ask >= before.ask + 3);
  CHECK(during.moved == before.moved); /* ASK leaves the slot map alone */

  /* Finish: the slot now belongs to the target; the client learns it from MOVED. */
  CHECK(h_ops(out, sizeof out, "finish-migration %u %s", (unsigned)slot, target) == 0);
  r = h_cmd(client, "GET {mig}:stays");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, "put", 3));
  slotwise_reply_free(r);
  slotwise_stats after = stats_now();
  CHECK(after.moved >= during.moved + 1);
  /* Once patched, the slot is served directly. */
  r = h_cmd(client, "GET {mig}:new");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, "created", 7));
  slotwise_reply_free(r);
  CHECK(stats_now().moved == after.moved);
}

/* Writes after the failover has finished, each one checked: the proof the writer came
 * through it rather than merely outlived it. */
enum { WRITES_AFTER = 100 };

struct writer {
  int failover_done;         /* set by the test thread once the helper has returned */
  long ok, failed;           /* INCRs answered OK, and failed */
  long ok_before, ok_after;  /* answered OK, begun before / after failover_done was seen */
  long attempts_after;       /* INCRs begun after failover_done was seen */
  long out_of_sequence;      /* INCRs whose reply was not the expected count */
  char last_error[512];
};

/* INCRs {fo}:counter until WRITES_AFTER of them have been attempted after the failover.
 * One writer and a counter starting at 0: the reply to every INCR must be the count of
 * INCRs acknowledged before it plus one, or an increment was lost or applied twice. */
static void *keep_incrementing(void *arg) {
  struct writer *w = arg;
  while (w->attempts_after < WRITES_AFTER) {
    int after = __atomic_load_n(&w->failover_done, __ATOMIC_ACQUIRE);
    slotwise_reply *r = NULL;
    if (slotwise_client_command(client, &r, "INCR {fo}:counter") == SLOTWISE_RESULT_OK) {
      w->ok++;
      if (r->type != SLOTWISE_REPLY_TYPE_INTEGER || r->integer != w->ok) w->out_of_sequence++;
      if (after) w->ok_after++;
      else w->ok_before++;
      slotwise_reply_free(r);
    } else {
      w->failed++;
      snprintf(w->last_error, sizeof w->last_error, "%s", slotwise_last_error());
    }
    w->attempts_after += after;
  }
  return NULL;
}

static void failover_under_load_loses_no_command(void) {
  uint16_t slot;
  CHECK_OK(slotwise_key_slot("{fo}", 4, &slot));
  slotwise_reply *r = h_cmd(client, "SET {fo}:counter 0");
  CHECK(r != NULL);
  slotwise_reply_free(r);
  slotwise_stats before = stats_now();

  struct writer w;
  memset(&w, 0, sizeof w);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, keep_incrementing, &w) == 0);
  char out[256];
  int op = h_ops(out, sizeof out, "failover %u", (unsigned)slot);
  __atomic_store_n(&w.failover_done, 1, __ATOMIC_RELEASE);
  pthread_join(t, NULL);
  /* Before the final GET below, which could meet the MOVED itself: what the writer met. */
  slotwise_stats after = stats_now();
  CHECK(op == 0);
  if (w.failed) fprintf(stderr, "    %ld failed; last: %s\n", w.failed, w.last_error);
  CHECK(w.failed == 0);
  CHECK(w.out_of_sequence == 0);
  CHECK(w.ok_before > 0);               /* it was writing while the helper failed over */
  CHECK(w.ok_after == WRITES_AFTER);    /* and every write after the change succeeded */
  /* The writer's own commands learned of the new primary (a MOVED, or a retry after the
   * old primary's connection failed, and the refresh they trigger). */
  CHECK(after.moved + after.retries + after.refreshes >
        before.moved + before.retries + before.refreshes);

  /* Every acknowledged INCR is there, read from the new primary. */
  r = h_cmd(client, "GET {fo}:counter");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_STRING);
  long counted = strtol(r->str, NULL, 10);
  slotwise_reply_free(r);
  CHECK(counted == w.ok);
}

int main(void) {
  /* No periodic refresh: the client must learn each change from the cluster's redirects
   * (and a timed refresh landing between the migration's end and the next command would
   * take the MOVED away from the test). */
  slotwise_options *o = h_options();
  if (slotwise_options_set_refresh_interval_ms(o, 3600 * 1000) != SLOTWISE_RESULT_OK) return 2;
  client = h_connect_with(o);
  if (client == NULL) return h_finish("test_cluster_ops");
  RUN(ask_during_a_slot_migration_then_moved_after_it);
  RUN(failover_under_load_loses_no_command);
  slotwise_client_free(client);
  return h_finish("test_cluster_ops");
}
