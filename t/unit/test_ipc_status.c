/* test_ipc_status.c: Check unit tests for the STATUS messages of pm/ipc.c
 * (the request, and the reply that carries a snapshot, pm/status_data.h).
 *
 * A table of snapshots (empty, one of each row, odd strings, many rows)
 * is encoded, its header checked and decoded back field by field; each
 * valid body is cut at every length and extended with trailing bytes,
 * and all of those must be rejected.  Counts over the caps or over what
 * the body can hold, and values out of range, are rejected before
 * anything is allocated for them; a metrics row's counters must come in
 * ascending id order, each once and not 0 (the one encoding of a row).
 * Fresh APR pool per test (fork mode).
 */
#include <apr.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <check.h>
#include "t/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/ipc.h"
#include "t/unit/ipc_check.h"
#include "t/unit/status_eq.h"

/* Offsets in a reply body: 5 PM-wide u32, then the class count. */
#define OFF_DRAINING    16
#define OFF_NCLASSES    20

static void fill_class(apr_pool_t *p, fcgp_status_class_t *c, unsigned i)
{
    c->name = apr_psprintf(p, "/usr/bin/php-cgi #%u", i);
    c->processes = i;
    c->waiting = i * 3;
    c->max_procs = 100 + i;
    c->min_procs = i % 2;
    c->limit = i * 1000;
    c->limit_source = i % (FCGP_LIMIT_LEARNED + 1);
    c->program_inode = i ? APR_UINT64_C(0xFFFFFFFFFFFFFFFF) - i : 0;
    c->program_mtime = i ? APR_INT64_C(1700000000000000) + i : 0;
    c->replaced = i % 2 ? APR_INT64_C(0x7FFFFFFFFFFFFFFF) : 0;
    c->slow_requests = i ? APR_UINT64_C(0xFFFFFFFFFFFFFFFF) - 7 * i : 0;
}

static void fill_worker(apr_pool_t *p, fcgp_status_worker_t *w, unsigned i)
{
    w->slot = i;
    w->pid = 40000 + i;
    w->cls = apr_psprintf(p, "/srv/app%u.fcgi", i % 3);
    w->state = i % (FCGP_WORKER_STOPPING + 1);
    w->last_request = i % 3;
    w->requests = i * 7;
    w->limit = i ? 0xFFFFFFFFu : 0;
    w->limit_source = FCGP_LIMIT_LEARNED - i % (FCGP_LIMIT_LEARNED + 1);
    w->age = apr_time_from_sec(i) + 17;
    w->idle = i % 2 ? 0 : APR_INT64_C(0x7FFFFFFFFFFFFFFF);
    w->reason = w->state == FCGP_WORKER_STOPPING ? "idle timeout" : "";
    w->parent_pid = i % 2 ? 30000 + i : 0;
    w->renewals = i * 3;
    w->method = w->state == FCGP_WORKER_BUSY ? "POST" : "";
    w->uri = w->state == FCGP_WORKER_BUSY
             ? apr_psprintf(p, "/app%u.fcgi?sleep=%u", i % 3, i) : "";
    w->running = w->state == FCGP_WORKER_BUSY ? apr_time_from_msec(i) : 0;
    w->last_took = i % 2 ? APR_INT64_C(0x7FFFFFFFFFFFFFFF) : i;
}

static void fill_exit(apr_pool_t *p, fcgp_status_exit_t *e, unsigned i)
{
    e->when = APR_INT64_C(1700000000000000) + i;
    e->pid = 50000 + i;
    e->cls = i % 2 ? "" : apr_psprintf(p, "cls %u", i);
    e->how = i % 2 ? "killed by signal 9 (Killed)" : "exit status 0";
    e->reason = "retired (request limit)";
    e->requests = i;
    e->uptime = apr_time_from_msec(i * 250);
}

/* A metrics row: counters at a few ids (none, the first, the last, every
 * one in the big snapshot). */
