/* test_pm_ipc.c: Check unit tests for pm/ipc.c.
 *
 * Every message kind (WANT, ANSWER) is encoded, its header checked and
 * its body decoded back field by field, for a table of messages with odd contents (empty
 * strings, every non-NUL byte value, 64 KiB values, MAX_ARGS entries).
 * Each valid body is then cut at every length (sampled for the very large
 * ones) and extended with trailing bytes: all of those must be rejected.
 * Fresh APR pool per test (checked fixture, fork mode).
 *
 * Hot loops use REQUIRE() rather than ck_assert(): in fork mode every
 * passing ck_assert() writes a location record to the runner's pipe.
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

#define MAX_ARGS    4096        /* pm/ipc.c's cap on argv/env entries */
#define BIG         (64 * 1024)

/* ------------------------------------------------------------------ */
/* Header                                                              */

static const struct {
    apr_uint16_t type;
    apr_uint32_t body_len, pid;
} hdr_cases[] = {
    { FCGP_MSG_WANT, 0, 0 },
    { FCGP_MSG_ANSWER, 1, 1 },
    { FCGP_MSG_KICK, 8, 4194304 },
    { FCGP_MSG_WANT, FCGP_IPC_MAX_BODY, 0xFFFFFFFFu },
    { FCGP_MSG_ANSWER, FCGP_IPC_MAX_BODY - 1, 0x80000000u },
    { 0xFFFF, 12345, 0x01020304u },
    { 3, 4, 1 },        /* the header does not judge the type */
};

START_TEST(test_hdr_round_trip)
{
    unsigned char b[FCGP_IPC_HDR_LEN];
    fcgp_ipc_hdr_t h;

    memset(b, 0xEE, sizeof(b));
    fcgp_ipc_hdr_pack(b, hdr_cases[_i].type, hdr_cases[_i].body_len,
                      hdr_cases[_i].pid);
    /* the wire layout: magic, version << 16 | type, body_len, pid (BE) */
    ck_assert_uint_eq(be32(b), FCGP_IPC_MAGIC);
    ck_assert_uint_eq(be32(b + 4), ((apr_uint32_t)FCGP_IPC_VERSION << 16)
                                   | hdr_cases[_i].type);
    ck_assert_uint_eq(be32(b + 8), hdr_cases[_i].body_len);
    ck_assert_uint_eq(be32(b + 12), hdr_cases[_i].pid);
    memset(&h, 0, sizeof(h));
    ck_assert_int_eq(fcgp_ipc_hdr_unpack(b, &h), APR_SUCCESS);
    ck_assert_uint_eq(h.magic, FCGP_IPC_MAGIC);
    ck_assert_uint_eq(h.version, FCGP_IPC_VERSION);
    ck_assert_uint_eq(h.type, hdr_cases[_i].type);
    ck_assert_uint_eq(h.body_len, hdr_cases[_i].body_len);
    ck_assert_uint_eq(h.parent_pid, hdr_cases[_i].pid);
}
END_TEST

START_TEST(test_hdr_exact_bytes)
{
    static const unsigned char want[FCGP_IPC_HDR_LEN] = {
        'F', 'C', 'P', 'P', 0, 7, 0, 2, 0, 0, 0x01, 0x02, 0, 0, 0x30, 0x39
    };
    unsigned char b[FCGP_IPC_HDR_LEN];
    fcgp_ipc_hdr_pack(b, FCGP_MSG_ANSWER, 0x102, 12345);
    ck_assert_mem_eq(b, want, sizeof(want));
}
END_TEST

/* Headers that are not ours: (offset, 32-bit value) patched into a good
 * one. */
static const struct {
    int off;
    apr_uint32_t val;
} bad_hdr_cases[] = {
    { 0, 0 },
    { 0, 0x46435051u },             /* magic off by one */
    { 0, 0x50504346u },             /* magic byte-swapped */
    { 0, 0xFFFFFFFFu },
    { 4, 0x00000001u },             /* version 0 */
    { 4, 0x00010001u },             /* version 1: ACQUIRE/GRANT/RELEASE */
    { 4, 0x00010003u },             /* a version 1 RELEASE */
    { 4, 0x00020001u },             /* version 2 */
    { 4, 0x00030001u },             /* version 3 */
    { 4, 0x00040001u },             /* version 4 */
    { 4, 0x00050001u },             /* version 5 (no parent-mode fields) */
    { 4, 0x00060001u },             /* version 6 (no php_pools in WANT) */
    { 4, 0x00080001u },             /* version 8 */
    { 4, 0xFFFF0001u },
    { 4, 0x01000001u },             /* version 256 */
    { 8, FCGP_IPC_MAX_BODY + 1 },
    { 8, FCGP_IPC_MAX_BODY * 2 },
    { 8, 0x7FFFFFFFu },
    { 8, 0xFFFFFFFFu },
};

START_TEST(test_hdr_bad)
{
    unsigned char b[FCGP_IPC_HDR_LEN];
    fcgp_ipc_hdr_t h;
    fcgp_ipc_hdr_pack(b, FCGP_MSG_WANT, 10, PID);
    put32(b + bad_hdr_cases[_i].off, bad_hdr_cases[_i].val);
    ck_assert_int_eq(fcgp_ipc_hdr_unpack(b, &h), APR_EINVAL);
}
END_TEST

