/* Commands on a real cluster: every shard, every reply type, binary values, printf and argv
 * forms, server errors, CROSSSLOT, TLS and credentials. */
#include "harness.h"

static slotwise_client *client;

static void header_and_library_versions_match(void) {
  CHECK(strcmp(slotwise_version(), SLOTWISE_VERSION) == 0);
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", SLOTWISE_VERSION_MAJOR, SLOTWISE_VERSION_MINOR,
           SLOTWISE_VERSION_PATCH);
  CHECK(strcmp(SLOTWISE_VERSION, want) == 0);
}

static void key_slot_hashes_the_hash_tag(void) {
  uint16_t a = 0, b = 1, foo = 0;
  CHECK_OK(slotwise_key_slot("foo", 3, &foo));
  CHECK(foo == 12182);
  CHECK_OK(slotwise_key_slot("{user42}:name", 13, &a));
  CHECK_OK(slotwise_key_slot("{user42}:mail", 13, &b));
  CHECK(a == b);
}

/* 600 new keys, written one command at a time: every primary's own key count grows, and by
 * 600 in all (read with INFO through the client, a fan-out to every node). */
static void commands_reach_every_shard(void) {
  enum { N = 600 };
  static char key_bytes[N][32];
  const char *del[N + 1] = {"DEL"};
  for (int i = 0; i < N; i++) {
    snprintf(key_bytes[i], sizeof key_bytes[i], "shard:key:%d", i);
    del[i + 1] = key_bytes[i];
  }
  /* The keys may be left from an earlier run on this cluster: a DEL of keys of every slot,
   * split per node by the client, makes all 600 new again. */
  slotwise_reply *r = NULL;
  CHECK_OK(slotwise_client_command_argv(client, N + 1, del, NULL, &r));
  CHECK(r->type == SLOTWISE_REPLY_TYPE_INTEGER && r->integer >= 0 && r->integer <= N);
  slotwise_reply_free(r);
  struct h_node_keys before[8], after[8];
  int nb = h_primary_keys(client, before, 8);

  for (int i = 0; i < N; i++) {
    char val[32];
    snprintf(val, sizeof val, "value-%d", i);
    r = h_cmd(client, "SET %s %s", key_bytes[i], val);
    CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STATUS, "OK", 2));
    slotwise_reply_free(r);
  }
  int na = h_primary_keys(client, after, 8);
  CHECK_EVERY_PRIMARY_GAINED(before, nb, after, na, N);
  for (int i = 0; i < N; i++) {
    char val[32];
    snprintf(val, sizeof val, "value-%d", i);
    const char *argv[] = {"GET", key_bytes[i]};
    r = NULL;
    CHECK_OK(slotwise_client_command_argv(client, 2, argv, NULL, &r));
    CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, val, strlen(val)));
    slotwise_reply_free(r);
  }
  /* DBSIZE goes to every primary and adds up to what their INFO says. */
  long total = 0;
  for (int i = 0; i < na; i++) total += after[i].keys;
  r = h_cmd(client, "DBSIZE");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_INTEGER && r->integer == total);
  slotwise_reply_free(r);
}

