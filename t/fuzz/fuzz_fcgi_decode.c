/* fuzz_fcgi_decode.c: libFuzzer target for fcgi_proto/fcgi_decode.c.
 *
 * Input layout: the first FUZZ_NSIZES bytes give the sizes of the pieces
 * the rest (the stream) is fed in, cycling: 0 means a zero-length call
 * followed by a 1-byte piece, 255 means all that is left, anything else
 * that many bytes.
 *
 * The stream is decoded for request id 1 in those pieces and once whole;
 * both runs must agree (same STDOUT/STDERR bytes, END_REQUEST status,
 * error).  Along the way the decoder contract is checked: consumed <= len,
 * progress while not DONE/FAILED, event data inside the consumed part of
 * the caller's buffer, STDOUT+STDERR bytes never more than the input,
 * at most one END_REQUEST, DONE and FAILED terminal.  The stream is also
 * walked as name-value pairs with fcgp_nv_next(): each pair is its length
 * fields, name and value, and decodes the same when copied alone into a
 * buffer of its exact size.  Any violation aborts, which libFuzzer reports
 * as a crash.
 */
#include <apr.h>
#include <apr_errno.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi_proto/fcgi_proto.h"

#define FUZZ_ID     1
#define FUZZ_NSIZES 4

#define INVARIANT(cond)                                                 \
    do {                                                                \
        if (!(cond)) {                                                  \
            fprintf(stderr, "%s:%d: invariant failed: %s\n",            \
                    __FILE__, __LINE__, #cond);                         \
            abort();                                                    \
        }                                                               \
    } while (0)

typedef struct {
    char *out;              /* STDOUT bytes, capacity: the stream length */
    apr_size_t out_len;
    char *err;
    apr_size_t err_len;
    apr_size_t cap;
    int ended;
    apr_uint32_t app;
    unsigned char ps;
    int failed;
    fcgp_error_e error;
} run_t;

/* One fcgp_decode() loop over a piece; returns when the piece is used up
 * or the decoder is terminal for it. */
static void feed_piece(fcgp_decoder_t *d, const char *p, apr_size_t len,
                       apr_size_t fed_before, run_t *r)
{
    apr_size_t off = 0;

    do {
        fcgp_event_t ev;
        apr_size_t used = (apr_size_t)-1;
        int was_done = fcgp_decoder_done(d);
        apr_status_t rv = fcgp_decode(d, p + off, len - off, &used, &ev);

        INVARIANT(used <= len - off);
        if (r->failed) {
            /* FAILED is terminal: same error, nothing consumed */
            INVARIANT(rv == APR_EGENERAL);
            INVARIANT(ev.type == FCGP_EV_ERROR);
            INVARIANT(ev.error == r->error);
            INVARIANT(used == 0);
            return;
        }
        if (r->ended && len - off > 0) {
            /* DONE is terminal: any further byte is an error */
            INVARIANT(rv == APR_EGENERAL);
            INVARIANT(ev.type == FCGP_EV_ERROR);
            INVARIANT(ev.error == FCGP_ERR_AFTER_END);
            INVARIANT(used == 0);
        }
        if (!r->ended && len - off > 0) {
            INVARIANT(used > 0);
        }

        switch (ev.type) {
        case FCGP_EV_NONE:
            INVARIANT(rv == APR_SUCCESS);
            INVARIANT(used == len - off);
            break;
        case FCGP_EV_STDOUT:
        case FCGP_EV_STDERR:
            INVARIANT(rv == APR_SUCCESS);
            INVARIANT(!r->ended);
            INVARIANT(ev.len > 0);
            INVARIANT(ev.data >= p + off);
            INVARIANT(ev.data + ev.len <= p + off + used);
            INVARIANT(r->out_len + r->err_len + ev.len
                      <= fed_before + off + used);
            INVARIANT(r->out_len + r->err_len + ev.len <= r->cap);
            if (ev.type == FCGP_EV_STDOUT) {
                INVARIANT(ev.rec_type == FCGP_STDOUT);
                memcpy(r->out + r->out_len, ev.data, ev.len);
                r->out_len += ev.len;
            }
            else {
                INVARIANT(ev.rec_type == FCGP_STDERR);
                memcpy(r->err + r->err_len, ev.data, ev.len);
                r->err_len += ev.len;
            }
            break;
        case FCGP_EV_END_REQUEST:
            INVARIANT(rv == APR_SUCCESS);
            INVARIANT(!r->ended);
            INVARIANT(!was_done);
            INVARIANT(fcgp_decoder_done(d));
            INVARIANT(ev.rec_type == FCGP_END_REQUEST);
            r->ended = 1;
            r->app = ev.app_status;
            r->ps = ev.protocol_status;
            break;
        case FCGP_EV_ERROR:
            INVARIANT(rv == APR_EGENERAL);
            INVARIANT(ev.error != FCGP_ERR_NONE);
            INVARIANT(fcgp_strerror(ev.error) != NULL);
            INVARIANT(fcgp_decoder_done(d) == r->ended);
            r->failed = 1;
            r->error = ev.error;
            return;
        default:
            INVARIANT(!"unknown event type");
        }
        INVARIANT(fcgp_decoder_done(d) == r->ended);
        off += used;
    } while (off < len);
}

static void run_decoder(const char *s, apr_size_t len,
                        const unsigned char *sizes, size_t nsizes, run_t *r)
{
    fcgp_decoder_t d;
    apr_size_t off = 0, piece;
    size_t j = 0;

    fcgp_decoder_init(&d, FUZZ_ID);
    INVARIANT(!fcgp_decoder_done(&d));
    do {
        if (nsizes == 0 || sizes[j % nsizes] == 255) {
            piece = len - off;
        }
        else {
            piece = sizes[j % nsizes];
            if (piece > len - off) {
                piece = len - off;
            }
        }
        j++;
        if (piece == 0 && off < len) {
            /* a zero-length call, then one byte so as to make progress */
            feed_piece(&d, s + off, 0, off, r);
            piece = 1;
        }
        feed_piece(&d, s + off, piece, off, r);
        off += piece;
    } while (off < len);

    /* terminal states stay put */
    feed_piece(&d, s + len, 0, len, r);
    if (r->failed || r->ended) {
        feed_piece(&d, "\x01", 1, len, r);
        INVARIANT(r->failed);
        INVARIANT(fcgp_decoder_done(&d) == r->ended);
    }
}

/* Length bytes of the pair length starting at p[0]: 1 below 128, else 4. */
static apr_size_t nv_len_bytes(const char *p)
{
    return ((unsigned char)p[0] & 0x80) ? 4 : 1;
}

static void check_nv(const char *s, apr_size_t len, apr_size_t start)
{
    apr_size_t pos = start;
    apr_status_t rv;

    for (;;) {
        const char *n = NULL, *v = NULL, *n2, *v2;
        apr_size_t nlen = 0, vlen = 0, nlen2, vlen2, before = pos;
        apr_size_t hlen, pair_len, pos2 = 0;
        char *copy;

        rv = fcgp_nv_next(s, len, &pos, &n, &nlen, &v, &vlen);
        if (rv != APR_SUCCESS) {
            INVARIANT(rv == APR_INCOMPLETE);
            INVARIANT(pos == before);
            return;
        }
        INVARIANT(pos >= before + 2 && pos <= len);
        INVARIANT(n >= s + before && n + nlen <= s + len);
        INVARIANT(v == n + nlen && v + vlen == s + pos);
        /* the pair is its two length fields, the name and the value */
        hlen = nv_len_bytes(s + before);
        hlen += nv_len_bytes(s + before + hlen);
        pair_len = pos - before;
        INVARIANT(n == s + before + hlen);
        INVARIANT(pair_len == hlen + nlen + vlen);

        /* the same pair alone, in a buffer of its exact size, decodes the
         * same; one byte less is incomplete, never an error */
        copy = malloc(pair_len);
        INVARIANT(copy != NULL);
        memcpy(copy, s + before, pair_len);
        INVARIANT(fcgp_nv_next(copy, pair_len, &pos2, &n2, &nlen2, &v2,
                               &vlen2) == APR_SUCCESS);
        INVARIANT(pos2 == pair_len);
        INVARIANT(nlen2 == nlen && vlen2 == vlen);
        INVARIANT(memcmp(n2, n, nlen) == 0 && memcmp(v2, v, vlen) == 0);
        pos2 = 0;
        INVARIANT(fcgp_nv_next(copy, pair_len - 1, &pos2, &n2, &nlen2, &v2,
                               &vlen2) == APR_INCOMPLETE);
        INVARIANT(pos2 == 0);
        free(copy);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nsizes = size < FUZZ_NSIZES ? size : FUZZ_NSIZES;
    const char *s = (const char *)data + nsizes;
    apr_size_t len = size - nsizes, k;
    char *bufs;
    run_t a, b;

    /* one allocation of exactly len bytes for the stream, so that ASan
     * catches any read past it */
    char *stream = malloc(len ? len : 1);
    INVARIANT(stream != NULL);
    if (len) {
        memcpy(stream, s, len);
    }

    bufs = malloc(4 * (len + 1));
    INVARIANT(bufs != NULL);
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.cap = b.cap = len;
    a.out = bufs;
    a.err = bufs + (len + 1);
    b.out = bufs + 2 * (len + 1);
    b.err = bufs + 3 * (len + 1);

    run_decoder(stream, len, data, nsizes, &a);
    run_decoder(stream, len, NULL, 0, &b);

    /* piece sizes do not change the outcome */
    INVARIANT(a.out_len == b.out_len);
    INVARIANT(memcmp(a.out, b.out, a.out_len) == 0);
    INVARIANT(a.err_len == b.err_len);
    INVARIANT(memcmp(a.err, b.err, a.err_len) == 0);
    INVARIANT(a.ended == b.ended);
    INVARIANT(a.app == b.app && a.ps == b.ps);
    INVARIANT(a.failed == b.failed);
    INVARIANT(a.error == b.error);

    for (k = 0; k < len && k < 16; k++) {
        check_nv(stream, len, k);
    }
    {
        apr_size_t pos = len + 1;
        const char *n, *v;
        apr_size_t nl, vl;

        INVARIANT(fcgp_nv_next(stream, len, &pos, &n, &nl, &v, &vl)
                  == APR_EINVAL);
    }

    free(bufs);
    free(stream);
    return 0;
}
