/* fuzz_pm_ipc.c: libFuzzer target for pm/ipc.c.
 *
 * The input is read as a whole message (16-byte header, then the body)
 * and, besides, as a bare body:
 *
 *  - header: fcgp_ipc_hdr_unpack() must accept exactly the headers with
 *    our magic, version 3 and body_len <= FCGP_IPC_MAX_BODY (checked
 *    against an independent reading of the bytes), fail with APR_EINVAL
 *    otherwise, and an accepted header must pack back to the same bytes;
 *  - body: the bytes after the header, and the whole input, go through
 *    every decoder (WANT, ANSWER, KICK, STATUS, STATUS_REPLY).  Whatever decodes must satisfy the decoder's checks,
 *    re-encode (with a valid header), and decode back to the same values.
 *    Strings cross the wire as length + bytes but come back as C strings,
 *    so a string with a NUL in it shortens: the re-encoded body is shorter
 *    by exactly the bytes from each such NUL on, is byte-identical when no
 *    string held a NUL, and encoding is a fixed point from then on.  Equal
 *    specs give equal class keys; a status snapshot decodes to the same
 *    rows again;
 *  - reference: a small independent walk of the wire format (below) must
 *    agree with each decoder on accept/reject.
 *
 * A fresh APR pool per iteration, destroyed at the end.  Any violation
 * aborts, which libFuzzer reports as a crash.
 */
#include <apr.h>
#include <apr_errno.h>
#include <apr_general.h>
#include <apr_pools.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/ipc.h"
#include "t/unit/status_eq.h"