static void fill_metric(apr_pool_t *p, fcgp_status_metrics_t *m, unsigned i)
{
    unsigned id;
    m->command = i == 0 ? "" : apr_psprintf(p, "/srv/app%u.fcgi --x", i);
    m->vhost = i == 0 ? "" : "www.example.org:80";
    m->since = APR_INT64_C(1700000000000000) + i;
    m->classes = i;
    m->known = i % 2;
    m->idle = i;
    m->active = i + 1;
    m->leaving = i % 3;
    m->stopping = i % 4;
    m->waiting = i * 5;
    m->max_procs = 2 * i + 1;
    m->limit = i * 100;
    m->learned_limit = i * 99;
    m->backoff = i % 2 ? apr_time_from_sec(i) : 0;
    if (i % 3 == 1) {
        m->v[0] = 1;
        m->v[FCGP_CNT_N - 1] = APR_UINT64_C(0xFFFFFFFFFFFFFFFF);
        m->v[FCGP_CNT_STATUS] = i;
    }
    else if (i % 3 == 2) {
        for (id = 0; id < FCGP_CNT_N; id++) {
            m->v[id] = id + i;
        }
    }
}

/* Snapshot i of the table: rows counts, and odd strings in some. */
#define N_SNAP 8
static void make_snapshot(apr_pool_t *p, int i, fcgp_status_t *st)
{
    static const apr_uint32_t rows[N_SNAP][4] = {
        {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0},
        {1, 1, 1, 1}, {3, 20, 20, 3}, {40, 1000, FCGP_STATUS_MAX_EXITS, 102},
        {0, 0, 0, 2}
    };
    apr_uint32_t k;
    memset(st, 0, sizeof(*st));
    st->pm_pid = 1234 + (apr_uint32_t)i;
    st->processes = rows[i][1];
    st->max_processes = i ? 1000 : 0xFFFFFFFFu;
    st->exits_total = rows[i][2] * 3;
    st->draining = i % 2;
    st->nclasses = rows[i][0];
    st->nworkers = rows[i][1];
    st->nexits = rows[i][2];
    st->classes = apr_pcalloc(p, sizeof(*st->classes) * (st->nclasses + 1));
    st->workers = apr_pcalloc(p, sizeof(*st->workers) * (st->nworkers + 1));
    st->exits = apr_pcalloc(p, sizeof(*st->exits) * (st->nexits + 1));
    st->counters_since = APR_INT64_C(1600000000000000) + i;
    st->classes_total = rows[i][3] * 2;
    st->nmetrics = rows[i][3];
    st->metrics = apr_pcalloc(p, sizeof(*st->metrics) * (st->nmetrics + 1));
    for (k = 0; k < st->nmetrics; k++) {
        fill_metric(p, &st->metrics[k], k + (i == 4));
    }
    for (k = 0; k < st->nclasses; k++) {
        fill_class(p, &st->classes[k], k);
    }
    for (k = 0; k < st->nworkers; k++) {
        fill_worker(p, &st->workers[k], k);
    }
    for (k = 0; k < st->nexits; k++) {
        fill_exit(p, &st->exits[k], k);
    }
    if (i == 4) {               /* every byte but NUL; 64 KiB */
        st->classes[0].name = all_bytes(p);
        st->workers[0].cls = pattern(p, 64 * 1024, 5);
        st->exits[0].reason = "<script>\"quoted\" & \\ \n";
        st->workers[0].reason = "retired (<idle> \"timeout\" &)";
        st->metrics[0].command = all_bytes(p);
        st->workers[0].uri = "/<b>?a=\"1\"&b=%00";
    }
}

static apr_status_t dec_reply(apr_pool_t *p, const char *b, apr_size_t n,
                              void *m)
{
    return fcgp_ipc_decode_status_reply(p, b, n, m);
}