static void resp2_reply_types(void) {
  slotwise_reply *r = h_cmd(client, "DEL %s %s %s", "t2:counter", "t2:list", "t2:missing");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_INTEGER);
  slotwise_reply_free(r);

  r = h_cmd(client, "INCRBY %s %lld", "t2:counter", -5000000000LL);
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_INTEGER && r->integer == -5000000000LL);
  CHECK(r->str == NULL && r->elements == 0 && r->element == NULL);
  slotwise_reply_free(r);

  r = h_cmd(client, "GET %s", "t2:missing");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_NIL && r->str == NULL);
  slotwise_reply_free(r);

  r = h_cmd(client, "RPUSH %s a %b c", "t2:list", "", (size_t)0);
  CHECK(r != NULL && r->integer == 3);
  slotwise_reply_free(r);
  r = h_cmd(client, "LRANGE %s 0 -1", "t2:list");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_ARRAY && r->elements == 3);
  CHECK(h_reply_is(r->element[0], SLOTWISE_REPLY_TYPE_STRING, "a", 1));
  CHECK(h_reply_is(r->element[1], SLOTWISE_REPLY_TYPE_STRING, "", 0));
  CHECK(h_reply_is(r->element[2], SLOTWISE_REPLY_TYPE_STRING, "c", 1));
  slotwise_reply_free(r);

  /* MGET across slots: split per node, reassembled in the caller's order, nil included. */
  r = h_cmd(client, "MGET shard:key:1 t2:missing shard:key:2 shard:key:3");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_ARRAY && r->elements == 4);
  CHECK(h_reply_is(r->element[0], SLOTWISE_REPLY_TYPE_STRING, "value-1", 7));
  CHECK(r->element[1]->type == SLOTWISE_REPLY_TYPE_NIL);
  CHECK(h_reply_is(r->element[2], SLOTWISE_REPLY_TYPE_STRING, "value-2", 7));
  CHECK(h_reply_is(r->element[3], SLOTWISE_REPLY_TYPE_STRING, "value-3", 7));
  slotwise_reply_free(r);
}

static void resp3_reply_types(void) {
  slotwise_options *o = h_options();
  CHECK_OK(slotwise_options_set_protocol(o, SLOTWISE_PROTOCOL_RESP3));
  slotwise_client *c3 = h_connect_with(o);
  CHECK(c3 != NULL);

  slotwise_reply *r = h_cmd(c3, "HSET %s f1 v1 f2 v2", "t3:hash");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_INTEGER);
  slotwise_reply_free(r);
  r = h_cmd(c3, "HGETALL %s", "t3:hash");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_MAP && r->elements == 4);
  CHECK(h_reply_is(r->element[0], SLOTWISE_REPLY_TYPE_STRING, "f1", 2) ||
        h_reply_is(r->element[0], SLOTWISE_REPLY_TYPE_STRING, "f2", 2));
  slotwise_reply_free(r);

  r = h_cmd(c3, "SADD %s x", "t3:set");
  slotwise_reply_free(r);
  r = h_cmd(c3, "SMEMBERS %s", "t3:set");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_SET && r->elements == 1);
  CHECK(h_reply_is(r->element[0], SLOTWISE_REPLY_TYPE_STRING, "x", 1));
  slotwise_reply_free(r);

  r = h_cmd(c3, "ZADD %s %f m", "t3:zset", 2.5);
  slotwise_reply_free(r);
  r = h_cmd(c3, "ZSCORE %s m", "t3:zset");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_DOUBLE && r->dval == 2.5);
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_DOUBLE, "2.5", 3));
  slotwise_reply_free(r);

  r = h_cmd(c3, "EVAL %s 0", "redis.setresp(3); return true");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_BOOL && r->integer == 1);
  slotwise_reply_free(r);

  r = h_cmd(c3, "EVAL %s 0", "redis.setresp(3); return {big_number='123456789012345678901234567890'}");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_BIGNUM, "123456789012345678901234567890", 30));
  slotwise_reply_free(r);

  r = h_cmd(c3, "EVAL %s 0", "redis.setresp(3); return {double=0.125}");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_DOUBLE && r->dval == 0.125);
  slotwise_reply_free(r);

  r = h_cmd(c3, "LOLWUT VERSION 5 1 1 1");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_VERB && strcmp(r->vtype, "txt") == 0);
  CHECK(r->len > 0 && strstr(r->str, "Redis ver.") != NULL);
  slotwise_reply_free(r);

  r = h_cmd(c3, "GET %s", "t3:missing");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_NIL);
  slotwise_reply_free(r);
  slotwise_client_free(c3);
}