#define INVARIANT(cond)                                                 \
    do {                                                                \
        if (!(cond)) {                                                  \
            fprintf(stderr, "%s:%d: invariant failed: %s\n",            \
                    __FILE__, __LINE__, #cond);                         \
            abort();                                                    \
        }                                                               \
    } while (0)

#define PID 0x01020304u

static apr_uint32_t be32(const unsigned char *b)
{
    return ((apr_uint32_t)b[0] << 24) | ((apr_uint32_t)b[1] << 16)
           | ((apr_uint32_t)b[2] << 8) | (apr_uint32_t)b[3];
}

static void check_hdr(const unsigned char *in)
{
    fcgp_ipc_hdr_t h;
    unsigned char again[FCGP_IPC_HDR_LEN];
    apr_uint32_t magic = be32(in), vt = be32(in + 4), blen = be32(in + 8);
    int ours = magic == FCGP_IPC_MAGIC && (vt >> 16) == FCGP_IPC_VERSION
               && blen <= FCGP_IPC_MAX_BODY;
    apr_status_t rv = fcgp_ipc_hdr_unpack(in, &h);

    if (rv != APR_SUCCESS) {
        INVARIANT(rv == APR_EINVAL);
        INVARIANT(!ours);
        return;
    }
    INVARIANT(ours);
    INVARIANT(h.magic == FCGP_IPC_MAGIC);
    INVARIANT(h.version == FCGP_IPC_VERSION);
    INVARIANT(h.type == (vt & 0xFFFF));
    INVARIANT(h.body_len == blen);
    INVARIANT(h.parent_pid == be32(in + 12));
    fcgp_ipc_hdr_pack(again, h.type, h.body_len, h.parent_pid);
    INVARIANT(memcmp(again, in, FCGP_IPC_HDR_LEN) == 0);
}

/* ------------------------------------------------------------------ */
/* Reference reading of the wire format (pm/ipc.h, pm/ipc.c): big-endian
 * integers, a string is a u32 length and its bytes, a string vector a u32
 * count (at most 4096) and its strings.  ok is cleared on any overrun;
 * lost counts the bytes from the first NUL of each string on. */

typedef struct {
    const unsigned char *b;
    apr_size_t len, pos, lost;
    int ok;
} ref_t;

static apr_uint32_t ref_u32(ref_t *r)
{
    apr_uint32_t v;
    if (!r->ok || r->len - r->pos < 4) {
        r->ok = 0;
        return 0;
    }
    v = be32(r->b + r->pos);
    r->pos += 4;
    return v;
}

static apr_int64_t ref_i64(ref_t *r)
{
    apr_uint64_t hi = ref_u32(r);
    return (apr_int64_t)((hi << 32) | ref_u32(r));
}

/* Returns 1 when the string, read as a C string, is empty. */
static int ref_str(ref_t *r)
{
    apr_uint32_t n = ref_u32(r);
    const unsigned char *z;
    if (!r->ok || r->len - r->pos < n) {
        r->ok = 0;
        return 1;
    }
    z = memchr(r->b + r->pos, 0, n);
    if (z) {
        r->lost += n - (apr_size_t)(z - (r->b + r->pos));
    }
    r->pos += n;
    return n == 0 || r->b[r->pos - n] == 0;
}

static apr_uint32_t ref_strv(ref_t *r)
{
    apr_uint32_t n = ref_u32(r), k;
    if (n > 4096) {
        r->ok = 0;
    }
    for (k = 0; r->ok && k < n; k++) {
        ref_str(r);
    }
    return n;
}

static void ref_begin(ref_t *r, const char *body, apr_size_t len)
{
    r->b = (const unsigned char *)body;
    r->len = len;
    r->pos = 0;
    r->lost = 0;
    r->ok = 1;
}

/* Would a correct decoder accept this WANT body? */
static int ref_want(const char *body, apr_size_t len, apr_size_t *lost)
{
    ref_t r;
    apr_uint32_t maxp, minp, src, argc, pools;
    apr_int64_t t[4];
    int k, ok = 1;
    ref_begin(&r, body, len);
    maxp = ref_u32(&r);
    minp = ref_u32(&r);
    ref_u32(&r);                        /* max_requests: any */
    src = ref_u32(&r);
    for (k = 0; k < 4; k++) {
        t[k] = ref_i64(&r);
        ok = ok && t[k] >= 0;
    }
    pools = ref_u32(&r);                /* php_pools: 0 or 1 */
    ref_str(&r);                        /* vhost */
    argc = ref_strv(&r);
    ref_strv(&r);                       /* env */
    {
        /* identity: flags (1 suexec, 2 userdir), uid, gid; userdir only
         * with suexec, ids only with suexec */
        apr_uint32_t flags = ref_u32(&r), uid = ref_u32(&r),
                     gid = ref_u32(&r);
        ok = ok && flags <= 3 && flags != 2 && (flags || (!uid && !gid));
    }
    *lost = r.lost;
    return r.ok && r.pos == len && ok && argc >= 1 && maxp >= 1
           && minp <= maxp && src <= FCGP_LIMIT_LEARNED && pools <= 1;
}

/* Would a correct decoder accept this ANSWER body?  status (at most
 * RETRY), cls and retry_after (any), message. */
static int ref_answer(const char *body, apr_size_t len, apr_size_t *lost)
{
    ref_t r;
    apr_uint32_t status;
    ref_begin(&r, body, len);
    status = ref_u32(&r);
    ref_u32(&r);                        /* cls: any */
    ref_u32(&r);                        /* retry_after: any */
    ref_str(&r);                        /* message */
    *lost = r.lost;
    return r.ok && r.pos == len && status <= FCGP_GRANT_RETRY;
}

/* Would a correct decoder accept this STATUS_REPLY body?  Rows counts
 * are capped; states, flags and limit sources in range; times not
 * negative; a metrics row's counters in ascending id order, below
 * FCGP_CNT_N, not 0.  (The decoder also bounds a count by the bytes
 * left, which a body that really holds the rows always satisfies.) */
static int ref_status_reply(const char *body, apr_size_t len,
                            apr_size_t *lost)
{
    ref_t r;
    apr_uint32_t draining, n, k;
    int j, ok = 1;
    ref_begin(&r, body, len);
    for (j = 0; j < 4; j++) {
        ref_u32(&r);                    /* pm_pid .. exits_total: any */
    }
    draining = ref_u32(&r);
    n = ref_u32(&r);
    r.ok = r.ok && n <= FCGP_STATUS_MAX_CLASSES;
    for (k = 0; r.ok && k < n; k++) {
        ref_str(&r);                    /* name */
        for (j = 0; j < 5; j++) {
            ref_u32(&r);                /* processes .. limit: any */
        }
        ok = ok && ref_u32(&r) <= FCGP_LIMIT_LEARNED;
        ref_i64(&r);                    /* program_inode: any */
        ok = ok && ref_i64(&r) >= 0;    /* program_mtime */
        ok = ok && ref_i64(&r) >= 0;    /* replaced */
        ref_i64(&r);                    /* slow_requests: any */
    }
    n = ref_u32(&r);
    r.ok = r.ok && n <= FCGP_STATUS_MAX_WORKERS;
    for (k = 0; r.ok && k < n; k++) {
        ref_u32(&r);                    /* slot */
        ref_u32(&r);                    /* pid */
        ref_str(&r);                    /* class */
        ok = ok && ref_u32(&r) <= FCGP_WORKER_STOPPING;
        ok = ok && ref_u32(&r) <= 2;    /* last_request */
        ref_u32(&r);                    /* requests */
        ref_u32(&r);                    /* limit */
        ok = ok && ref_u32(&r) <= FCGP_LIMIT_LEARNED;
        ok = ok && ref_i64(&r) >= 0;    /* age */
        ok = ok && ref_i64(&r) >= 0;    /* idle */
        ref_str(&r);                    /* reason */
        ref_u32(&r);                    /* parent_pid: any */
        ref_u32(&r);                    /* renewals: any */
        ref_str(&r);                    /* method */
        ref_str(&r);                    /* uri */
        ok = ok && ref_i64(&r) >= 0;    /* running */
        ok = ok && ref_i64(&r) >= 0;    /* last_took */
    }
    n = ref_u32(&r);
    r.ok = r.ok && n <= FCGP_STATUS_MAX_EXITS;
    for (k = 0; r.ok && k < n; k++) {
        ok = ok && ref_i64(&r) >= 0;    /* when */
        ref_u32(&r);                    /* pid */
        for (j = 0; j < 3; j++) {
            ref_str(&r);                /* class, how, reason */
        }
        ref_u32(&r);                    /* requests */
        ok = ok && ref_i64(&r) >= 0;    /* uptime */
    }
    ok = ok && ref_i64(&r) >= 0;        /* counters_since */
    ref_u32(&r);                        /* classes_total */
    n = ref_u32(&r);
    r.ok = r.ok && n <= FCGP_STATUS_MAX_METRICS;
    for (k = 0; r.ok && k < n; k++) {
        apr_uint32_t npairs, id, next = 0, i;
        ref_str(&r);                    /* command */
        ref_str(&r);                    /* vhost */
        ok = ok && ref_i64(&r) >= 0;    /* since */
        ref_u32(&r);                    /* classes */
        ok = ok && ref_u32(&r) <= 1;    /* known */
        for (j = 0; j < 8; j++) {
            ref_u32(&r);                /* idle .. learned_limit */
        }
        ok = ok && ref_i64(&r) >= 0;    /* backoff */
        npairs = ref_u32(&r);
        r.ok = r.ok && npairs <= FCGP_CNT_N;
        for (i = 0; r.ok && i < npairs; i++) {
            id = ref_u32(&r);
            ok = ok && id >= next && id < FCGP_CNT_N;
            next = id + 1;
            ok = ok && ref_i64(&r) != 0;
        }
    }
    *lost = r.lost;
    return r.ok && r.pos == len && ok && draining <= 1;
}

/* ------------------------------------------------------------------ */

/* An encoded message: check its header, return its body. */
static const char *body_of(const char *msg, apr_size_t len,
                           apr_uint16_t type, apr_size_t *blen)
{
    fcgp_ipc_hdr_t h;
    INVARIANT(len >= FCGP_IPC_HDR_LEN);
    INVARIANT(fcgp_ipc_hdr_unpack((const unsigned char *)msg, &h)
              == APR_SUCCESS);
    INVARIANT(h.type == type);
    INVARIANT(h.parent_pid == PID);
    INVARIANT(h.body_len == len - FCGP_IPC_HDR_LEN);
    *blen = h.body_len;
    return msg + FCGP_IPC_HDR_LEN;
}

/* Re-encoding may only shorten strings that held a NUL, by the bytes from
 * that NUL on. */
static void check_reencoded(const char *in, apr_size_t in_len,
                            const char *out, apr_size_t out_len,
                            apr_size_t lost)
{
    INVARIANT(out_len + lost == in_len);
    if (!lost) {
        INVARIANT(memcmp(in, out, in_len) == 0);
    }
}

static void check_strv(int n, const char *const *a, const char *const *b)
{
    int k;
    INVARIANT(a != NULL && b != NULL);
    INVARIANT(a[n] == NULL && b[n] == NULL);
    for (k = 0; k < n; k++) {
        INVARIANT(a[k] != NULL && b[k] != NULL);
        INVARIANT(strcmp(a[k], b[k]) == 0);
    }
}

static void fuzz_want(apr_pool_t *p, const char *body, apr_size_t len)
{
    fcgp_msg_want_t m, m2;
    char *msg, *msg2;
    apr_size_t mlen, mlen2, blen, blen2, k1, k2, lost = 0;
    const char *b, *b2, *key1, *key2;
    apr_status_t rv = fcgp_ipc_decode_want(p, body, len, &m);
    int want = ref_want(body, len, &lost);

    if (rv != APR_SUCCESS) {
        INVARIANT(rv == APR_EINVAL);
        INVARIANT(!want);
        return;
    }
    INVARIANT(want);
    INVARIANT(m.spec.vhost != NULL);
    INVARIANT(m.spec.argc >= 1 && m.spec.argc <= 4096);
    INVARIANT(m.spec.envc >= 0 && m.spec.envc <= 4096);
    INVARIANT(m.limits.max_procs >= 1);
    INVARIANT(m.limits.min_procs <= m.limits.max_procs);
    INVARIANT(m.limits.limit_source <= FCGP_LIMIT_LEARNED);
    INVARIANT(m.limits.idle_timeout >= 0 && m.limits.lifetime >= 0
              && m.limits.queue_timeout >= 0 && m.limits.kill_timeout >= 0);

    INVARIANT(fcgp_ipc_encode_want(p, PID, &m, &msg, &mlen) == APR_SUCCESS);
    b = body_of(msg, mlen, FCGP_MSG_WANT, &blen);
    check_reencoded(body, len, b, blen, lost);
    INVARIANT(fcgp_ipc_decode_want(p, b, blen, &m2) == APR_SUCCESS);

    INVARIANT(m2.limits.max_procs == m.limits.max_procs);
    INVARIANT(m2.limits.min_procs == m.limits.min_procs);
    INVARIANT(m2.limits.max_requests == m.limits.max_requests);
    INVARIANT(m2.limits.limit_source == m.limits.limit_source);
    INVARIANT(m2.limits.idle_timeout == m.limits.idle_timeout);
    INVARIANT(m2.limits.lifetime == m.limits.lifetime);
    INVARIANT(m2.limits.queue_timeout == m.limits.queue_timeout);
    INVARIANT(m2.limits.kill_timeout == m.limits.kill_timeout);
    INVARIANT(m2.limits.php_pools == m.limits.php_pools);
    INVARIANT(strcmp(m2.spec.vhost, m.spec.vhost) == 0);
    INVARIANT(m2.spec.argc == m.spec.argc);
    INVARIANT(m2.spec.envc == m.spec.envc);
    check_strv(m.spec.argc, m.spec.argv, m2.spec.argv);
    check_strv(m.spec.envc, m.spec.env, m2.spec.env);
    INVARIANT(m2.spec.ident.suexec == m.spec.ident.suexec
              && m2.spec.ident.userdir == m.spec.ident.userdir
              && m2.spec.ident.uid == m.spec.ident.uid
              && m2.spec.ident.gid == m.spec.ident.gid);

    /* from the first re-encoding on, encoding is a fixed point */
    INVARIANT(fcgp_ipc_encode_want(p, PID, &m2, &msg2, &mlen2)
              == APR_SUCCESS);
    b2 = body_of(msg2, mlen2, FCGP_MSG_WANT, &blen2);
    INVARIANT(blen2 == blen && memcmp(b2, b, blen) == 0);

    key1 = fcgp_ipc_class_key(p, &m.spec, &k1);
    key2 = fcgp_ipc_class_key(p, &m2.spec, &k2);
    INVARIANT(key1 != NULL && key2 != NULL);
    INVARIANT(k1 == k2 && memcmp(key1, key2, k1) == 0);
}

static void fuzz_answer(apr_pool_t *p, const char *body, apr_size_t len)
{
    fcgp_msg_answer_t m, m2;
    char *msg, *msg2;
    apr_size_t mlen, mlen2, blen, blen2, lost = 0;
    const char *b, *b2;
    apr_status_t rv = fcgp_ipc_decode_answer(p, body, len, &m);
    int want = ref_answer(body, len, &lost);

    if (rv != APR_SUCCESS) {
        INVARIANT(rv == APR_EINVAL);
        INVARIANT(!want);
        return;
    }
    INVARIANT(want);
    INVARIANT(m.status <= FCGP_GRANT_RETRY);
    INVARIANT(m.message != NULL);
    /* the fixed fields are the first 12 bytes, as they are */
    INVARIANT(len >= 16);
    INVARIANT(m.status == be32((const unsigned char *)body));
    INVARIANT(m.cls == be32((const unsigned char *)body + 4));
    INVARIANT(m.retry_after == be32((const unsigned char *)body + 8));

    INVARIANT(fcgp_ipc_encode_answer(p, PID, &m, &msg, &mlen)
              == APR_SUCCESS);
    b = body_of(msg, mlen, FCGP_MSG_ANSWER, &blen);
    check_reencoded(body, len, b, blen, lost);
    INVARIANT(fcgp_ipc_decode_answer(p, b, blen, &m2) == APR_SUCCESS);
    INVARIANT(m2.status == m.status);
    INVARIANT(m2.cls == m.cls);
    INVARIANT(m2.retry_after == m.retry_after);
    INVARIANT(strcmp(m2.message, m.message) == 0);

    INVARIANT(fcgp_ipc_encode_answer(p, PID, &m2, &msg2, &mlen2)
              == APR_SUCCESS);
    b2 = body_of(msg2, mlen2, FCGP_MSG_ANSWER, &blen2);
    INVARIANT(blen2 == blen && memcmp(b2, b, blen) == 0);
}

/* KICK: exactly one u64 (the table's nonce), and it round-trips. */
static void fuzz_kick(apr_pool_t *p, const char *body, apr_size_t len)
{
    apr_uint64_t nonce, n2;
    char *msg;
    apr_size_t mlen, blen;
    const char *b;
    apr_status_t rv = fcgp_ipc_decode_kick(body, len, &nonce);

    if (rv != APR_SUCCESS) {
        INVARIANT(rv == APR_EINVAL);
        INVARIANT(len != 8);
        return;
    }
    INVARIANT(len == 8);
    INVARIANT(fcgp_ipc_encode_kick(p, PID, nonce, &msg, &mlen)
              == APR_SUCCESS);
    b = body_of(msg, mlen, FCGP_MSG_KICK, &blen);
    INVARIANT(blen == len && memcmp(b, body, len) == 0);
    INVARIANT(fcgp_ipc_decode_kick(b, blen, &n2) == APR_SUCCESS);
    INVARIANT(n2 == nonce);
}

/* STATUS: the request has no body; the reply is a snapshot whose rows
 * must be in range, and which re-encodes and decodes to the same. */
static void fuzz_status(apr_pool_t *p, const char *body, apr_size_t len)
{
    fcgp_status_t st, st2;
    char *msg, *msg2;
    apr_size_t mlen, mlen2, blen, blen2, lost = 0;
    const char *b, *b2;
    apr_uint32_t k, shown;
    apr_status_t rv = fcgp_ipc_decode_status_reply(p, body, len, &st);
    int want = ref_status_reply(body, len, &lost);

    /* the request: nothing, or how many classes get rows of their own */
    INVARIANT((fcgp_ipc_decode_status(body, len, &shown) == APR_SUCCESS)
              == (len == 0 || len == 4));
    if (len == 4) {
        INVARIANT(shown == be32((const unsigned char *)body));
    }
    if (rv != APR_SUCCESS) {
        INVARIANT(rv == APR_EINVAL);
        INVARIANT(!want);
        INVARIANT(st.nclasses == 0 && st.nworkers == 0 && st.nexits == 0
                  && st.nmetrics == 0);
        return;
    }
    INVARIANT(want);
    INVARIANT(st.draining <= 1);
    INVARIANT(st.nclasses <= FCGP_STATUS_MAX_CLASSES
              && st.nworkers <= FCGP_STATUS_MAX_WORKERS
              && st.nexits <= FCGP_STATUS_MAX_EXITS);
    for (k = 0; k < st.nworkers; k++) {
        INVARIANT(st.workers[k].state <= FCGP_WORKER_STOPPING);
        INVARIANT(st.workers[k].age >= 0 && st.workers[k].idle >= 0);
    }
    INVARIANT(st.nmetrics <= FCGP_STATUS_MAX_METRICS);
    for (k = 0; k < st.nmetrics; k++) {
        INVARIANT(st.metrics[k].known <= 1 && st.metrics[k].since >= 0
                  && st.metrics[k].backoff >= 0);
    }

    INVARIANT(fcgp_ipc_encode_status_reply(p, PID, &st, &msg, &mlen)
              == APR_SUCCESS);
    b = body_of(msg, mlen, FCGP_MSG_STATUS_REPLY, &blen);
    check_reencoded(body, len, b, blen, lost);
    INVARIANT(fcgp_ipc_decode_status_reply(p, b, blen, &st2)
              == APR_SUCCESS);
    INVARIANT(status_eq(&st, &st2));

    INVARIANT(fcgp_ipc_encode_status_reply(p, PID, &st2, &msg2, &mlen2)
              == APR_SUCCESS);
    b2 = body_of(msg2, mlen2, FCGP_MSG_STATUS_REPLY, &blen2);
    INVARIANT(blen2 == blen && memcmp(b2, b, blen) == 0);
}

/* The decoders get their own copy of exactly len bytes, so ASan sees any
 * read past the end. */
static void fuzz_body(apr_pool_t *p, const uint8_t *data, size_t len)
{
    char *body = malloc(len ? len : 1);
    INVARIANT(body != NULL);
    if (len) {
        memcpy(body, data, len);
    }
    fuzz_want(p, body, len);
    fuzz_answer(p, body, len);
    fuzz_kick(p, body, len);
    fuzz_status(p, body, len);
    free(body);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (apr_initialize() != APR_SUCCESS) {
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;

    INVARIANT(apr_pool_create(&p, NULL) == APR_SUCCESS);
    if (size >= FCGP_IPC_HDR_LEN) {
        unsigned char hdr[FCGP_IPC_HDR_LEN];
        memcpy(hdr, data, sizeof(hdr));
        check_hdr(hdr);
        fuzz_body(p, data + FCGP_IPC_HDR_LEN, size - FCGP_IPC_HDR_LEN);
    }
    fuzz_body(p, data, size);
    apr_pool_destroy(p);
    return 0;
}