/* Encode st; its body and the body's length. */
static const char *encode(const fcgp_status_t *st, apr_size_t *blen)
{
    char *msg;
    apr_size_t len;
    REQUIRE(fcgp_ipc_encode_status_reply(pool, PID, st, &msg, &len)
            == APR_SUCCESS);
    *blen = check_hdr(msg, len, FCGP_MSG_STATUS_REPLY);
    return msg + FCGP_IPC_HDR_LEN;
}

/* Snapshot i of the table, encoded. */
static const char *encode_nth(int i, apr_size_t *blen)
{
    fcgp_status_t st;
    make_snapshot(pool, i, &st);
    return encode(&st, blen);
}

START_TEST(test_reply_round_trip)
{
    fcgp_status_t in, out;
    const char *body;
    apr_size_t blen;

    snprintf(ctx, sizeof(ctx), "snapshot %d", _i);
    make_snapshot(pool, _i, &in);
    body = encode(&in, &blen);
    memset(&out, 0x5A, sizeof(out));
    REQUIRE(fcgp_ipc_decode_status_reply(pool, body, blen, &out)
            == APR_SUCCESS);
    REQUIRE(status_eq(&in, &out));
}
END_TEST

/* Every truncation point fails cleanly, and so do trailing bytes (the
 * large snapshot is sampled: see check_cuts). */
START_TEST(test_reply_cuts)
{
    apr_size_t blen;
    const char *body = encode_nth(_i, &blen);
    snprintf(ctx, sizeof(ctx), "snapshot %d", _i);
    check_cuts(body, blen, dec_reply, sizeof(fcgp_status_t));
}
END_TEST

/* The fixed part of the reply, byte for byte. */
START_TEST(test_reply_wire_layout)
{
    apr_size_t blen;
    const unsigned char *b = (const unsigned char *)encode_nth(3, &blen);
    REQUIRE(be32(b) == 1237);                   /* pm_pid */
    REQUIRE(be32(b + 4) == 0 && be32(b + 8) == 1000 && be32(b + 12) == 3);
    REQUIRE(be32(b + OFF_DRAINING) == 1);
    REQUIRE(be32(b + OFF_NCLASSES) == 0);
    REQUIRE(be32(b + 24) == 0);                 /* no workers */
    REQUIRE(be32(b + 28) == 1);                 /* one exit */
    REQUIRE(be32(b + 32) == 0x00060A24u);       /* when, high half */
    /* then the counters' start, the class count, no metrics row */
    REQUIRE(blen == 32 + 8 + 4 + 4 + 5 + 4 + 13 + 4 + 23 + 4 + 8 + 16);
    REQUIRE(be32(b + blen - 16) == 0x5AF31u);      /* since, high half */
    REQUIRE(be32(b + blen - 12) == 0x07A40003u);
    REQUIRE(be32(b + blen - 8) == 0);               /* classes_total */
    REQUIRE(be32(b + blen - 4) == 0);               /* no metrics row */
}
END_TEST

/* A body whose count field (at off) is replaced by v must be rejected. */
static void expect_count_rejected(int snap, apr_size_t off, apr_uint32_t v)
{
    apr_size_t blen;
    const char *body = encode_nth(snap, &blen);
    char *copy = apr_pmemdup(pool, body, blen);
    fcgp_status_t st;
    put32((unsigned char *)copy + off, v);
    snprintf(ctx, sizeof(ctx), "snapshot %d, u32 at %lu = %lu", snap,
             (unsigned long)off, (unsigned long)v);
    REQUIRE(fcgp_ipc_decode_status_reply(pool, copy, blen, &st)
            == APR_EINVAL);
    REQUIRE(st.nclasses == 0 && st.nworkers == 0 && st.nexits == 0);
}