static void binary_values_keep_nul_bytes(void) {
  const char value[] = {'a', '\0', 'b', '\0', '\0', 'c', '\r', '\n', (char)0xff};
  const char key[] = {'b', 'i', 'n', '\0', 'k'};
  /* argv with lengths: key and value both contain NULs. */
  const char *set[] = {"SET", key, value};
  size_t set_len[] = {3, sizeof key, sizeof value};
  slotwise_reply *r = NULL;
  CHECK_OK(slotwise_client_command_argv(client, 3, set, set_len, &r));
  slotwise_reply_free(r);
  const char *get[] = {"GET", key};
  size_t get_len[] = {3, sizeof key};
  r = NULL;
  CHECK_OK(slotwise_client_command_argv(client, 2, get, get_len, &r));
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, value, sizeof value));
  slotwise_reply_free(r);

  /* printf %b: the same bytes through the format path. */
  r = h_cmd(client, "SET %b %b", "bin\0fmt", (size_t)7, value, sizeof value);
  CHECK(r != NULL);
  slotwise_reply_free(r);
  r = h_cmd(client, "GET %b", "bin\0fmt", (size_t)7);
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, value, sizeof value));
  slotwise_reply_free(r);

  /* A 1 MiB value with NULs every 7 bytes. */
  size_t big_len = 1 << 20;
  char *big = malloc(big_len);
  CHECK(big != NULL);
  for (size_t i = 0; i < big_len; i++) big[i] = (char)(i % 7 == 0 ? 0 : 'a' + i % 26);
  r = h_cmd(client, "SET bin:big %b", big, big_len);
  if (r == NULL) free(big);
  CHECK(r != NULL);
  slotwise_reply_free(r);
  r = h_cmd(client, "GET bin:big");
  int same = h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, big, big_len);
  free(big);
  slotwise_reply_free(r);
  CHECK(same);
}

static void printf_conversions_format_like_printf(void) {
  slotwise_reply *r = h_cmd(client, "SET fmt:%s:%d %05.2f|%u|%x|%zu|%lld|%c|100%%", "k", 7, 3.14159,
                            42u, 255u, (size_t)12, -9LL, 'Z');
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STATUS, "OK", 2));
  slotwise_reply_free(r);
  r = h_cmd(client, "GET fmt:k:7");
  const char want[] = "03.14|42|ff|12|-9|Z|100%";
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, want, strlen(want)));
  slotwise_reply_free(r);

  /* Interpolated values keep their spaces; an interpolated empty string is an argument. */
  r = h_cmd(client, "SET %s %s", "fmt:spaced key", "a value with spaces");
  slotwise_reply_free(r);
  r = h_cmd(client, "GET %s", "fmt:spaced key");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, "a value with spaces", 19));
  slotwise_reply_free(r);
  r = h_cmd(client, "SET fmt:empty %s", "");
  slotwise_reply_free(r);
  r = h_cmd(client, "STRLEN fmt:empty");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_INTEGER && r->integer == 0);
  slotwise_reply_free(r);

  /* A number SLOTWISE_FORMAT_NUMBER_MAX bytes long fits; one byte longer is refused. */
  char wide[64];
  snprintf(wide, sizeof wide, "SET fmt:wide %%%dd", SLOTWISE_FORMAT_NUMBER_MAX);
  r = h_cmd(client, wide, 7);
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STATUS, "OK", 2));
  slotwise_reply_free(r);
  r = h_cmd(client, "STRLEN fmt:wide");
  CHECK(r != NULL && r->type == SLOTWISE_REPLY_TYPE_INTEGER &&
        r->integer == SLOTWISE_FORMAT_NUMBER_MAX);
  slotwise_reply_free(r);

  slotwise_reply *untouched = (slotwise_reply *)&untouched;
  snprintf(wide, sizeof wide, "SET fmt:wide %%%dd", SLOTWISE_FORMAT_NUMBER_MAX + 1);
  CHECK_RESULT(slotwise_client_command(client, &untouched, wide, 7), SLOTWISE_RESULT_FORMAT);
  CHECK(untouched == (slotwise_reply *)&untouched);
  CHECK(h_error_has("longer than SLOTWISE_FORMAT_NUMBER_MAX (511 bytes)"));
  CHECK_RESULT(slotwise_client_command(client, &untouched, "GET %s", (const char *)NULL),
               SLOTWISE_RESULT_FORMAT);
  CHECK(untouched == (slotwise_reply *)&untouched);
  CHECK(h_error_has("NULL"));
  CHECK_RESULT(slotwise_client_command(client, &untouched, "GET %p", (void *)&untouched),
               SLOTWISE_RESULT_FORMAT);
  CHECK(h_error_has("unsupported conversion %p"));
  CHECK_RESULT(slotwise_client_command(client, &untouched, "   "), SLOTWISE_RESULT_FORMAT);
  CHECK(untouched == (slotwise_reply *)&untouched);
}

