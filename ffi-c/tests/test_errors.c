/* Failures: NULL arguments, invalid options, bad seeds, wrong credentials, and the messages
 * that explain them. */
#include <dirent.h>

#include "harness.h"

static slotwise_client *client;

#define SENTINEL ((void *)&sentinel_storage)
static char sentinel_storage;

static void null_handles_and_outputs_are_reported_not_dereferenced(void) {
  slotwise_reply *reply = SENTINEL;
  slotwise_client *c = SENTINEL;
  const char *argv[] = {"PING"};
  CHECK_RESULT(slotwise_client_connect(NULL, &c), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK(c == SENTINEL);
  CHECK(h_error_has("slotwise_client_connect: argument `options` is NULL"));
  slotwise_options *o = slotwise_options_new();
  CHECK_RESULT(slotwise_client_connect(o, NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK(h_error_has("client_out"));
  slotwise_options_free(o);

  CHECK_RESULT(slotwise_client_command_argv(NULL, 1, argv, NULL, &reply),
               SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_client_command_argv(client, 1, NULL, NULL, &reply),
               SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_client_command_argv(client, 1, argv, NULL, NULL),
               SLOTWISE_RESULT_NULL_ARGUMENT);
  const char *with_null[] = {"GET", NULL};
  CHECK_RESULT(slotwise_client_command_argv(client, 2, with_null, NULL, &reply),
               SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK(h_error_has("argv[1]"));
  CHECK_RESULT(slotwise_client_command(NULL, &reply, "PING"), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_client_command(client, NULL, "PING"), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_client_command(client, &reply, NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK(reply == SENTINEL);

  CHECK_RESULT(slotwise_pipeline_append_argv(NULL, 1, argv, NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_pipeline_append(NULL, "PING"), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_pipeline_clear(NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK(slotwise_pipeline_len(NULL) == 0);
  slotwise_pipeline *p = slotwise_pipeline_new();
  CHECK_RESULT(slotwise_client_run_pipeline(NULL, p, &reply), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_client_run_pipeline(client, NULL, &reply), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_client_run_pipeline(client, p, NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  slotwise_pipeline_free(p);
  CHECK(reply == SENTINEL);

  slotwise_stats stats;
  CHECK_RESULT(slotwise_client_stats(NULL, &stats), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_client_stats(client, NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  uint16_t slot;
  CHECK_RESULT(slotwise_key_slot(NULL, 3, &slot), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_key_slot("k", 1, NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_OK(slotwise_key_slot(NULL, 0, &slot));

  CHECK_RESULT(slotwise_options_add_seed(NULL, "127.0.0.1:7000"), SLOTWISE_RESULT_NULL_ARGUMENT);
  o = slotwise_options_new();
  CHECK_RESULT(slotwise_options_add_seed(o, NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_options_set_password(o, NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_options_set_user(o, "u", NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_options_map_address(o, NULL, "127.0.0.1:1"),
               SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_RESULT(slotwise_options_set_request_timeout_ms(NULL, 5), SLOTWISE_RESULT_NULL_ARGUMENT);
  CHECK_OK(slotwise_options_enable_tls(o, NULL)); /* NULL CA: the built-in roots */
  CHECK_RESULT(slotwise_options_set_tls_client_cert(NULL, "c.crt", "c.key"),
               SLOTWISE_RESULT_NULL_ARGUMENT);
  /* Half a certificate/key pair is refused at once; both NULL removes the certificate. */
  CHECK_RESULT(slotwise_options_set_tls_client_cert(o, "c.crt", NULL),
               SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(h_error_has("key_file is NULL"));
  CHECK_RESULT(slotwise_options_set_tls_client_cert(o, NULL, "c.key"),
               SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(h_error_has("cert_file is NULL"));
  CHECK_OK(slotwise_options_set_tls_client_cert(o, NULL, NULL));
  slotwise_options_free(o);
}

static void free_of_null_is_a_no_op(void) {
  slotwise_options_free(NULL);
  slotwise_client_free(NULL);
  slotwise_pipeline_free(NULL);
  slotwise_reply_free(NULL);
}

static void invalid_arguments_say_what_is_expected(void) {
  slotwise_reply *reply = SENTINEL;
  const char *argv[] = {"PING"};
  CHECK_RESULT(slotwise_client_command_argv(client, 0, argv, NULL, &reply),
               SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(h_error_has("argc >= 1"));
  CHECK_RESULT(slotwise_client_command_argv(client, -3, argv, NULL, &reply),
               SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(reply == SENTINEL);

  slotwise_options *o = slotwise_options_new();
  CHECK_RESULT(slotwise_options_add_seed(o, "localhost"), SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(h_error_has("not a host:port address"));
  CHECK_RESULT(slotwise_options_add_seed(o, "\xff\xfe:7000"), SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(h_error_has("UTF-8"));
  CHECK_RESULT(slotwise_options_set_read_policy(o, 9), SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(h_error_has("SLOTWISE_READ_POLICY_PRIMARY"));
  CHECK_OK(slotwise_options_set_read_policy(o, SLOTWISE_READ_POLICY_PREFER_REPLICA));
  CHECK_RESULT(slotwise_options_set_protocol(o, 4), SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(slotwise_options_set_connect_timeout_ms(o, 0), SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(slotwise_options_set_retries(o, 3, 100, 10), SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK_OK(slotwise_options_set_retries(o, 3, 10, 100));
  CHECK_OK(slotwise_options_set_max_redirects(o, 4));
  CHECK_OK(slotwise_options_set_refresh_interval_ms(o, 1000));

  /* No seeds at all. */
  slotwise_client *c = SENTINEL;
  CHECK_RESULT(slotwise_client_connect(o, &c), SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(c == SENTINEL);
  CHECK(h_error_has("no seed nodes given"));
  slotwise_options_free(o);
}

static void unreachable_seeds_name_every_seed_tried(void) {
  slotwise_options *o = slotwise_options_new();
  CHECK_OK(slotwise_options_add_seed(o, "127.0.0.1:1"));
  CHECK_OK(slotwise_options_add_seed(o, "127.0.0.1:2"));
  CHECK_OK(slotwise_options_set_connect_timeout_ms(o, 500));
  slotwise_client *c = SENTINEL;
  CHECK_RESULT(slotwise_client_connect(o, &c), SLOTWISE_RESULT_CONNECTION);
  slotwise_options_free(o);
  CHECK(c == SENTINEL);
  CHECK(h_error_has("could not discover the cluster from any seed"));
  CHECK(h_error_has("127.0.0.1:1") && h_error_has("127.0.0.1:2"));
  CHECK(h_error_has("check the seed addresses"));
}

static void a_wrong_password_is_an_auth_failure_that_hides_the_password(void) {
  slotwise_options *o = slotwise_options_new();
  CHECK_OK(h_add_seeds(o, h_env("SLOTWISE_TEST_SEEDS")));
  CHECK_OK(slotwise_options_set_password(o, "not-the-password"));
  slotwise_client *c = SENTINEL;
  CHECK_RESULT(slotwise_client_connect(o, &c), SLOTWISE_RESULT_AUTH);
  slotwise_options_free(o);
  CHECK(c == SENTINEL);
  CHECK(h_error_has("authentication failed"));
  CHECK(h_error_has("check the username and password"));
  CHECK(!h_error_has("not-the-password"));

  o = slotwise_options_new();
  CHECK_OK(h_add_seeds(o, h_env("SLOTWISE_TEST_SEEDS")));
  char user[128];
  snprintf(user, sizeof user, "%s", h_env("SLOTWISE_TEST_USER"));
  *strchr(user, ':') = '\0';
  CHECK_OK(slotwise_options_set_user(o, user, "wrong"));
  CHECK_RESULT(slotwise_client_connect(o, &c), SLOTWISE_RESULT_AUTH);
  slotwise_options_free(o);
  CHECK(h_error_has("WRONGPASS") || h_error_has("invalid username-password"));
}

static void no_credentials_on_a_protected_cluster_is_an_auth_failure(void) {
  slotwise_options *o = slotwise_options_new();
  CHECK_OK(h_add_seeds(o, h_env("SLOTWISE_TEST_SEEDS")));
  slotwise_client *c = SENTINEL;
  CHECK_RESULT(slotwise_client_connect(o, &c), SLOTWISE_RESULT_AUTH);
  slotwise_options_free(o);
  CHECK(c == SENTINEL);
  CHECK(h_error_has("NOAUTH") || h_error_has("Authentication required"));
}

static void error_message_copies_into_a_caller_buffer(void) {
  CHECK_RESULT(slotwise_client_stats(NULL, NULL), SLOTWISE_RESULT_NULL_ARGUMENT);
  const char *full = slotwise_last_error();
  size_t n = slotwise_error_message(NULL, 0);
  CHECK(n == strlen(full));
  char small[8];
  CHECK(slotwise_error_message(small, sizeof small) == n);
  CHECK(strlen(small) == sizeof small - 1 && strncmp(small, full, sizeof small - 1) == 0);
  char big[256];
  CHECK(slotwise_error_message(big, sizeof big) == n && strcmp(big, full) == 0);
}

/* The number of threads of this process (Linux: one directory per thread). */
static int thread_count(void) {
  DIR *d = opendir("/proc/self/task");
  if (d == NULL) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static int count_calls(void *userdata, const char *announced, char *out, size_t out_len) {
  (void)announced, (void)out, (void)out_len;
  __atomic_add_fetch((int *)userdata, 1, __ATOMIC_RELAXED);
  return 0;
}

static void free_stops_every_library_thread(void) {
  /* After slotwise_client_free returns, no thread of the client runs on: the address map
   * callback (and its userdata, which the caller may now free) is never called again. */
  int before = thread_count();
  CHECK(before > 0);
  int calls = 0;
  slotwise_options *o = h_options();
  CHECK_OK(slotwise_options_set_address_map_callback(o, count_calls, &calls));
  CHECK_OK(slotwise_options_set_refresh_interval_ms(o, 1));
  slotwise_client *c = h_connect_with(o);
  CHECK(c != NULL);
  CHECK(thread_count() > before);
  /* The 1 ms asked for is raised to the library's 100 ms floor: the refresh thread runs
   * every 100 ms, so the free below usually meets it waiting for its next refresh and
   * sometimes in the middle of one; either way it must have ended when the free returns. */
  slotwise_reply *r = h_cmd(c, "PING");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STATUS, "PONG", 4));
  slotwise_reply_free(r);
  CHECK(__atomic_load_n(&calls, __ATOMIC_RELAXED) > 0);
  slotwise_client_free(c);
  CHECK(thread_count() == before);
}

/* Writes the announced address with a blank (`*userdata` 0) or a control character (1)
 * before its port: neither the address the node announced nor one the application gave. */
static int blank_before_port(void *userdata, const char *announced, char *out, size_t out_len) {
  const char *colon = strrchr(announced, ':');
  snprintf(out, out_len, "%.*s%s%s", (int)(colon - announced), announced,
           *(const int *)userdata ? "\x01" : " ", colon);
  return 1;
}

static void address_map_outputs_with_blanks_or_control_characters_are_refused(void) {
  /* Table entries are refused when they are added, naming the entry and the problem. */
  slotwise_options *o = slotwise_options_new();
  CHECK_RESULT(slotwise_options_map_address(o, "10.0.0.1:6379", "127.0.0.1 :7000"),
               SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(h_error_has("slotwise_options_map_address: reachable address \"127.0.0.1 :7000\" is "
                    "not a host:port address (the host \"127.0.0.1 \" contains whitespace"));
  CHECK_RESULT(slotwise_options_map_address(o, "10.0.0.1:6379", "127.0.0.1\x1b:7000"),
               SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(h_error_has("\"127.0.0.1\\u{1b}:7000\""));
  CHECK(strchr(slotwise_last_error(), '\x1b') == NULL);
  CHECK_RESULT(slotwise_options_map_address(o, "10.0.0.1:6379", "::1:7000"),
               SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(h_error_has("must be in brackets"));
  slotwise_options_free(o);

  /* A callback's output is refused before anything connects to it: at once, not after the
   * request timeout. */
  for (int mode = 0; mode < 2; mode++) {
    o = h_options();
    CHECK_OK(slotwise_options_set_request_timeout_ms(o, 10000));
    CHECK_OK(slotwise_options_set_address_map_callback(o, blank_before_port, &mode));
    slotwise_client *c = SENTINEL;
    double start = h_seconds();
    slotwise_result res = slotwise_client_connect(o, &c);
    double took = h_seconds() - start;
    slotwise_options_free(o);
    if (res == SLOTWISE_RESULT_OK) slotwise_client_free(c);
    CHECK_RESULT(res, SLOTWISE_RESULT_INVALID_ARGUMENT);
    CHECK(c == SENTINEL);
    CHECK(h_error_has("the address-map callback returned 1 for \"127.0.0.1:"));
    CHECK(h_error_has(mode ? "\\u{1}:" : " :"));
    CHECK(h_error_has("contains whitespace or a control character"));
    CHECK(strchr(slotwise_last_error(), '\x01') == NULL);
    CHECK(took < 5.0);
  }
}

static void result_names_are_stable(void) {
  CHECK(strcmp(slotwise_result_name(SLOTWISE_RESULT_OK), "SLOTWISE_RESULT_OK") == 0);
  CHECK(strcmp(slotwise_result_name(SLOTWISE_RESULT_CROSSSLOT), "SLOTWISE_RESULT_CROSSSLOT") == 0);
  CHECK(strcmp(slotwise_result_name(12345), "SLOTWISE_RESULT_UNKNOWN") == 0);
}

int main(void) {
  client = h_connect();
  if (client == NULL) return h_finish("test_errors");
  RUN(null_handles_and_outputs_are_reported_not_dereferenced);
  RUN(free_of_null_is_a_no_op);
  RUN(invalid_arguments_say_what_is_expected);
  RUN(unreachable_seeds_name_every_seed_tried);
  RUN(a_wrong_password_is_an_auth_failure_that_hides_the_password);
  RUN(no_credentials_on_a_protected_cluster_is_an_auth_failure);
  RUN(error_message_copies_into_a_caller_buffer);
  RUN(free_stops_every_library_thread);
  RUN(address_map_outputs_with_blanks_or_control_characters_are_refused);
  RUN(result_names_are_stable);
  slotwise_client_free(client);
  return h_finish("test_errors");
}