/* Counts over the cap, or larger than the body could hold. */
START_TEST(test_reply_overlong_counts)
{
    static const apr_uint32_t lies[] = {
        1, 2, 1000, FCGP_STATUS_MAX_CLASSES, FCGP_STATUS_MAX_CLASSES + 1,
        0x7FFFFFFFu, 0xFFFFFFFFu
    };
    int k;
    for (k = 0; k < N_OF(lies); k++) {
        expect_count_rejected(0, OFF_NCLASSES, lies[k]);
        expect_count_rejected(0, OFF_NCLASSES + 4, lies[k]);
        expect_count_rejected(0, OFF_NCLASSES + 8, lies[k]);
    }
    /* one more row than there is */
    expect_count_rejected(1, OFF_NCLASSES, 2);
    /* the metrics rows' count: last in an empty snapshot (at 44) */
    for (k = 0; k < N_OF(lies); k++) {
        expect_count_rejected(0, OFF_NCLASSES + 24, lies[k]);
    }
    expect_count_rejected(7, OFF_NCLASSES + 24, 3);
}
END_TEST

/* One metrics row with counters at ids 3 and 7 (values 5 and 9): the
 * body ends with its pairs (count, id, value, id, value).  Each spoiled
 * pair must be rejected. */
START_TEST(test_reply_metric_pairs)
{
    static const struct {
        const char *what;
        apr_size_t off;         /* from the end of the body */
        apr_uint32_t v;
    } cases[] = {
        {"ids not ascending", 12, 3},
        {"ids reversed", 24, 8},
        {"id past the last", 12, FCGP_CNT_N},
        {"id far out", 24, 0xFFFFFFFFu},
        {"a value 0", 4, 0},
        {"one pair more", 28, 3},
        {"more pairs than ids", 28, FCGP_CNT_N + 1},
        {"known 2", 28 + 8 + 4 * 9, 2}
    };
    fcgp_status_t st, out;
    const char *body;
    apr_size_t blen;
    char *copy;
    int k;

    memset(&st, 0, sizeof(st));
    st.nmetrics = 1;
    st.metrics = apr_pcalloc(pool, sizeof(*st.metrics));
    st.metrics[0].command = "c";
    st.metrics[0].vhost = "v";
    st.metrics[0].v[3] = 5;
    st.metrics[0].v[7] = 9;
    body = encode(&st, &blen);
    REQUIRE(be32((const unsigned char *)body + blen - 28) == 2);
    REQUIRE(fcgp_ipc_decode_status_reply(pool, body, blen, &out)
            == APR_SUCCESS);
    REQUIRE(out.metrics[0].v[3] == 5 && out.metrics[0].v[7] == 9);
    for (k = 0; k < N_OF(cases); k++) {
        snprintf(ctx, sizeof(ctx), "%s", cases[k].what);
        copy = apr_pmemdup(pool, body, blen);
        put32((unsigned char *)copy + blen - cases[k].off, cases[k].v);
        REQUIRE(fcgp_ipc_decode_status_reply(pool, copy, blen, &out)
                == APR_EINVAL);
        REQUIRE(out.nmetrics == 0 && out.metrics == NULL);
    }
}
END_TEST

/* Values out of range inside otherwise well-formed bodies: snapshot 4
 * (one row of each kind) with one field spoiled. */
static const char *const bad_value_cases[] = {
    "draining 2", "class limit_source", "worker state", "worker last",
    "worker limit_source", "worker age", "worker idle", "exit when",
    "class program_mtime", "class replaced", "exit uptime",
    "counters since", "metric since", "metric known", "metric backoff",
    "worker running", "worker last_took"
};