static void server_error_replies_are_a_result_code(void) {
  slotwise_reply *r = h_cmd(client, "SET err:str value");
  slotwise_reply_free(r);
  slotwise_reply *untouched = (slotwise_reply *)&untouched;
  CHECK_RESULT(slotwise_client_command(client, &untouched, "LPUSH err:str x"),
               SLOTWISE_RESULT_SERVER);
  CHECK(untouched == (slotwise_reply *)&untouched);
  CHECK(h_error_has("WRONGTYPE"));
  CHECK(h_error_has("from 127.0.0.1:"));
  CHECK_RESULT(slotwise_client_command(client, &untouched, "NOSUCHCOMMAND k"),
               SLOTWISE_RESULT_SERVER);
  CHECK(h_error_has("unknown command"));
}

static void crossslot_names_each_key_slot_and_the_hash_tag_fix(void) {
  uint16_t a, b;
  CHECK_OK(slotwise_key_slot("user:1:name", 11, &a));
  CHECK_OK(slotwise_key_slot("user:2:name", 11, &b));
  CHECK(a != b);
  slotwise_reply *untouched = (slotwise_reply *)&untouched;
  CHECK_RESULT(slotwise_client_command(client, &untouched, "RENAME user:1:name user:2:name"),
               SLOTWISE_RESULT_CROSSSLOT);
  CHECK(untouched == (slotwise_reply *)&untouched);
  char slot_a[64], slot_b[64];
  snprintf(slot_a, sizeof slot_a, "\"user:1:name\" -> slot %u", (unsigned)a);
  snprintf(slot_b, sizeof slot_b, "\"user:2:name\" -> slot %u", (unsigned)b);
  CHECK(h_error_has("CROSSSLOT"));
  CHECK(h_error_has(slot_a));
  CHECK(h_error_has(slot_b));
  CHECK(h_error_has("hash tag"));
  /* The fix the message suggests works. */
  slotwise_reply *r = h_cmd(client, "SET {user1}:name x");
  slotwise_reply_free(r);
  r = h_cmd(client, "RENAME {user1}:name {user1}:alias");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STATUS, "OK", 2));
  slotwise_reply_free(r);
}