/* A single flipped bit anywhere in the magic or the version is caught. */
START_TEST(test_hdr_bit_flips)
{
    unsigned char b[FCGP_IPC_HDR_LEN];
    fcgp_ipc_hdr_t h;
    int bit;
    for (bit = 0; bit < 48; bit++) {
        fcgp_ipc_hdr_pack(b, FCGP_MSG_KICK, 8, PID);
        b[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        snprintf(ctx, sizeof(ctx), "bit %d flipped", bit);
        REQUIRE(fcgp_ipc_hdr_unpack(b, &h) == APR_EINVAL);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* WANT                                                                */

static void default_limits(fcgp_app_limits_t *l)
{
    l->max_procs = 100;
    l->min_procs = 1;
    l->max_requests = 500;
    l->limit_source = FCGP_LIMIT_PHP_GIVEN;
    l->idle_timeout = apr_time_from_sec(300);
    l->lifetime = apr_time_from_sec(3600);
    l->queue_timeout = apr_time_from_sec(30);
    l->kill_timeout = apr_time_from_sec(3);
}

static const char **strv(apr_pool_t *p, int n)
{
    return apr_pcalloc(p, sizeof(const char *) * (n + 1));
}

/* Build the _i-th WANT message of the round-trip table. */
#define N_WANT 14
static void make_want(apr_pool_t *p, int i, fcgp_msg_want_t *m)
{
    const char **argv, **env;
    int k;

    memset(m, 0, sizeof(*m));
    default_limits(&m->limits);
    m->spec.vhost = "www.example.com:80";
    argv = strv(p, 4);
    env = strv(p, 4);
    argv[0] = "/usr/bin/php-cgi";
    env[0] = "PATH=/usr/bin:/bin";
    m->spec.argc = 1;
    m->spec.envc = 1;

    switch (i) {
    case 0:     /* plain */
        break;
    case 1:     /* empty vhost, no env */
        m->spec.vhost = "";
        m->spec.envc = 0;
        break;
    case 2:     /* empty strings everywhere they may be */
        m->spec.vhost = "";
        argv[1] = "";
        argv[2] = "";
        env[0] = "";
        env[1] = "=";
        m->spec.argc = 3;
        m->spec.envc = 2;
        break;
    case 3:     /* binary-ish: every non-NUL byte, quotes, newlines */
        m->spec.vhost = all_bytes(p);
        argv[1] = all_bytes(p);
        argv[2] = "-d \"a=b c\"\n\r\t'\\";
        env[0] = apr_pstrcat(p, "X=", all_bytes(p), NULL);
        env[1] = "\xff\xfe\xfd\x80\x01";
        m->spec.argc = 3;
        m->spec.envc = 2;
        break;
    case 4:     /* 64 KiB values */
        m->spec.vhost = pattern(p, BIG, 1);
        argv[1] = pattern(p, BIG, 2);
        env[0] = apr_pstrcat(p, "A=", pattern(p, BIG, 3), NULL);
        env[1] = apr_pstrcat(p, "B=", pattern(p, BIG, 4), NULL);
        env[2] = pattern(p, BIG, 5);
        m->spec.argc = 2;
        m->spec.envc = 3;
        break;
    case 5:     /* MAX_ARGS arguments, MAX_ARGS env entries */
        argv = strv(p, MAX_ARGS);
        env = strv(p, MAX_ARGS);
        argv[0] = "/usr/bin/php-cgi";
        for (k = 1; k < MAX_ARGS; k++) {
            argv[k] = (k % 3) ? apr_psprintf(p, "-a%d", k) : "";
        }
        for (k = 0; k < MAX_ARGS; k++) {
            env[k] = apr_psprintf(p, "V%d=%d", k, k * 31);
        }
        m->spec.argc = MAX_ARGS;
        m->spec.envc = MAX_ARGS;
        break;
    case 6:     /* extreme limits */
        m->limits.max_procs = 0xFFFFFFFFu;
        m->limits.min_procs = 0xFFFFFFFFu;
        m->limits.max_requests = 0xFFFFFFFFu;
        m->limits.limit_source = FCGP_LIMIT_LEARNED;
        m->limits.idle_timeout = APR_INT64_MAX;
        m->limits.lifetime = APR_INT64_MAX - 1;
        m->limits.queue_timeout = (apr_interval_time_t)1 << 32;
        m->limits.kill_timeout = 0xFFFFFFFFLL;
        break;
    case 7:     /* smallest limits */
        m->limits.max_procs = 1;
        m->limits.min_procs = 0;
        m->limits.max_requests = 0;
        m->limits.limit_source = FCGP_LIMIT_NONE;
        m->limits.idle_timeout = 0;
        m->limits.lifetime = 0;
        m->limits.queue_timeout = 0;
        m->limits.kill_timeout = 0;
        break;
    case 8:     /* distinct value in every limit field */
        m->limits.max_procs = 0x01020304u;
        m->limits.min_procs = 0x01020303u;
        m->limits.max_requests = 0x05060708u;
        m->limits.limit_source = FCGP_LIMIT_APP_DECLARED;
        m->limits.idle_timeout = 0x0102030405060708LL;
        m->limits.lifetime = 0x1112131415161718LL;
        m->limits.queue_timeout = 0x2122232425262728LL;
        m->limits.kill_timeout = 0x3132333435363738LL;
        break;
    case 9:     /* strings that look like lengths and counts */
        m->spec.vhost = "\xff\xff\xff\xff";
        argv[1] = "\x01\x01\x01\x01\x01";
        env[0] = "\x7f\xff\xff\xff";
        m->spec.argc = 2;
        break;
    case 10:    /* many env entries, one argument */
        env = strv(p, 1000);
        for (k = 0; k < 1000; k++) {
            env[k] = apr_psprintf(p, "E%d=%s", k, pattern(p, k % 50, k));
        }
        m->spec.envc = 1000;
        break;
    case 12:    /* through suexec, as a virtual host's user */
        m->spec.ident.suexec = 1;
        m->spec.ident.uid = 1001;
        m->spec.ident.gid = 0xFFFFFFFEu;
        break;
    case 13:    /* through suexec, a ~user request */
        m->spec.ident.suexec = 1;
        m->spec.ident.userdir = 1;
        m->spec.ident.uid = 1001;
        m->spec.ident.gid = 0xFFFFFFFEu;
        break;
    case 11:    /* every limit source */
    default:
        m->limits.limit_source = FCGP_LIMIT_OURS;
        m->limits.max_procs = 7;
        m->limits.min_procs = 7;
        break;
    }
    m->spec.argv = argv;
    m->spec.env = env;
}

static void check_want_eq(const fcgp_msg_want_t *a,
                             const fcgp_msg_want_t *b)
{
    int k;
    REQUIRE(a->limits.max_procs == b->limits.max_procs);
    REQUIRE(a->limits.min_procs == b->limits.min_procs);
    REQUIRE(a->limits.max_requests == b->limits.max_requests);
    REQUIRE(a->limits.limit_source == b->limits.limit_source);
    REQUIRE(a->limits.idle_timeout == b->limits.idle_timeout);
    REQUIRE(a->limits.lifetime == b->limits.lifetime);
    REQUIRE(a->limits.queue_timeout == b->limits.queue_timeout);
    REQUIRE(a->limits.kill_timeout == b->limits.kill_timeout);
    REQUIRE(a->spec.vhost && b->spec.vhost);
    REQUIRE(strcmp(a->spec.vhost, b->spec.vhost) == 0);
    REQUIRE(a->spec.argc == b->spec.argc);
    REQUIRE(a->spec.envc == b->spec.envc);
    REQUIRE(a->spec.ident.suexec == b->spec.ident.suexec);
    REQUIRE(a->spec.ident.userdir == b->spec.ident.userdir);
    REQUIRE(a->spec.ident.uid == b->spec.ident.uid);
    REQUIRE(a->spec.ident.gid == b->spec.ident.gid);
    for (k = 0; k < a->spec.argc; k++) {
        REQUIRE(strcmp(a->spec.argv[k], b->spec.argv[k]) == 0);
    }
    for (k = 0; k < a->spec.envc; k++) {
        REQUIRE(strcmp(a->spec.env[k], b->spec.env[k]) == 0);
    }
}

static apr_status_t dec_want(apr_pool_t *p, const char *b, apr_size_t n,
                                void *m)
{
    return fcgp_ipc_decode_want(p, b, n, m);
}

START_TEST(test_want_round_trip)
{
    fcgp_msg_want_t in, out;
    char *msg;
    apr_size_t len, blen;

    snprintf(ctx, sizeof(ctx), "want case %d", _i);
    make_want(pool, _i, &in);
    REQUIRE(fcgp_ipc_encode_want(pool, PID, &in, &msg, &len)
            == APR_SUCCESS);
    blen = check_hdr(msg, len, FCGP_MSG_WANT);
    memset(&out, 0x5A, sizeof(out));
    REQUIRE(fcgp_ipc_decode_want(pool, msg + FCGP_IPC_HDR_LEN, blen, &out)
            == APR_SUCCESS);
    check_want_eq(&in, &out);
    /* decoded vectors end with NULL, as apr_proc_create wants */
    REQUIRE(out.spec.argv[out.spec.argc] == NULL);
    REQUIRE(out.spec.env != NULL && out.spec.env[out.spec.envc] == NULL);
    /* decoded strings are copies, not pointers into the body */
    REQUIRE(out.spec.argv[0] < msg || out.spec.argv[0] >= msg + len);
    /* the same message encodes to the same bytes again */
    {
        char *msg2;
        apr_size_t len2;
        REQUIRE(fcgp_ipc_encode_want(pool, PID, &out, &msg2, &len2)
                == APR_SUCCESS);
        REQUIRE(len2 == len && memcmp(msg, msg2, len) == 0);
    }
    check_cuts(msg + FCGP_IPC_HDR_LEN, blen, dec_want, sizeof(out));
}
END_TEST

/* An exact byte layout, so a change to the wire format is noticed. */
START_TEST(test_want_wire_layout)
{
    static const unsigned char want_body[] = {
        0, 0, 0, 4,   0, 0, 0, 2,   0, 0, 0, 9,   0, 0, 0, 1,
        0, 0, 0, 0, 0, 0, 0, 5,     0, 0, 0, 0, 0, 0, 0, 6,
        0, 0, 0, 0, 0, 0, 0, 7,     0, 0, 0, 0, 0, 0, 0, 8,
        0, 0, 0, 1,
        0, 0, 0, 1, 'v',
        0, 0, 0, 2,  0, 0, 0, 2, '/', 'a',  0, 0, 0, 0,
        0, 0, 0, 1,  0, 0, 0, 3, 'A', '=', '1',
        0, 0, 0, 3,  0, 0, 0x03, 0xE9,  0, 0, 0x03, 0xEA,
    };
    const char *argv[] = { "/a", "", NULL };
    const char *env[] = { "A=1", NULL };
    fcgp_msg_want_t m;
    char *msg;
    apr_size_t len;

    m.limits.max_procs = 4;
    m.limits.min_procs = 2;
    m.limits.max_requests = 9;
    m.limits.limit_source = FCGP_LIMIT_OURS;
    m.limits.idle_timeout = 5;
    m.limits.lifetime = 6;
    m.limits.queue_timeout = 7;
    m.limits.kill_timeout = 8;
    m.limits.php_pools = 1;
    m.spec.vhost = "v";
    m.spec.argc = 2;
    m.spec.argv = argv;
    m.spec.envc = 1;
    m.spec.env = env;
    m.spec.ident.suexec = 1;
    m.spec.ident.userdir = 1;
    m.spec.ident.uid = 1001;
    m.spec.ident.gid = 1002;
    ck_assert_int_eq(fcgp_ipc_encode_want(pool, PID, &m, &msg, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, FCGP_IPC_HDR_LEN + sizeof(want_body));
    ck_assert_mem_eq(msg + FCGP_IPC_HDR_LEN, want_body, sizeof(want_body));
}
END_TEST

/* Messages that encode but must not decode: a spec or limits the PM
 * cannot use.  The body is encoded, then patched (patch_off >= 0: the
 * 32-bit value at that body offset is replaced). */
static const struct {
    const char *what;
    int argc;                   /* -1: keep 1 */
    int envc;
    apr_uint32_t max_procs, min_procs, limit_source;
    apr_int64_t idle, life, queue, kill;
} bad_want_cases[] = {
    { "no argv", 0, 0, 10, 1, 0, 0, 0, 0, 0 },
    { "max_procs 0", 1, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "min > max", 1, 0, 10, 11, 0, 0, 0, 0, 0 },
    { "min > max, max", 1, 0, 1, 0xFFFFFFFFu, 0, 0, 0, 0, 0 },
    { "limit_source 6", 1, 0, 10, 1, 6, 0, 0, 0, 0 },
    { "limit_source ~0", 1, 0, 10, 1, 0xFFFFFFFFu, 0, 0, 0, 0 },
    { "idle < 0", 1, 0, 10, 1, 0, -1, 0, 0, 0 },
    { "lifetime < 0", 1, 0, 10, 1, 0, 0, -1, 0, 0 },
    { "queue < 0", 1, 0, 10, 1, 0, 0, 0, APR_INT64_MIN, 0 },
    { "kill < 0", 1, 0, 10, 1, 0, 0, 0, 0, -1000000 },
    { "argc MAX_ARGS + 1", MAX_ARGS + 1, 0, 10, 1, 0, 0, 0, 0, 0 },
    { "envc MAX_ARGS + 1", 1, MAX_ARGS + 1, 10, 1, 0, 0, 0, 0, 0 },
};

START_TEST(test_want_rejected)
{
    fcgp_msg_want_t m, out;
    const char **argv = strv(pool, MAX_ARGS + 1);
    const char **env = strv(pool, MAX_ARGS + 1);
    char *msg;
    apr_size_t len;
    int k;

    for (k = 0; k <= MAX_ARGS; k++) {
        argv[k] = "/x";
        env[k] = "E=1";
    }
    memset(&m, 0, sizeof(m));
    m.limits.max_procs = bad_want_cases[_i].max_procs;
    m.limits.min_procs = bad_want_cases[_i].min_procs;
    m.limits.limit_source = bad_want_cases[_i].limit_source;
    m.limits.idle_timeout = bad_want_cases[_i].idle;
    m.limits.lifetime = bad_want_cases[_i].life;
    m.limits.queue_timeout = bad_want_cases[_i].queue;
    m.limits.kill_timeout = bad_want_cases[_i].kill;
    m.spec.vhost = "v";
    m.spec.argc = bad_want_cases[_i].argc;
    m.spec.argv = argv;
    m.spec.envc = bad_want_cases[_i].envc;
    m.spec.env = env;
    ck_assert_int_eq(fcgp_ipc_encode_want(pool, PID, &m, &msg, &len),
                     APR_SUCCESS);
    ck_assert_msg(fcgp_ipc_decode_want(pool, msg + FCGP_IPC_HDR_LEN,
                                          len - FCGP_IPC_HDR_LEN, &out)
                  == APR_EINVAL, "%s: accepted",
                  bad_want_cases[_i].what);
}
END_TEST

/* Identities with one meaning only: unknown flags, userdir without
 * suexec, ids without suexec are refused (the last 12 bytes of a body). */
START_TEST(test_want_bad_identity)
{
    static const apr_uint32_t bad[][3] = {
        { 4, 1, 1 },        /* unknown flag */
        { 2, 1, 1 },        /* userdir without suexec */
        { 0, 1, 0 },        /* a uid without suexec */
        { 0, 0, 1 },        /* a gid without suexec */
        { 0x80000001u, 1, 1 },
    };
    fcgp_msg_want_t m, out;
    char *msg;
    apr_size_t len;
    int k;

    make_want(pool, 0, &m);
    REQUIRE(fcgp_ipc_encode_want(pool, PID, &m, &msg, &len)
            == APR_SUCCESS);
    for (k = 0; k < N_OF(bad); k++) {
        unsigned char *o = (unsigned char *)msg + len - 12;
        put32(o, bad[k][0]);
        put32(o + 4, bad[k][1]);
        put32(o + 8, bad[k][2]);
        ck_assert_msg(fcgp_ipc_decode_want(pool, msg + FCGP_IPC_HDR_LEN,
                                           len - FCGP_IPC_HDR_LEN, &out)
                      == APR_EINVAL, "identity case %d accepted", k);
    }
    put32((unsigned char *)msg + len - 12, 3);  /* suexec + userdir: fine */
    ck_assert_int_eq(fcgp_ipc_decode_want(pool, msg + FCGP_IPC_HDR_LEN,
                                          len - FCGP_IPC_HDR_LEN, &out),
                     APR_SUCCESS);
    ck_assert_uint_eq(out.spec.ident.userdir, 1);
    ck_assert_uint_eq(out.spec.ident.uid, 1);
}
END_TEST

/* Hand-made bodies whose counts or lengths lie. */
START_TEST(test_want_lying_counts)
{
    static const struct {
        const char *what;
        apr_uint32_t vhost_len, argc, arg0_len;
    } lies[] = {
        { "vhost length past the end", 100, 1, 2 },
        { "vhost length ~0", 0xFFFFFFFFu, 1, 2 },
        { "vhost length 2^31", 0x80000000u, 1, 2 },
        { "argc ~0", 1, 0xFFFFFFFFu, 2 },
        { "argc 2^31 (negative as int)", 1, 0x80000000u, 2 },
        { "argc 2 with one string", 1, 2, 2 },
        { "arg length past the end", 1, 1, 3 },
        { "arg length ~0", 1, 1, 0xFFFFFFFFu },
    };
    unsigned char body[52 + 4 + 1 + 4 + 4 + 2 + 4 + 12];
    unsigned char *o = body;
    fcgp_msg_want_t out;
    int k;

    for (k = 0; k < N_OF(lies); k++) {
        memset(body, 0, sizeof(body));
        o = body;
        put32(o, 10);   /* max_procs */
        put32(o + 4, 1);
        o += 52;
        put32(o, lies[k].vhost_len); o += 4;
        *o++ = 'v';
        put32(o, lies[k].argc); o += 4;
        put32(o, lies[k].arg0_len); o += 4;
        *o++ = '/';
        *o++ = 'a';
        put32(o, 0); o += 4;    /* envc */
        o += 12;                /* identity: the httpd User */
        ck_assert_uint_eq((apr_size_t)(o - body), sizeof(body));
        ck_assert_msg(fcgp_ipc_decode_want(pool, (const char *)body,
                                              sizeof(body), &out)
                      == APR_EINVAL, "%s: accepted", lies[k].what);
    }
    /* and the honest version of the same body decodes */
    put32(body + 52, 1);
    put32(body + 57, 1);
    put32(body + 61, 2);
    ck_assert_int_eq(fcgp_ipc_decode_want(pool, (const char *)body,
                                             sizeof(body), &out),
                     APR_SUCCESS);
    ck_assert_str_eq(out.spec.vhost, "v");
    ck_assert_int_eq(out.spec.argc, 1);
    ck_assert_str_eq(out.spec.argv[0], "/a");
    ck_assert_int_eq(out.spec.envc, 0);
}
END_TEST

/* The body cap: FCGP_IPC_MAX_BODY encodes and decodes, one more byte does
 * not encode. */
START_TEST(test_want_body_cap)
{
    /* 52 bytes of limits, vhost "" (4), argv {"/a"} (4 + 4 + 2),
     * env {s} (4 + 4 + strlen(s)), identity (12) */
    const apr_size_t fixed = 52 + 4 + 10 + 8 + 12;
    const char *argv[] = { "/a", NULL };
    const char *env[] = { NULL, NULL };
    fcgp_msg_want_t m, out;
    char *msg;
    apr_size_t len;
    fcgp_ipc_hdr_t h;

    memset(&m, 0, sizeof(m));
    default_limits(&m.limits);
    m.spec.vhost = "";
    m.spec.argc = 1;
    m.spec.argv = argv;
    m.spec.envc = 1;
    m.spec.env = env;

    env[0] = pattern(pool, FCGP_IPC_MAX_BODY - fixed, 9);
    ck_assert_int_eq(fcgp_ipc_encode_want(pool, PID, &m, &msg, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, FCGP_IPC_HDR_LEN + FCGP_IPC_MAX_BODY);
    ck_assert_int_eq(fcgp_ipc_hdr_unpack((unsigned char *)msg, &h),
                     APR_SUCCESS);
    ck_assert_uint_eq(h.body_len, FCGP_IPC_MAX_BODY);
    ck_assert_int_eq(fcgp_ipc_decode_want(pool, msg + FCGP_IPC_HDR_LEN,
                                             h.body_len, &out), APR_SUCCESS);
    ck_assert_uint_eq(strlen(out.spec.env[0]), FCGP_IPC_MAX_BODY - fixed);

    env[0] = pattern(pool, FCGP_IPC_MAX_BODY - fixed + 1, 9);
    msg = NULL;
    ck_assert_int_ne(fcgp_ipc_encode_want(pool, PID, &m, &msg, &len),
                     APR_SUCCESS);

    /* way over: 20 values of 64 KiB */
    {
        const char **big = strv(pool, 20);
        int k;
        for (k = 0; k < 20; k++) {
            big[k] = pattern(pool, BIG, (unsigned)k);
        }
        m.spec.envc = 20;
        m.spec.env = big;
        ck_assert_int_ne(fcgp_ipc_encode_want(pool, PID, &m, &msg, &len),
                         APR_SUCCESS);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* ANSWER                                                              */

#define N_ANSWER 12
static void make_answer(apr_pool_t *p, int i, fcgp_msg_answer_t *m)
{
    memset(m, 0, sizeof(*m));
    m->status = FCGP_GRANT_OK;
    m->cls = 3;
    m->retry_after = 0;
    m->message = "";
    switch (i) {
    case 0:     /* wait in class 3's line */
        break;
    case 1:
        m->status = FCGP_GRANT_BUSY;
        m->message = "every worker of the class is busy";
        m->retry_after = 5;
        break;
    case 2:
        m->status = FCGP_GRANT_SPAWN_FAILED;
        m->message = "exec /usr/bin/php-cgi: No such file or directory";
        m->retry_after = 10;
        break;
    case 3:
        m->status = FCGP_GRANT_BACKOFF;
        m->message = "";
        m->retry_after = 0xFFFFFFFFu;
        break;
    case 4:
        m->status = FCGP_GRANT_REFUSED;
        m->cls = 0;
        m->message = all_bytes(p);
        break;
    case 5:     /* the PM drains: ask again */
        m->status = FCGP_GRANT_RETRY;
        m->message = "draining";
        break;
    case 6:     /* every number at its maximum */
        m->status = FCGP_GRANT_RETRY;
        m->cls = 0xFFFFFFFFu;
        m->retry_after = 0xFFFFFFFFu;
        break;
    case 7:     /* distinct bytes in every field */
        m->status = FCGP_GRANT_SPAWN_FAILED;
        m->cls = 0x01020304u;
        m->retry_after = 0x41424344u;
        m->message = "m";
        break;
    case 8:     /* 64 KiB message */
        m->status = FCGP_GRANT_REFUSED;
        m->message = pattern(p, BIG, 12);
        break;
    case 9:     /* OK may carry a message, and class 0 */
        m->cls = 0;
        m->message = "\n\r\t\"'\\\xff";
        break;
    case 10:    /* a message that looks like a length */
        m->status = FCGP_GRANT_BUSY;
        m->message = "\xff\xff\xff\xff";
        break;
    case 11:    /* the last class of a full-size table */
    default:
        m->cls = 16383;
        break;
    }
}

static apr_status_t dec_answer(apr_pool_t *p, const char *b, apr_size_t n,
                               void *m)
{
    return fcgp_ipc_decode_answer(p, b, n, m);
}

START_TEST(test_answer_round_trip)
{
    fcgp_msg_answer_t in, out;
    char *msg, *msg2;
    apr_size_t len, len2, blen;

    snprintf(ctx, sizeof(ctx), "answer case %d", _i);
    make_answer(pool, _i, &in);
    REQUIRE(fcgp_ipc_encode_answer(pool, PID, &in, &msg, &len)
            == APR_SUCCESS);
    blen = check_hdr(msg, len, FCGP_MSG_ANSWER);
    REQUIRE(blen == 16 + strlen(in.message));
    memset(&out, 0x5A, sizeof(out));
    REQUIRE(fcgp_ipc_decode_answer(pool, msg + FCGP_IPC_HDR_LEN, blen, &out)
            == APR_SUCCESS);
    REQUIRE(out.status == in.status);
    REQUIRE(out.cls == in.cls);
    REQUIRE(out.retry_after == in.retry_after);
    REQUIRE(out.message && strcmp(out.message, in.message) == 0);
    /* a copy, not a pointer into the body */
    REQUIRE(out.message < msg || out.message >= msg + len);
    REQUIRE(fcgp_ipc_encode_answer(pool, PID, &out, &msg2, &len2)
            == APR_SUCCESS);
    REQUIRE(len2 == len && memcmp(msg, msg2, len) == 0);
    check_cuts(msg + FCGP_IPC_HDR_LEN, blen, dec_answer, sizeof(out));
}
END_TEST

/* An exact byte layout: status, cls, retry_after, message (u32 length
 * and bytes), big-endian. */
START_TEST(test_answer_wire_layout)
{
    static const unsigned char want_body[] = {
        0, 0, 0, 1,  0x0A, 0x0B, 0x0C, 0x0D,  0, 0, 0, 7,
        0, 0, 0, 2, 'n', 'o',
    };
    fcgp_msg_answer_t m = { FCGP_GRANT_BUSY, 0x0A0B0C0Du, 7, "no" };
    char *msg;
    apr_size_t len;
    ck_assert_int_eq(fcgp_ipc_encode_answer(pool, PID, &m, &msg, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, FCGP_IPC_HDR_LEN + sizeof(want_body));
    ck_assert_mem_eq(msg + FCGP_IPC_HDR_LEN, want_body, sizeof(want_body));
}
END_TEST

/* OK with no message: 16 bytes of body, the message empty (a NULL
 * message goes as the empty string). */
START_TEST(test_answer_ok_minimal)
{
    static const unsigned char want_body[] = {
        0, 0, 0, 0,  0, 0, 0, 9,  0, 0, 0, 0,  0, 0, 0, 0,
    };
    fcgp_msg_answer_t m = { FCGP_GRANT_OK, 9, 0, NULL }, out;
    char *msg;
    apr_size_t len;
    ck_assert_int_eq(fcgp_ipc_encode_answer(pool, PID, &m, &msg, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, FCGP_IPC_HDR_LEN + sizeof(want_body));
    ck_assert_mem_eq(msg + FCGP_IPC_HDR_LEN, want_body, sizeof(want_body));
    ck_assert_int_eq(fcgp_ipc_decode_answer(pool, msg + FCGP_IPC_HDR_LEN,
                                            sizeof(want_body), &out),
                     APR_SUCCESS);
    ck_assert_uint_eq(out.status, FCGP_GRANT_OK);
    ck_assert_uint_eq(out.cls, 9);
    ck_assert_ptr_nonnull(out.message);
    ck_assert_str_eq(out.message, "");
}
END_TEST

/* Every status up to RETRY decodes; none past it. */
static const struct {
    apr_uint32_t status;
    int ok;
} answer_status_cases[] = {
    { FCGP_GRANT_OK, 1 }, { FCGP_GRANT_BUSY, 1 },
    { FCGP_GRANT_SPAWN_FAILED, 1 }, { FCGP_GRANT_BACKOFF, 1 },
    { FCGP_GRANT_REFUSED, 1 }, { FCGP_GRANT_RETRY, 1 },
    { FCGP_GRANT_RETRY + 1, 0 }, { 0x100, 0 }, { 0x01000000u, 0 },
    { 0x80000000u, 0 }, { 0xFFFFFFFFu, 0 },
};

START_TEST(test_answer_status)
{
    fcgp_msg_answer_t m, out;
    char *msg;
    apr_size_t len;
    memset(&m, 0, sizeof(m));
    m.status = answer_status_cases[_i].status;
    m.cls = 1;
    m.message = "x";
    ck_assert_int_eq(fcgp_ipc_encode_answer(pool, PID, &m, &msg, &len),
                     APR_SUCCESS);
    ck_assert_msg((fcgp_ipc_decode_answer(pool, msg + FCGP_IPC_HDR_LEN,
                                          len - FCGP_IPC_HDR_LEN, &out)
                   == APR_SUCCESS) == answer_status_cases[_i].ok,
                  "status %u: %s", answer_status_cases[_i].status,
                  answer_status_cases[_i].ok ? "refused" : "accepted");
}
END_TEST

/* Hand-made bodies whose message length lies. */
START_TEST(test_answer_lying_length)
{
    static const apr_uint32_t lies[] = { 3, 5, 100, 0x80000000u,
                                         0xFFFFFFFFu };
    unsigned char body[16 + 4];
    fcgp_msg_answer_t out;
    int k;

    memset(body, 0, sizeof(body));
    memcpy(body + 16, "abcd", 4);
    for (k = 0; k < N_OF(lies); k++) {
        put32(body + 12, lies[k]);
        ck_assert_msg(fcgp_ipc_decode_answer(pool, (const char *)body,
                                             sizeof(body), &out)
                      == APR_EINVAL, "message length %u accepted", lies[k]);
    }
    put32(body + 12, 4);
    ck_assert_int_eq(fcgp_ipc_decode_answer(pool, (const char *)body,
                                            sizeof(body), &out),
                     APR_SUCCESS);
    ck_assert_str_eq(out.message, "abcd");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Message types                                                       */

/* The numbers on the wire; 3 (version 1's RELEASE) is nobody's now.
 * Version 3: a status reply's class rows carry the program file;
 * version 4: WANT carries the suexec identity, STATUS the metrics cap;
 * version 5: a status reply's class rows carry the slow count, its worker
 * rows the current request; version 7: WANT's limits carry php_pools. */
START_TEST(test_type_numbers)
{
    ck_assert_int_eq(FCGP_IPC_VERSION, 7);
    ck_assert_int_eq(FCGP_MSG_WANT, 1);
    ck_assert_int_eq(FCGP_MSG_ANSWER, 2);
    ck_assert_int_eq(FCGP_MSG_STATUS, 4);
    ck_assert_int_eq(FCGP_MSG_STATUS_REPLY, 5);
    ck_assert_int_eq(FCGP_MSG_KICK, 6);
}
END_TEST

/* What a handler of the previous version would send, a RELEASE (type 3,
 * version 1, outcome), is refused at the header; and no encoder of this
 * version makes a message of type 3. */
START_TEST(test_type3_retired)
{
    static const unsigned char v1_release[FCGP_IPC_HDR_LEN + 4] = {
        'F', 'C', 'P', 'P', 0, 1, 0, 3, 0, 0, 0, 4, 0, 0xAB, 0xCD, 0xEF,
        0, 0, 0, 2,
    };
    fcgp_ipc_hdr_t h;
    fcgp_msg_want_t want;
    fcgp_msg_answer_t ans;
    char *msg;
    apr_size_t len;

    ck_assert_int_eq(fcgp_ipc_hdr_unpack(v1_release, &h), APR_EINVAL);

    make_want(pool, 0, &want);
    ck_assert_int_eq(fcgp_ipc_encode_want(pool, PID, &want, &msg, &len),
                     APR_SUCCESS);
    ck_assert_int_eq(fcgp_ipc_hdr_unpack((unsigned char *)msg, &h),
                     APR_SUCCESS);
    ck_assert_uint_eq(h.type, FCGP_MSG_WANT);
    make_answer(pool, 0, &ans);
    ck_assert_int_eq(fcgp_ipc_encode_answer(pool, PID, &ans, &msg, &len),
                     APR_SUCCESS);
    ck_assert_int_eq(fcgp_ipc_hdr_unpack((unsigned char *)msg, &h),
                     APR_SUCCESS);
    ck_assert_uint_eq(h.type, FCGP_MSG_ANSWER);
    ck_assert_int_eq(fcgp_ipc_encode_kick(pool, PID, 1, &msg, &len),
                     APR_SUCCESS);
    ck_assert_int_eq(fcgp_ipc_hdr_unpack((unsigned char *)msg, &h),
                     APR_SUCCESS);
    ck_assert_uint_eq(h.type, FCGP_MSG_KICK);
    /* and an old 4-byte RELEASE body is neither a WANT nor an ANSWER */
    ck_assert_int_eq(fcgp_ipc_decode_want(pool, (const char *)v1_release
                                          + FCGP_IPC_HDR_LEN, 4, &want),
                     APR_EINVAL);
    ck_assert_int_eq(fcgp_ipc_decode_answer(pool, (const char *)v1_release
                                            + FCGP_IPC_HDR_LEN, 4, &ans),
                     APR_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Class keys                                                          */

typedef struct {
    const char *vhost;
    const char *argv[4];
    const char *env[4];
} spec_desc_t;

/* A spec with an identity. */


/* Copy a description into fresh memory, so equal keys cannot come from
 * equal pointers. */
static void make_spec(apr_pool_t *p, const spec_desc_t *d,
                      fcgp_app_spec_t *s)
{
    const char **argv = strv(p, 4), **env = strv(p, 4);
    int k;
    s->vhost = d->vhost ? apr_pstrdup(p, d->vhost) : NULL;
    for (k = 0; k < 4 && d->argv[k]; k++) {
        argv[k] = apr_pstrdup(p, d->argv[k]);
    }
    s->argc = k;
    for (k = 0; k < 4 && d->env[k]; k++) {
        env[k] = apr_pstrdup(p, d->env[k]);
    }
    s->envc = k;
    s->argv = argv;
    s->env = env;
    memset(&s->ident, 0, sizeof(s->ident));
}

static const struct {
    spec_desc_t a, b;
    int equal;
} key_cases[] = {
    { { "h", { "/bin/app" }, { "A=1" } },
      { "h", { "/bin/app" }, { "A=1" } }, 1 },
    { { "", { "/bin/app", "-x", "" }, { } },
      { "", { "/bin/app", "-x", "" }, { } }, 1 },
    { { "h:80", { "/usr/bin/php-cgi", "-d", "a=b c" }, { "A=1", "B=2" } },
      { "h:80", { "/usr/bin/php-cgi", "-d", "a=b c" }, { "A=1", "B=2" } },
      1 },
    /* vhost */
    { { "h", { "/bin/app" }, { "A=1" } },
      { "g", { "/bin/app" }, { "A=1" } }, 0 },
    { { "h", { "/bin/app" }, { } },
      { "", { "/bin/app" }, { } }, 0 },
    { { "www.a.example:80", { "/bin/app" }, { } },
      { "www.a.example:443", { "/bin/app" }, { } }, 0 },
    /* argv */
    { { "h", { "/bin/app" }, { } },
      { "h", { "/bin/app2" }, { } }, 0 },
    { { "h", { "/bin/app", "a b" }, { } },
      { "h", { "/bin/app", "a", "b" }, { } }, 0 },
    { { "h", { "a b" }, { } },
      { "h", { "a", "b" }, { } }, 0 },
    { { "h", { "ab" }, { } },
      { "h", { "a", "b" }, { } }, 0 },
    { { "h", { "/x", "ab", "c" }, { } },
      { "h", { "/x", "a", "bc" }, { } }, 0 },
    { { "h", { "/x" }, { } },
      { "h", { "/x", "" }, { } }, 0 },
    { { "h", { "/x", "-a", "-b" }, { } },
      { "h", { "/x", "-b", "-a" }, { } }, 0 },
    /* env */
    { { "h", { "/bin/app" }, { "A=1" } },
      { "h", { "/bin/app" }, { "A=2" } }, 0 },
    { { "h", { "/bin/app" }, { "A=1" } },
      { "h", { "/bin/app" }, { } }, 0 },
    { { "h", { "/bin/app" }, { } },
      { "h", { "/bin/app" }, { "" } }, 0 },
    { { "h", { "/bin/app" }, { "A=1 B=2" } },
      { "h", { "/bin/app" }, { "A=1", "B=2" } }, 0 },
    /* a string moved from one part to another */
    { { "h", { "/x", "A=1" }, { } },
      { "h", { "/x" }, { "A=1" } }, 0 },
    { { "h/x", { "/y" }, { } },
      { "h", { "/x/y" }, { } }, 0 },
    { { "", { "h", "/x" }, { } },
      { "h", { "/x" }, { } }, 0 },
};

START_TEST(test_class_key)
{
    fcgp_app_spec_t a, b;
    const char *ka, *kb, *ka2;
    apr_size_t la = 0, lb = 0, la2 = 0;
    int same;

    make_spec(pool, &key_cases[_i].a, &a);
    make_spec(pool, &key_cases[_i].b, &b);
    ka = fcgp_ipc_class_key(pool, &a, &la);
    kb = fcgp_ipc_class_key(pool, &b, &lb);
    ck_assert_ptr_nonnull(ka);
    ck_assert_ptr_nonnull(kb);
    ck_assert_uint_gt(la, 0);
    /* stable: the same spec gives the same key twice */
    ka2 = fcgp_ipc_class_key(pool, &a, &la2);
    ck_assert_uint_eq(la, la2);
    ck_assert_mem_eq(ka, ka2, la);
    same = la == lb && memcmp(ka, kb, la) == 0;
    ck_assert_msg(same == key_cases[_i].equal, "keys %s, want %s",
                  same ? "equal" : "differ",
                  key_cases[_i].equal ? "equal" : "different");
}
END_TEST

/* The key the PM computes from a decoded WANT equals the handler's. */
START_TEST(test_class_key_after_ipc)
{
    fcgp_msg_want_t in, out;
    char *msg;
    apr_size_t len, lin, lout;
    const char *kin, *kout;

    snprintf(ctx, sizeof(ctx), "want case %d", _i);
    make_want(pool, _i, &in);
    REQUIRE(fcgp_ipc_encode_want(pool, PID, &in, &msg, &len)
            == APR_SUCCESS);
    REQUIRE(fcgp_ipc_decode_want(pool, msg + FCGP_IPC_HDR_LEN,
                                    len - FCGP_IPC_HDR_LEN, &out)
            == APR_SUCCESS);
    kin = fcgp_ipc_class_key(pool, &in.spec, &lin);
    kout = fcgp_ipc_class_key(pool, &out.spec, &lout);
    REQUIRE(lin == lout && memcmp(kin, kout, lin) == 0);
}
END_TEST

/* The identity is part of the class: one per user and group, and per
 * userdir flag. */
static const struct {
    fcgp_identity_t a, b;
    int equal;
} ident_key_cases[] = {
    { { 1, 0, 1001, 1001 }, { 1, 0, 1001, 1001 }, 1 },
    { { 1, 0, 1001, 1001 }, { 1, 0, 1002, 1001 }, 0 },
    { { 1, 0, 1001, 1001 }, { 1, 0, 1001, 1002 }, 0 },
    { { 1, 0, 1001, 1001 }, { 1, 1, 1001, 1001 }, 0 },
    { { 1, 0, 0, 0 }, { 0, 0, 0, 0 }, 0 },
};

START_TEST(test_class_key_identity)
{
    static const spec_desc_t d = { "h", { "/x" }, { "A=1" } };
    fcgp_app_spec_t a, b;
    const char *ka, *kb;
    apr_size_t la, lb;

    make_spec(pool, &d, &a);
    make_spec(pool, &d, &b);
    a.ident = ident_key_cases[_i].a;
    b.ident = ident_key_cases[_i].b;
    ka = fcgp_ipc_class_key(pool, &a, &la);
    kb = fcgp_ipc_class_key(pool, &b, &lb);
    ck_assert_int_eq(la == lb && memcmp(ka, kb, la) == 0,
                     ident_key_cases[_i].equal);
}
END_TEST

/* Keys of the round-trip specs are pairwise different. */
START_TEST(test_class_key_distinct)
{
    const char *k[N_WANT];
    apr_size_t l[N_WANT];
    fcgp_msg_want_t m;
    int i, j;
    for (i = 0; i < N_WANT; i++) {
        make_want(pool, i, &m);
        k[i] = fcgp_ipc_class_key(pool, &m.spec, &l[i]);
    }
    /* cases 0, 6, 7, 8 and 11 differ only in limits: same class */
    for (i = 0; i < N_WANT; i++) {
        for (j = i + 1; j < N_WANT; j++) {
            int lim_only_i = i == 0 || i == 6 || i == 7 || i == 8 || i == 11;
            int lim_only_j = j == 0 || j == 6 || j == 7 || j == 8 || j == 11;
            int same = l[i] == l[j] && memcmp(k[i], k[j], l[i]) == 0;
            snprintf(ctx, sizeof(ctx), "specs %d and %d", i, j);
            REQUIRE(same == (lim_only_i && lim_only_j));
        }
    }
}
END_TEST

/* A key parses back to the spec it was made from (the metrics' labels),
 * and a key cut short or with bytes after it does not parse. */
START_TEST(test_class_key_parse)
{
    fcgp_msg_want_t m;
    fcgp_app_spec_t back;
    const char *k, *k2;
    char *longer;
    apr_size_t l, l2, cut;
    int i;

    snprintf(ctx, sizeof(ctx), "want case %d", _i);
    make_want(pool, _i, &m);
    k = fcgp_ipc_class_key(pool, &m.spec, &l);
    REQUIRE(fcgp_ipc_class_key_parse(pool, k, l, &back) == APR_SUCCESS);
    REQUIRE(strcmp(back.vhost, m.spec.vhost) == 0);
    REQUIRE(back.argc == m.spec.argc && back.envc == m.spec.envc);
    for (i = 0; i < m.spec.argc; i++) {
        REQUIRE(strcmp(back.argv[i], m.spec.argv[i]) == 0);
    }
    for (i = 0; i < m.spec.envc; i++) {
        REQUIRE(strcmp(back.env[i], m.spec.env[i]) == 0);
    }
    k2 = fcgp_ipc_class_key(pool, &back, &l2);
    REQUIRE(l2 == l && memcmp(k, k2, l) == 0);
    for (cut = 0; cut < l; cut += 1 + l / 64) {
        REQUIRE(fcgp_ipc_class_key_parse(pool, k, cut, &back)
                == APR_EINVAL);
    }
    longer = apr_palloc(pool, l + 1);
    memcpy(longer, k, l);
    longer[l] = 'x';
    REQUIRE(fcgp_ipc_class_key_parse(pool, longer, l + 1, &back)
            == APR_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ */

int main(void)
{
    Suite *s = suite_create("pm_ipc");
    TCase *tc;

    if (unit_init() != 0) {
        return EXIT_FAILURE;
    }

    tc = tcase_create("header");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_loop_test(tc, test_hdr_round_trip, 0, N_OF(hdr_cases));
    tcase_add_test(tc, test_hdr_exact_bytes);
    tcase_add_loop_test(tc, test_hdr_bad, 0, N_OF(bad_hdr_cases));
    tcase_add_test(tc, test_hdr_bit_flips);
    suite_add_tcase(s, tc);

    tc = tcase_create("want");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_loop_test(tc, test_want_round_trip, 0, N_WANT);
    tcase_add_test(tc, test_want_bad_identity);
    tcase_add_loop_test(tc, test_class_key_identity, 0,
                        N_OF(ident_key_cases));
    tcase_add_test(tc, test_want_wire_layout);
    tcase_add_loop_test(tc, test_want_rejected, 0,
                        N_OF(bad_want_cases));
    tcase_add_test(tc, test_want_lying_counts);
    tcase_add_test(tc, test_want_body_cap);
    suite_add_tcase(s, tc);

    tc = tcase_create("answer");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_loop_test(tc, test_answer_round_trip, 0, N_ANSWER);
    tcase_add_test(tc, test_answer_wire_layout);
    tcase_add_test(tc, test_answer_ok_minimal);
    tcase_add_loop_test(tc, test_answer_status, 0,
                        N_OF(answer_status_cases));
    tcase_add_test(tc, test_answer_lying_length);
    suite_add_tcase(s, tc);

    tc = tcase_create("types");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_type_numbers);
    tcase_add_test(tc, test_type3_retired);
    suite_add_tcase(s, tc);

    tc = tcase_create("class_key");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_loop_test(tc, test_class_key, 0, N_OF(key_cases));
    tcase_add_loop_test(tc, test_class_key_after_ipc, 0, N_WANT);
    tcase_add_test(tc, test_class_key_distinct);
    tcase_add_loop_test(tc, test_class_key_parse, 0, N_WANT);
    suite_add_tcase(s, tc);

    return unit_run(s);
}