static void spoil(fcgp_status_t *st, int i)
{
    switch (i) {
    case 0: st->draining = 2; break;
    case 1: st->classes[0].limit_source = FCGP_LIMIT_LEARNED + 1; break;
    case 2: st->workers[0].state = FCGP_WORKER_STOPPING + 1; break;
    case 3: st->workers[0].last_request = 3; break;
    case 4: st->workers[0].limit_source = 0xFFFFFFFFu; break;
    case 5: st->workers[0].age = -1; break;
    case 6: st->workers[0].idle = APR_INT64_C(-0x7FFFFFFFFFFFFFFF) - 1; break;
    case 7: st->exits[0].when = -1; break;
    case 8: st->classes[0].program_mtime = -1; break;
    case 9: st->classes[0].replaced = APR_INT64_C(-0x7FFFFFFFFFFFFFFF); break;
    case 10: st->exits[0].uptime = -apr_time_from_sec(5); break;
    case 11: st->counters_since = -1; break;
    case 12: st->metrics[0].since = -1; break;
    case 13: st->metrics[0].known = 2; break;
    case 14: st->metrics[0].backoff = -2; break;
    case 15: st->workers[0].running = -1; break;
    default: st->workers[0].last_took = -apr_time_from_sec(1); break;
    }
}

START_TEST(test_reply_bad_values)
{
    fcgp_status_t st;
    const char *body;
    apr_size_t blen;

    snprintf(ctx, sizeof(ctx), "%s", bad_value_cases[_i]);
    make_snapshot(pool, 4, &st);
    spoil(&st, _i);
    body = encode(&st, &blen);
    REQUIRE(fcgp_ipc_decode_status_reply(pool, body, blen, &st)
            == APR_EINVAL);
    REQUIRE(st.nclasses == 0 && st.nworkers == 0 && st.nexits == 0);
}
END_TEST

START_TEST(test_reply_caps_on_encode)
{
    fcgp_status_t st;
    char *msg;
    apr_size_t len;
    memset(&st, 0, sizeof(st));
    st.nexits = FCGP_STATUS_MAX_EXITS + 1;
    REQUIRE(fcgp_ipc_encode_status_reply(pool, PID, &st, &msg, &len)
            == APR_ENOSPC);
    st.nexits = 0;
    st.nmetrics = FCGP_STATUS_MAX_METRICS + 1;
    REQUIRE(fcgp_ipc_encode_status_reply(pool, PID, &st, &msg, &len)
            == APR_ENOSPC);
}
END_TEST

/* The request carries how many classes get metrics rows of their own;
 * an empty body means the default. */
START_TEST(test_status_request)
{
    char *msg;
    apr_size_t len;
    apr_uint32_t n = 0;
    REQUIRE(fcgp_ipc_encode_status(pool, PID, 7, &msg, &len)
            == APR_SUCCESS);
    REQUIRE(check_hdr(msg, len, FCGP_MSG_STATUS) == 4);
    REQUIRE(fcgp_ipc_decode_status(msg + FCGP_IPC_HDR_LEN, 4, &n)
            == APR_SUCCESS && n == 7);
    REQUIRE(fcgp_ipc_decode_status("", 0, &n) == APR_SUCCESS
            && n == FCGP_METRICS_CLASSES_DEFAULT);
    REQUIRE(fcgp_ipc_decode_status("\0\0\0\1", 4, &n) == APR_SUCCESS
            && n == 1);
    REQUIRE(fcgp_ipc_decode_status("x", 1, &n) == APR_EINVAL);
    REQUIRE(fcgp_ipc_decode_status("\0\0\0\1\0", 5, &n) == APR_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ipc_status");
    TCase *tc;

    if (unit_init() != 0) {
        return EXIT_FAILURE;
    }
    tc = tcase_create("status");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_status_request);
    tcase_add_loop_test(tc, test_reply_round_trip, 0, N_SNAP);
    tcase_add_loop_test(tc, test_reply_cuts, 0, N_SNAP);
    tcase_add_test(tc, test_reply_wire_layout);
    tcase_add_test(tc, test_reply_overlong_counts);
    tcase_add_test(tc, test_reply_metric_pairs);
    tcase_add_loop_test(tc, test_reply_bad_values, 0,
                        N_OF(bad_value_cases));
    tcase_add_test(tc, test_reply_caps_on_encode);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