static void tls_with_the_cluster_ca_and_a_client_certificate(void) {
  slotwise_options *o = slotwise_options_new();
  CHECK_OK(h_add_seeds(o, h_env("SLOTWISE_TEST_TLS_SEEDS")));
  CHECK_OK(h_set_user(o));
  /* Either order: enabling TLS keeps the client certificate. */
  CHECK_OK(slotwise_options_set_tls_client_cert(o, h_env("SLOTWISE_TEST_CLIENT_CERT"),
                                                h_env("SLOTWISE_TEST_CLIENT_KEY")));
  CHECK_OK(slotwise_options_enable_tls(o, h_env("SLOTWISE_TEST_CA_FILE")));
  slotwise_client *tls = h_connect_with(o);
  CHECK(tls != NULL);
  slotwise_reply *r = h_cmd(tls, "SET %s over-tls", "tls:key");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STATUS, "OK", 2));
  slotwise_reply_free(r);
  r = h_cmd(client, "GET tls:key");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, "over-tls", 8));
  slotwise_reply_free(r);
  slotwise_client_free(tls);

  /* The nodes require a client certificate: without one the connection is refused, and
   * the message says what to set. */
  o = slotwise_options_new();
  CHECK_OK(h_add_seeds(o, h_env("SLOTWISE_TEST_TLS_SEEDS")));
  CHECK_OK(h_set_user(o));
  CHECK_OK(slotwise_options_enable_tls(o, h_env("SLOTWISE_TEST_CA_FILE")));
  slotwise_client *uncertified = NULL;
  slotwise_result refused_res = slotwise_client_connect(o, &uncertified);
  slotwise_options_free(o);
  CHECK(refused_res != SLOTWISE_RESULT_OK && uncertified == NULL);
  CHECK(h_error_has("requires a TLS client certificate"));

  /* A key that is not the certificate's: refused before connecting, naming the file. */
  o = slotwise_options_new();
  CHECK_OK(h_add_seeds(o, h_env("SLOTWISE_TEST_TLS_SEEDS")));
  CHECK_OK(slotwise_options_set_tls_client_cert(o, h_env("SLOTWISE_TEST_CLIENT_CERT"),
                                                h_env("SLOTWISE_TEST_CLIENT_CERT")));
  refused_res = slotwise_client_connect(o, &uncertified);
  slotwise_options_free(o);
  CHECK_RESULT(refused_res, SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(uncertified == NULL && h_error_has("no private key") &&
        h_error_has(h_env("SLOTWISE_TEST_CLIENT_CERT")));

  /* Without the CA the self-signed certificates are refused, and the message says so. */
  o = slotwise_options_new();
  CHECK_OK(h_add_seeds(o, h_env("SLOTWISE_TEST_TLS_SEEDS")));
  CHECK_OK(h_set_user(o));
  CHECK_OK(slotwise_options_enable_tls(o, NULL));
  slotwise_client *refused = NULL;
  slotwise_result res = slotwise_client_connect(o, &refused);
  slotwise_options_free(o);
  CHECK(res != SLOTWISE_RESULT_OK && refused == NULL);
  CHECK(h_error_has("certificate") || h_error_has("Certificate"));
}

static void default_user_password_works_too(void) {
  slotwise_options *o = slotwise_options_new();
  CHECK_OK(h_add_seeds(o, h_env("SLOTWISE_TEST_SEEDS")));
  CHECK_OK(slotwise_options_set_password(o, h_env("SLOTWISE_TEST_PASSWORD")));
  slotwise_client *c = h_connect_with(o);
  CHECK(c != NULL);
  slotwise_reply *r = h_cmd(c, "GET shard:key:5");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, "value-5", 7));
  slotwise_reply_free(r);
  slotwise_client_free(c);
}

