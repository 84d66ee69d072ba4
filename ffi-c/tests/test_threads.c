/* One client shared by many threads: commands, pipelines and errors from each thread at
 * once, each thread getting its own replies and its own last error. */
#include <pthread.h>

#include "harness.h"

enum { THREADS = 8, OPS = 200 };

static slotwise_client *client;

struct worker {
  int id;
  int failures;
  char why[256];
};

static void failed(struct worker *w, const char *what) {
  if (w->failures++ == 0)
    snprintf(w->why, sizeof w->why, "thread %d: %s (%s)", w->id, what, slotwise_last_error());
}

static void *work(void *arg) {
  struct worker *w = arg;
  for (int i = 0; i < OPS; i++) {
    char key[48], val[48];
    snprintf(key, sizeof key, "thr:%d:%d", w->id, i);
    snprintf(val, sizeof val, "t%d-v%d", w->id, i);
    slotwise_reply *r = NULL;
    if (slotwise_client_command(client, &r, "SET %s %s", key, val) != SLOTWISE_RESULT_OK) {
      failed(w, "SET");
      continue;
    }
    slotwise_reply_free(r);
    const char *get[] = {"GET", key};
    if (slotwise_client_command_argv(client, 2, get, NULL, &r) != SLOTWISE_RESULT_OK) {
      failed(w, "GET");
      continue;
    }
    if (!h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, val, strlen(val))) failed(w, "GET value");
    slotwise_reply_free(r);
    if (slotwise_client_command(client, &r, "INCR thr:shared") != SLOTWISE_RESULT_OK)
      failed(w, "INCR");
    else
      slotwise_reply_free(r);

    if (i % 50 == 0) {
      /* A pipeline across shards from this thread. */
      slotwise_pipeline *p = slotwise_pipeline_new();
      int appended = 0;
      for (int j = 0; j < 20; j++)
        appended += slotwise_pipeline_append(p, "SET thr:%d:p:%d %d", w->id, j, j) == SLOTWISE_RESULT_OK;
      for (int j = 0; j < 20; j++)
        appended += slotwise_pipeline_append(p, "GET thr:%d:p:%d", w->id, j) == SLOTWISE_RESULT_OK;
      if (appended != 40) {
        failed(w, "pipeline append");
      } else if (slotwise_client_run_pipeline(client, p, &r) != SLOTWISE_RESULT_OK) {
        failed(w, "pipeline");
      } else if (r->type != SLOTWISE_REPLY_TYPE_ARRAY || r->elements != 40) {
        failed(w, "pipeline reply length");
        slotwise_reply_free(r);
      } else {
        for (int j = 0; j < 20; j++) {
          char want[8];
          snprintf(want, sizeof want, "%d", j);
          if (!h_reply_is(r->element[20 + j], SLOTWISE_REPLY_TYPE_STRING, want, strlen(want)))
            failed(w, "pipeline value");
        }
        slotwise_reply_free(r);
      }
      slotwise_pipeline_free(p);

      /* An error on this thread: its message is this thread's, whatever the others do. The
       * unknown command's name is this thread's own and the server's error echoes it, so
       * another thread's message showing through would not match. */
      char name[32], echoed[64];
      snprintf(name, sizeof name, "thread-%d-nosuchcmd", w->id);
      snprintf(echoed, sizeof echoed, "unknown command '%s'", name);
      const char *bad[] = {name};
      if (slotwise_client_command_argv(client, 1, bad, NULL, &r) != SLOTWISE_RESULT_SERVER ||
          strstr(slotwise_last_error(), echoed) == NULL)
        failed(w, "error reply");
    }
  }
  return NULL;
}

static void eight_threads_share_one_client(void) {
  slotwise_reply *r = h_cmd(client, "SET thr:shared 0");
  CHECK(r != NULL);
  slotwise_reply_free(r);
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  for (int i = 0; i < THREADS; i++) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].id = i;
    CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
  }
  int failures = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    if (workers[i].failures) fprintf(stderr, "    %s\n", workers[i].why);
    failures += workers[i].failures;
  }
  CHECK(failures == 0);
  r = h_cmd(client, "GET thr:shared");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_STRING);
  long total = strtol(r->str, NULL, 10);
  slotwise_reply_free(r);
  CHECK(total == THREADS * OPS);
}

int main(void) {
  client = h_connect();
  if (client == NULL) return h_finish("test_threads");
  RUN(eight_threads_share_one_client);
  slotwise_client_free(client);
  return h_finish("test_threads");
}
