/* ipc_check.h: what the Check suites of pm/ipc.c share: REQUIRE()
 * (t/unit/require.h), PID, byte helpers, test strings, the header check
 * and the cut check (every prefix and every extension of a valid body
 * must be rejected).  Include after <check.h>, t/unit/unit.h and
 * pm/ipc.h. */
#ifndef FCGP_T_UNIT_IPC_CHECK_H
#define FCGP_T_UNIT_IPC_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t/unit/require.h"

#define IPC_UNUSED  __attribute__((unused))
#define PID         0x00ABCDEFu

IPC_UNUSED
static apr_uint32_t be32(const unsigned char *b)
{
    return ((apr_uint32_t)b[0] << 24) | ((apr_uint32_t)b[1] << 16)
           | ((apr_uint32_t)b[2] << 8) | (apr_uint32_t)b[3];
}

IPC_UNUSED
static void put32(unsigned char *b, apr_uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* A string of n bytes, none NUL, from a seed. */
IPC_UNUSED
static char *pattern(apr_pool_t *p, apr_size_t n, unsigned seed)
{
    char *s = apr_palloc(p, n + 1);
    apr_size_t i;
    for (i = 0; i < n; i++) {
        s[i] = (char)(1 + (i * 7 + seed) % 255);
    }
    s[n] = '\0';
    return s;
}

/* Every byte value but NUL, in order. */
IPC_UNUSED
static char *all_bytes(apr_pool_t *p)
{
    char *s = apr_palloc(p, 256);
    int i;
    for (i = 1; i < 256; i++) {
        s[i - 1] = (char)i;
    }
    s[255] = '\0';
    return s;
}

/* Check the header of an encoded message and return its body length. */
IPC_UNUSED
static apr_size_t check_hdr(const char *msg, apr_size_t len,
                            apr_uint16_t type)
{
    fcgp_ipc_hdr_t h;
    REQUIRE(len >= FCGP_IPC_HDR_LEN);
    REQUIRE(fcgp_ipc_hdr_unpack((const unsigned char *)msg, &h)
            == APR_SUCCESS);
    REQUIRE(h.magic == FCGP_IPC_MAGIC);
    REQUIRE(h.version == FCGP_IPC_VERSION);
    REQUIRE(h.type == type);
    REQUIRE(h.body_len == len - FCGP_IPC_HDR_LEN);
    REQUIRE(h.parent_pid == PID);
    REQUIRE(be32((const unsigned char *)msg) == 0x46435050u);
    return h.body_len;
}

/* Every proper prefix of a valid body is rejected, and so is the body
 * with bytes after it.  decode(body, len) returns the status. */
typedef apr_status_t (*decode_fn)(apr_pool_t *p, const char *body,
                                  apr_size_t len, void *m);

IPC_UNUSED
static void check_cuts(const char *body, apr_size_t len, decode_fn decode,
                       apr_size_t msize)
{
    apr_pool_t *sub;
    void *m = malloc(msize);
    char *ext = malloc(len + 100);
    apr_size_t n, step = 1;
    static const apr_size_t extra[] = { 1, 3, 4, 8, 100 };
    int k;

    REQUIRE(m != NULL && ext != NULL);
    REQUIRE(apr_pool_create(&sub, pool) == APR_SUCCESS);
    for (n = 0; n < len; n += step) {
        /* all cuts of bodies up to 16 KiB; of larger ones, the first and
         * last 4 KiB and every 61st length in between */
        step = (len > 16384 && n >= 4096 && n + 4096 + 61 < len) ? 61 : 1;
        memset(m, 0x5A, msize);
        if (decode(sub, body, n, m) != APR_EINVAL) {
            snprintf(ctx, sizeof(ctx), "body cut to %lu of %lu bytes "
                     "accepted", (unsigned long)n, (unsigned long)len);
            REQUIRE(0);
        }
        apr_pool_clear(sub);
    }
    memcpy(ext, body, len);
    for (k = 0; k < N_OF(extra); k++) {
        int fill;
        for (fill = 0; fill < 2; fill++) {
            memset(ext + len, fill ? 0xFF : 0, extra[k]);
            if (decode(sub, ext, len + extra[k], m) != APR_EINVAL) {
                snprintf(ctx, sizeof(ctx), "%lu trailing 0x%02x bytes "
                         "accepted", (unsigned long)extra[k],
                         fill ? 0xFF : 0);
                REQUIRE(0);
            }
            apr_pool_clear(sub);
        }
    }
    apr_pool_destroy(sub);
    free(ext);
    free(m);
}

#endif