static void address_map_table_reroutes_announced_addresses(void) {
  /* Map every node's announced address to itself spelled "localhost": the client then
   * connects to what the map says. */
  char seeds[1024];
  snprintf(seeds, sizeof seeds, "%s", h_env("SLOTWISE_TEST_SEEDS"));
  slotwise_options *o = h_options();
  for (char *save = NULL, *s = strtok_r(seeds, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
    char mapped[64];
    snprintf(mapped, sizeof mapped, "localhost:%s", strchr(s, ':') + 1);
    CHECK_OK(slotwise_options_map_address(o, s, mapped));
  }
  slotwise_client *c = h_connect_with(o);
  CHECK(c != NULL);
  slotwise_reply *r = h_cmd(c, "GET shard:key:9");
  CHECK(h_reply_is(r, SLOTWISE_REPLY_TYPE_STRING, "value-9", 7));
  slotwise_reply_free(r);
  slotwise_client_free(c);
}

static int to_port_one(void *userdata, const char *announced, char *out, size_t out_len) {
  (void)announced;
  __atomic_add_fetch((int *)userdata, 1, __ATOMIC_RELAXED);
  snprintf(out, out_len, "127.0.0.1:1");
  return 1;
}

static void address_map_callback_decides_where_commands_go(void) {
  /* Every announced address mapped to a closed port: discovery still works through the
   * seeds, but commands go where the map says, and fail there. */
  int calls = 0;
  slotwise_options *o = h_options();
  CHECK_OK(slotwise_options_set_address_map_callback(o, to_port_one, &calls));
  CHECK_OK(slotwise_options_set_request_timeout_ms(o, 500));
  slotwise_client *c = h_connect_with(o);
  CHECK(c != NULL);
  slotwise_reply *r = NULL;
  slotwise_result res = slotwise_client_command(c, &r, "GET shard:key:9");
  slotwise_client_free(c);
  CHECK(res == SLOTWISE_RESULT_CONNECTION || res == SLOTWISE_RESULT_TIMEOUT);
  CHECK(r == NULL);
  CHECK(h_error_has_addr("127.0.0.1:1"));
  CHECK(calls > 0);
}

/* Outputs that break the callback contract, one per mode. */
enum bad_output { EMPTY, NO_NUL, NOT_UTF8, NO_PORT, BAD_PORT, BAD_RETURN, N_BAD };

static int bad_output(void *userdata, const char *announced, char *out, size_t out_len) {
  (void)announced;
  switch (*(const enum bad_output *)userdata) {
  case EMPTY: out[0] = '\0'; return 1;
  case NO_NUL: memset(out, 'x', out_len); return 1;
  case NOT_UTF8: snprintf(out, out_len, "\xff\xfe:7000"); return 1;
  case NO_PORT: snprintf(out, out_len, "localhost"); return 1;
  case BAD_PORT: snprintf(out, out_len, "127.0.0.1:99999"); return 1;
  default: snprintf(out, out_len, "127.0.0.1:7000"); return 7;
  }
}

static void an_invalid_callback_output_fails_the_connect(void) {
  /* Discovery maps every node: a broken output is reported, naming the node's announced
   * address and the mistake, instead of being replaced by the announced address unseen. */
  static const char *const said[N_BAD] = {
      [EMPTY] = "wrote an empty string",
      [NO_NUL] = "wrote no NUL within the 256 bytes of `out`",
      [NOT_UTF8] = "wrote bytes that are not UTF-8",
      [NO_PORT] = "wrote \"localhost\", which is not a host:port address",
      [BAD_PORT] = "wrote \"127.0.0.1:99999\", which is not a host:port address",
      [BAD_RETURN] = "returned 7 for \"127.0.0.1:",
  };
  for (enum bad_output mode = 0; mode < N_BAD; mode++) {
    slotwise_options *o = h_options();
    CHECK_OK(slotwise_options_set_address_map_callback(o, bad_output, &mode));
    slotwise_client *c = (slotwise_client *)&c;
    slotwise_result res = slotwise_client_connect(o, &c);
    slotwise_options_free(o);
    if (res == SLOTWISE_RESULT_OK) slotwise_client_free(c);
    CHECK_RESULT(res, SLOTWISE_RESULT_INVALID_ARGUMENT);
    CHECK(c == (slotwise_client *)&c);
    CHECK(h_error_has("slotwise_client_connect: the address-map callback returned "));
    CHECK(h_error_has(" for \"127.0.0.1:"));
    CHECK(h_error_has(said[mode]));
    CHECK(h_error_has("or return 0 to keep the announced address"));
    CHECK(h_error_has("found while discovering the cluster; no client was created"));
  }
}

/* Maps nothing until `*userdata` is set, then writes an address without a port. */
static int breaks_when_told(void *userdata, const char *announced, char *out, size_t out_len) {
  (void)announced;
  if (!__atomic_load_n((int *)userdata, __ATOMIC_ACQUIRE)) return 0;
  snprintf(out, out_len, "nowhere");
  return 1;
}

static void an_invalid_callback_output_after_connect_fails_the_next_command(void) {
  int broken = 0;
  slotwise_options *o = h_options();
  CHECK_OK(slotwise_options_set_address_map_callback(o, breaks_when_told, &broken));
  CHECK_OK(slotwise_options_set_refresh_interval_ms(o, 100));
  slotwise_client *c = h_connect_with(o);
  CHECK(c != NULL);
  __atomic_store_n(&broken, 1, __ATOMIC_RELEASE);
  /* The next periodic refresh maps every node through the callback; the command after it
   * reports the fault. Poll for that (the deadline only guards against a hang). */
  slotwise_result res = SLOTWISE_RESULT_OK;
  slotwise_reply *r = NULL;
  for (double end = h_seconds() + 60; res == SLOTWISE_RESULT_OK && h_seconds() < end;) {
    r = NULL;
    res = slotwise_client_command(c, &r, "GET shard:key:9");
    if (res == SLOTWISE_RESULT_OK) slotwise_reply_free(r);
  }
  char first_error[1024];
  slotwise_error_message(first_error, sizeof first_error);
  /* Fixed again: once the fault has been reported (a refresh already under way may still
   * record one more), commands run again. */
  __atomic_store_n(&broken, 0, __ATOMIC_RELEASE);
  slotwise_result again = SLOTWISE_RESULT_INVALID_ARGUMENT;
  slotwise_reply *value = NULL;
  for (double end = h_seconds() + 60; again == SLOTWISE_RESULT_INVALID_ARGUMENT && h_seconds() < end;)
    again = slotwise_client_command(c, &value, "GET shard:key:9");
  slotwise_client_free(c);
  int value_ok = h_reply_is(value, SLOTWISE_REPLY_TYPE_STRING, "value-9", 7);
  slotwise_reply_free(value);

  CHECK_RESULT(res, SLOTWISE_RESULT_INVALID_ARGUMENT);
  CHECK(r == NULL);
  CHECK(strstr(first_error, "slotwise_client_command: the address-map callback returned 1 for "
                            "\"127.0.0.1:") != NULL);
  CHECK(strstr(first_error, "wrote \"nowhere\", which is not a host:port address") != NULL);
  CHECK(strstr(first_error, "this command was not sent") != NULL);
  CHECK_RESULT(again, SLOTWISE_RESULT_OK);
  CHECK(value_ok);
}

static void stats_are_readable(void) {
  slotwise_stats s;
  memset(&s, 0xff, sizeof s);
  CHECK_OK(slotwise_client_stats(client, &s));
  CHECK(s.refreshes >= 1);
  CHECK(s.moved < 1000000 && s.ask < 1000000);
}

int main(void) {
  client = h_connect();
  if (client == NULL) return h_finish("test_commands");
  RUN(header_and_library_versions_match);
  RUN(key_slot_hashes_the_hash_tag);
  RUN(commands_reach_every_shard);
  RUN(resp2_reply_types);
  RUN(resp3_reply_types);
  RUN(binary_values_keep_nul_bytes);
  RUN(printf_conversions_format_like_printf);
  RUN(server_error_replies_are_a_result_code);
  RUN(crossslot_names_each_key_slot_and_the_hash_tag_fix);
  RUN(tls_with_the_cluster_ca_and_a_client_certificate);
  RUN(default_user_password_works_too);
  RUN(address_map_table_reroutes_announced_addresses);
  RUN(address_map_callback_decides_where_commands_go);
  RUN(an_invalid_callback_output_fails_the_connect);
  RUN(an_invalid_callback_output_after_connect_fails_the_next_command);
  RUN(stats_are_readable);
  slotwise_client_free(client);
  return h_finish("test_commands");
}
