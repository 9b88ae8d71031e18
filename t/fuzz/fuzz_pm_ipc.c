/* fuzz_pm_ipc.c: libFuzzer target for pm/ipc.c.
 *
 * The input is read as a whole message (16-byte header, then the body)
 * and, besides, as a bare body:
 *
 *  - header: fcgp_ipc_hdr_unpack() must accept exactly the headers with
 *    our magic, version 1 and body_len <= FCGP_IPC_MAX_BODY (checked
 *    against an independent reading of the bytes), fail with APR_EINVAL
 *    otherwise, and an accepted header must pack back to the same bytes;
 *  - body: the bytes after the header, and the whole input, go through
 *    every decoder.  Whatever decodes must satisfy the decoder's checks,
 *    re-encode (with a valid header), and decode back to the same values.
 *    Strings cross the wire as length + bytes but come back as C strings,
 *    so a string with a NUL in it shortens: the re-encoded body is never
 *    longer than the input, is byte-identical when it has the same length,
 *    and encoding is a fixed point from then on.  Equal specs give equal
 *    class keys.
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

/* Re-encoding may only shorten strings that held a NUL. */
static void check_reencoded(const char *in, apr_size_t in_len,
                            const char *out, apr_size_t out_len)
{
    INVARIANT(out_len <= in_len);
    if (out_len == in_len) {
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

static void fuzz_acquire(apr_pool_t *p, const char *body, apr_size_t len)
{
    fcgp_msg_acquire_t m, m2;
    char *msg, *msg2;
    apr_size_t mlen, mlen2, blen, blen2, k1, k2;
    const char *b, *b2, *key1, *key2;
    apr_status_t rv = fcgp_ipc_decode_acquire(p, body, len, &m);

    if (rv != APR_SUCCESS) {
        INVARIANT(rv == APR_EINVAL);
        return;
    }
    INVARIANT(m.spec.vhost != NULL);
    INVARIANT(m.spec.argc >= 1 && m.spec.argc <= 4096);
    INVARIANT(m.spec.envc >= 0 && m.spec.envc <= 4096);
    INVARIANT(m.limits.max_procs >= 1);
    INVARIANT(m.limits.min_procs <= m.limits.max_procs);
    INVARIANT(m.limits.limit_source <= FCGP_LIMIT_LEARNED);
    INVARIANT(m.limits.idle_timeout >= 0 && m.limits.lifetime >= 0
              && m.limits.queue_timeout >= 0 && m.limits.kill_timeout >= 0);

    INVARIANT(fcgp_ipc_encode_acquire(p, PID, &m, &msg, &mlen)
              == APR_SUCCESS);
    b = body_of(msg, mlen, FCGP_MSG_ACQUIRE, &blen);
    check_reencoded(body, len, b, blen);
    INVARIANT(fcgp_ipc_decode_acquire(p, b, blen, &m2) == APR_SUCCESS);

    INVARIANT(m2.limits.max_procs == m.limits.max_procs);
    INVARIANT(m2.limits.min_procs == m.limits.min_procs);
    INVARIANT(m2.limits.max_requests == m.limits.max_requests);
    INVARIANT(m2.limits.limit_source == m.limits.limit_source);
    INVARIANT(m2.limits.idle_timeout == m.limits.idle_timeout);
    INVARIANT(m2.limits.lifetime == m.limits.lifetime);
    INVARIANT(m2.limits.queue_timeout == m.limits.queue_timeout);
    INVARIANT(m2.limits.kill_timeout == m.limits.kill_timeout);
    INVARIANT(strcmp(m2.spec.vhost, m.spec.vhost) == 0);
    INVARIANT(m2.spec.argc == m.spec.argc);
    INVARIANT(m2.spec.envc == m.spec.envc);
    check_strv(m.spec.argc, m.spec.argv, m2.spec.argv);
    check_strv(m.spec.envc, m.spec.env, m2.spec.env);

    /* from the first re-encoding on, encoding is a fixed point */
    INVARIANT(fcgp_ipc_encode_acquire(p, PID, &m2, &msg2, &mlen2)
              == APR_SUCCESS);
    b2 = body_of(msg2, mlen2, FCGP_MSG_ACQUIRE, &blen2);
    INVARIANT(blen2 == blen && memcmp(b2, b, blen) == 0);

    key1 = fcgp_ipc_class_key(p, &m.spec, &k1);
    key2 = fcgp_ipc_class_key(p, &m2.spec, &k2);
    INVARIANT(key1 != NULL && key2 != NULL);
    INVARIANT(k1 == k2 && memcmp(key1, key2, k1) == 0);
}

static void fuzz_grant(apr_pool_t *p, const char *body, apr_size_t len)
{
    fcgp_msg_grant_t m, m2;
    char *msg, *msg2;
    apr_size_t mlen, mlen2, blen, blen2;
    const char *b, *b2;
    apr_status_t rv = fcgp_ipc_decode_grant(p, body, len, &m);

    if (rv != APR_SUCCESS) {
        INVARIANT(rv == APR_EINVAL);
        return;
    }
    INVARIANT(m.status <= FCGP_GRANT_REFUSED);
    INVARIANT(m.path != NULL && m.message != NULL);
    INVARIANT(m.status != FCGP_GRANT_OK || *m.path);

    INVARIANT(fcgp_ipc_encode_grant(p, PID, &m, &msg, &mlen) == APR_SUCCESS);
    b = body_of(msg, mlen, FCGP_MSG_GRANT, &blen);
    check_reencoded(body, len, b, blen);
    INVARIANT(fcgp_ipc_decode_grant(p, b, blen, &m2) == APR_SUCCESS);
    INVARIANT(m2.status == m.status);
    INVARIANT(m2.slot == m.slot);
    INVARIANT(m2.pid == m.pid);
    INVARIANT(m2.nth == m.nth);
    INVARIANT(m2.limit == m.limit);
    INVARIANT(m2.limit_source == m.limit_source);
    INVARIANT(m2.retry_after == m.retry_after);
    INVARIANT(strcmp(m2.path, m.path) == 0);
    INVARIANT(strcmp(m2.message, m.message) == 0);

    INVARIANT(fcgp_ipc_encode_grant(p, PID, &m2, &msg2, &mlen2)
              == APR_SUCCESS);
    b2 = body_of(msg2, mlen2, FCGP_MSG_GRANT, &blen2);
    INVARIANT(blen2 == blen && memcmp(b2, b, blen) == 0);
}

static void fuzz_release(apr_pool_t *p, const char *body, apr_size_t len)
{
    fcgp_msg_release_t m, m2;
    char *msg;
    apr_size_t mlen, blen;
    const char *b;
    apr_status_t rv = fcgp_ipc_decode_release(body, len, &m);

    if (rv != APR_SUCCESS) {
        INVARIANT(rv == APR_EINVAL);
        return;
    }
    INVARIANT(len == 4);
    INVARIANT(m.outcome <= FCGP_OUT_TIMEOUT);
    INVARIANT(fcgp_ipc_encode_release(p, PID, &m, &msg, &mlen)
              == APR_SUCCESS);
    b = body_of(msg, mlen, FCGP_MSG_RELEASE, &blen);
    INVARIANT(blen == len && memcmp(b, body, len) == 0);
    INVARIANT(fcgp_ipc_decode_release(b, blen, &m2) == APR_SUCCESS);
    INVARIANT(m2.outcome == m.outcome);
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
    fuzz_acquire(p, body, len);
    fuzz_grant(p, body, len);
    fuzz_release(p, body, len);
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
