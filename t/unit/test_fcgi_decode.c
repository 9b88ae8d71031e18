/* test_fcgi_decode.c: Check unit tests for fcgi_proto/fcgi_decode.c.
 *
 * Table-driven, as httpd's test/unit: each table below is run by one loop
 * test (tcase_add_loop_test, index _i).  Streams are built from a
 * declarative description of their records; the expected STDOUT/STDERR
 * bytes, END_REQUEST status and error are spelled out in the table, not
 * derived from the records.
 *
 * Every stream is decoded whole, in two pieces split at every possible
 * position, and one byte at a time; all must give the same outcome.
 *
 * Hot loops use REQUIRE() rather than ck_assert(): in fork mode every
 * passing ck_assert() writes a location record to the runner's pipe.
 */
#include <apr.h>
#include <apr_errno.h>

#include <check.h>
#include "t/unit/unit.h"
#include "t/unit/require.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi_proto/fcgi_proto.h"

#define OUR_ID      0x0102
#define MAX_RECS    8
#define MAX_STREAM  (3 * (FCGP_HEADER_LEN + 65535 + 255))

/* ------------------------------------------------------------------ */
/* Stream descriptions                                                 */

typedef struct {
    const char *lit;        /* literal bytes, or NULL for a pattern */
    apr_size_t len;
    unsigned char seed;     /* pattern seed */
} blob_t;

#define LIT(s)          { (s), sizeof(s) - 1, 0 }
#define PAT(n, seed)    { NULL, (n), (seed) }

typedef struct {
    int used;
    unsigned char version;
    unsigned char type;
    apr_uint16_t id;
    blob_t content;
    unsigned char padding;
    int is_end;             /* END_REQUEST body from app/ps below */
    apr_uint32_t app;
    unsigned char ps;
} rec_t;

/* (no nesting: a braced blob passed on to another macro would split) */
#define VREC(v, t, id, c, pad)  { 1, (v), (t), (id), c, (pad), 0, 0, 0 }
#define REC(t, id, c, pad)      { 1, 1, (t), (id), c, (pad), 0, 0, 0 }
#define EMPTY_REC(t, id, pad)   { 1, 1, (t), (id), PAT(0, 0), (pad), 0, 0, 0 }
#define OUT(s)                                                          \
    { 1, 1, FCGP_STDOUT, OUR_ID, LIT(s), 0, 0, 0, 0 }
#define END(app, ps, pad)                                               \
    { 1, 1, FCGP_END_REQUEST, OUR_ID, PAT(8, 0), (pad), 1, (app), (ps) }

typedef struct {
    const char *name;
    rec_t recs[MAX_RECS];
    blob_t trailer;             /* raw bytes appended after the records */
    apr_size_t truncate;        /* bytes cut off the end */
    blob_t out[3];              /* expected STDOUT, concatenated */
    blob_t err[2];              /* expected STDERR, concatenated */
    int end;                    /* expect END_REQUEST */
    apr_uint32_t app;
    unsigned char ps;
    fcgp_error_e error;         /* expected error, or FCGP_ERR_NONE */
    int err_rec;                /* record index the error is in; -1 for
                                 * the trailer */
} stream_case_t;

/* The error is reported on this byte of the offending record's header. */
static apr_size_t err_byte(fcgp_error_e e)
{
    switch (e) {
    case FCGP_ERR_VERSION:
        return 1;
    case FCGP_ERR_REQUEST_ID:
    case FCGP_ERR_UNEXPECTED_TYPE:
        return 4;
    case FCGP_ERR_END_REQUEST_LEN:
        return 6;
    default:
        return 0;
    }
}

static const stream_case_t stream_cases[] = {
    /* well-formed */
    { .name = "stdout_end",
      .recs = { OUT("hello"), EMPTY_REC(FCGP_STDOUT, OUR_ID, 0),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .out = { LIT("hello") }, .end = 1 },
    { .name = "end_only",
      .recs = { END(7, FCGP_REQUEST_COMPLETE, 0) },
      .end = 1, .app = 7 },
    { .name = "stdout_stderr_interleaved",
      .recs = { OUT("a"), REC(FCGP_STDERR, OUR_ID, LIT("warn"), 0),
                OUT("bc"), REC(FCGP_STDERR, OUR_ID, LIT("ing"), 0),
                EMPTY_REC(FCGP_STDERR, OUR_ID, 0),
                EMPTY_REC(FCGP_STDOUT, OUR_ID, 0),
                END(0x01020304, FCGP_REQUEST_COMPLETE, 0) },
      .out = { LIT("abc") }, .err = { LIT("warning") },
      .end = 1, .app = 0x01020304 },
    { .name = "padded_records",
      .recs = { REC(FCGP_STDOUT, OUR_ID, LIT("hello"), 3),
                REC(FCGP_STDERR, OUR_ID, LIT("oops"), 4),
                END(0, FCGP_REQUEST_COMPLETE, 7) },
      .out = { LIT("hello") }, .err = { LIT("oops") }, .end = 1 },
    { .name = "padding_255",
      .recs = { REC(FCGP_STDOUT, OUR_ID, LIT("x"), 255),
                EMPTY_REC(FCGP_STDOUT, OUR_ID, 255),
                END(1, FCGP_REQUEST_COMPLETE, 255) },
      .out = { LIT("x") }, .end = 1, .app = 1 },
    { .name = "empty_stdout_stderr_padded",
      .recs = { EMPTY_REC(FCGP_STDOUT, OUR_ID, 7),
                EMPTY_REC(FCGP_STDERR, OUR_ID, 0),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .end = 1 },
    { .name = "stdout_65535",
      .recs = { REC(FCGP_STDOUT, OUR_ID, PAT(65535, 3), 1),
                REC(FCGP_STDOUT, OUR_ID, PAT(100, 9), 0),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .out = { PAT(65535, 3), PAT(100, 9) }, .end = 1 },
    { .name = "end_cant_mpx_conn",
      .recs = { END(0, FCGP_CANT_MPX_CONN, 0) },
      .end = 1, .ps = FCGP_CANT_MPX_CONN },
    { .name = "end_overloaded",
      .recs = { END(0xdeadbeef, FCGP_OVERLOADED, 2) },
      .end = 1, .app = 0xdeadbeef, .ps = FCGP_OVERLOADED },
    { .name = "end_unknown_role",
      .recs = { OUT("x"), END(0xffffffff, FCGP_UNKNOWN_ROLE, 0) },
      .out = { LIT("x") },
      .end = 1, .app = 0xffffffff, .ps = FCGP_UNKNOWN_ROLE },
    { .name = "end_other_protocol_status",
      .recs = { END(0x80000000, 200, 0) },
      .end = 1, .app = 0x80000000, .ps = 200 },
    { .name = "management_records_skipped",
      .recs = { REC(FCGP_GET_VALUES_RESULT, 0,
                    LIT("\x0f\x01" "FCGI_MPXS_CONNS" "0"), 2),
                REC(FCGP_UNKNOWN_TYPE, 0, LIT("\xc8\0\0\0\0\0\0\0"), 0),
                REC(FCGP_STDOUT, 0, LIT("not ours"), 3),
                REC(FCGP_BEGIN_REQUEST, 0, LIT("12345678"), 0),
                REC(FCGP_END_REQUEST, 0, LIT("short"), 1),
                OUT("ok"),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .out = { LIT("ok") }, .end = 1 },
    { .name = "get_values_result_ours_skipped",
      .recs = { REC(FCGP_GET_VALUES_RESULT, OUR_ID,
                    LIT("\x0e\x01" "FCGI_MAX_CONNS" "9"), 5),
                OUT("a"), END(0, FCGP_REQUEST_COMPLETE, 0) },
      .out = { LIT("a") }, .end = 1 },
    { .name = "unknown_type_record_skipped",
      .recs = { OUT("a"),
                REC(FCGP_UNKNOWN_TYPE, OUR_ID, LIT("\x63\0\0\0\0\0\0\0"), 0),
                OUT("b"), END(0, FCGP_REQUEST_COMPLETE, 0) },
      .out = { LIT("ab") }, .end = 1 },
    { .name = "type_200_with_body_skipped",
      .recs = { REC(200, OUR_ID, PAT(300, 5), 4), OUT("after"),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .out = { LIT("after") }, .end = 1 },
    { .name = "types_0_12_255_skipped",
      .recs = { REC(0, OUR_ID, LIT("zero"), 1),
                REC(12, OUR_ID, LIT("twelve"), 0),
                EMPTY_REC(255, OUR_ID, 9),
                OUT("z"), END(0, FCGP_REQUEST_COMPLETE, 0) },
      .out = { LIT("z") }, .end = 1 },
    { .name = "empty_stream" },

    /* malformed */
    { .name = "version_0",
      .recs = { VREC(0, FCGP_STDOUT, OUR_ID, LIT("hi"), 0),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .error = FCGP_ERR_VERSION, .err_rec = 0 },
    { .name = "version_2",
      .recs = { VREC(2, FCGP_STDOUT, OUR_ID, LIT("hi"), 0),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .error = FCGP_ERR_VERSION, .err_rec = 0 },
    { .name = "version_2_after_stdout",
      .recs = { OUT("ok"), VREC(2, FCGP_STDOUT, OUR_ID, LIT("no"), 0),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .out = { LIT("ok") }, .error = FCGP_ERR_VERSION, .err_rec = 1 },
    { .name = "request_id_swapped",
      .recs = { REC(FCGP_STDOUT, 0x0201, LIT("hi"), 0),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .error = FCGP_ERR_REQUEST_ID, .err_rec = 0 },
    { .name = "request_id_other_on_end",
      .recs = { OUT("ok"),
                { 1, 1, FCGP_END_REQUEST, 0x0103, PAT(8, 0), 0, 1, 0, 0 } },
      .out = { LIT("ok") }, .error = FCGP_ERR_REQUEST_ID, .err_rec = 1 },
    { .name = "request_id_other_on_unknown_type",
      .recs = { REC(200, 0xffff, LIT("x"), 0),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .error = FCGP_ERR_REQUEST_ID, .err_rec = 0 },
    { .name = "end_request_len_7",
      .recs = { OUT("ok"), REC(FCGP_END_REQUEST, OUR_ID, PAT(7, 1), 1) },
      .out = { LIT("ok") },
      .error = FCGP_ERR_END_REQUEST_LEN, .err_rec = 1 },
    { .name = "end_request_len_9",
      .recs = { REC(FCGP_END_REQUEST, OUR_ID, PAT(9, 1), 0) },
      .error = FCGP_ERR_END_REQUEST_LEN, .err_rec = 0 },
    { .name = "end_request_len_0",
      .recs = { EMPTY_REC(FCGP_END_REQUEST, OUR_ID, 8) },
      .error = FCGP_ERR_END_REQUEST_LEN, .err_rec = 0 },
    { .name = "byte_after_end",
      .recs = { OUT("done"), END(0, FCGP_REQUEST_COMPLETE, 0) },
      .trailer = LIT("\x01"),
      .out = { LIT("done") }, .end = 1,
      .error = FCGP_ERR_AFTER_END, .err_rec = -1 },
    { .name = "record_after_padded_end",
      .recs = { OUT("done"), END(3, FCGP_REQUEST_COMPLETE, 3) },
      .trailer = LIT("\x01\x06\x01\x02\x00\x04\x00\x00" "late"),
      .out = { LIT("done") }, .end = 1, .app = 3,
      .error = FCGP_ERR_AFTER_END, .err_rec = -1 },
    { .name = "begin_request_from_app",
      .recs = { OUT("pre"),
                REC(FCGP_BEGIN_REQUEST, OUR_ID, LIT("\0\1\0\0\0\0\0\0"), 0),
                END(0, FCGP_REQUEST_COMPLETE, 0) },
      .out = { LIT("pre") },
      .error = FCGP_ERR_UNEXPECTED_TYPE, .err_rec = 1 },
    { .name = "abort_request_from_app",
      .recs = { EMPTY_REC(FCGP_ABORT_REQUEST, OUR_ID, 0) },
      .error = FCGP_ERR_UNEXPECTED_TYPE, .err_rec = 0 },
    { .name = "params_from_app",
      .recs = { REC(FCGP_PARAMS, OUR_ID, LIT("\x01\x01" "ab"), 4) },
      .error = FCGP_ERR_UNEXPECTED_TYPE, .err_rec = 0 },
    { .name = "empty_params_from_app",
      .recs = { EMPTY_REC(FCGP_PARAMS, OUR_ID, 0) },
      .error = FCGP_ERR_UNEXPECTED_TYPE, .err_rec = 0 },
    { .name = "stdin_from_app",
      .recs = { REC(FCGP_STDIN, OUR_ID, LIT("body"), 0) },
      .error = FCGP_ERR_UNEXPECTED_TYPE, .err_rec = 0 },
    { .name = "data_from_app",
      .recs = { REC(FCGP_DATA, OUR_ID, LIT("data"), 0) },
      .error = FCGP_ERR_UNEXPECTED_TYPE, .err_rec = 0 },
    { .name = "get_values_from_app",
      .recs = { REC(FCGP_GET_VALUES, OUR_ID, LIT("\x0d\x00" "FCGI_MAX_REQS"),
                    0) },
      .error = FCGP_ERR_UNEXPECTED_TYPE, .err_rec = 0 },

    /* truncated: never DONE, no error */
    { .name = "truncated_in_end_header",
      .recs = { OUT("hello"), END(0, FCGP_REQUEST_COMPLETE, 0) },
      .truncate = 12, .out = { LIT("hello") } },
    { .name = "truncated_in_end_body",
      .recs = { OUT("hello"), END(0, FCGP_REQUEST_COMPLETE, 0) },
      .truncate = 3, .out = { LIT("hello") } },
    { .name = "truncated_in_end_padding",
      .recs = { OUT("hello"), END(0, FCGP_REQUEST_COMPLETE, 5) },
      .truncate = 1, .out = { LIT("hello") } },
    { .name = "truncated_in_stdout",
      .recs = { OUT("hello world"), END(0, FCGP_REQUEST_COMPLETE, 0) },
      .truncate = 16 + 6, .out = { LIT("hello") } },
    { .name = "no_end_request",
      .recs = { OUT("abc"), EMPTY_REC(FCGP_STDOUT, OUR_ID, 0) },
      .out = { LIT("abc") } },
};

#define N_STREAM_CASES (sizeof(stream_cases) / sizeof(stream_cases[0]))

/* ------------------------------------------------------------------ */
/* Building streams                                                    */

static void pattern(char *dst, apr_size_t len, unsigned char seed)
{
    apr_size_t k;

    for (k = 0; k < len; k++) {
        dst[k] = (char)(unsigned char)(seed + k * 31 + (k >> 8));
    }
}

static apr_size_t blob_put(char *dst, const blob_t *b)
{
    if (b->lit) {
        memcpy(dst, b->lit, b->len);
    }
    else {
        pattern(dst, b->len, b->seed);
    }
    return b->len;
}

static apr_size_t blobs_cat(char *dst, const blob_t *bs, int n)
{
    apr_size_t at = 0;
    int k;

    for (k = 0; k < n; k++) {
        at += blob_put(dst + at, &bs[k]);
    }
    return at;
}

typedef struct {
    char *buf;
    apr_size_t len;
    apr_size_t rec_start[MAX_RECS + 1];  /* [n_recs]: trailer start */
    apr_size_t end_pos;     /* just after our first END_REQUEST record */
    char *out;              /* expected STDOUT */
    apr_size_t out_len;
    char *err;              /* expected STDERR */
    apr_size_t err_len;
} built_t;

static char stream_buf[MAX_STREAM];
static char exp_out_buf[MAX_STREAM];
static char exp_err_buf[MAX_STREAM];

static void build(const stream_case_t *c, built_t *b)
{
    apr_size_t at = 0, clen;
    int k;

    memset(b, 0, sizeof(*b));
    b->buf = stream_buf;
    for (k = 0; k < MAX_RECS && c->recs[k].used; k++) {
        const rec_t *r = &c->recs[k];
        unsigned char *h = (unsigned char *)stream_buf + at;

        clen = r->content.len;
        b->rec_start[k] = at;
        h[0] = r->version;
        h[1] = r->type;
        h[2] = (unsigned char)(r->id >> 8);
        h[3] = (unsigned char)(r->id & 0xff);
        h[4] = (unsigned char)(clen >> 8);
        h[5] = (unsigned char)(clen & 0xff);
        h[6] = r->padding;
        h[7] = 0xee;        /* reserved: must be ignored */
        at += FCGP_HEADER_LEN;
        if (r->is_end) {
            h += FCGP_HEADER_LEN;
            h[0] = (unsigned char)(r->app >> 24);
            h[1] = (unsigned char)(r->app >> 16);
            h[2] = (unsigned char)(r->app >> 8);
            h[3] = (unsigned char)r->app;
            h[4] = r->ps;
            h[5] = h[6] = h[7] = 0xee;
            at += 8;
        }
        else {
            at += blob_put(stream_buf + at, &r->content);
        }
        /* padding that looks like a header, to catch misreads */
        pattern(stream_buf + at, r->padding, 0x01);
        at += r->padding;
        if (r->is_end && r->id == OUR_ID && b->end_pos == 0) {
            b->end_pos = at;
        }
    }
    b->rec_start[k] = at;
    at += blob_put(stream_buf + at, &c->trailer);
    ck_assert_uint_le(c->truncate, at);
    b->len = at - c->truncate;
    if (b->end_pos > b->len) {
        b->end_pos = 0;
    }
    b->out = exp_out_buf;
    b->out_len = blobs_cat(exp_out_buf, c->out, 3);
    b->err = exp_err_buf;
    b->err_len = blobs_cat(exp_err_buf, c->err, 2);
}

/* ------------------------------------------------------------------ */
/* Feeding a decoder and recording what it reports                     */

typedef struct {
    const char *exp_out;        /* STDOUT pieces are compared on arrival */
    apr_size_t exp_out_len;
    const char *exp_err;
    apr_size_t exp_err_len;
    apr_size_t out_len;
    apr_size_t err_len;
    int n_end;
    apr_size_t end_at;          /* stream offset after the END event */
    apr_uint32_t app;
    unsigned char ps;
    int failed;
    fcgp_error_e error;
    apr_size_t err_at;          /* stream offset after the error call */
    unsigned char err_rec_type;
} outcome_t;

static void outcome_init(outcome_t *o, const built_t *b)
{
    memset(o, 0, sizeof(*o));
    o->exp_out = b->out;
    o->exp_out_len = b->out_len;
    o->exp_err = b->err;
    o->exp_err_len = b->err_len;
}

/* Decode buf[from..to) (offsets into the whole stream). */
static void feed(fcgp_decoder_t *d, const char *buf, apr_size_t from,
                 apr_size_t to, outcome_t *o)
{
    apr_size_t off = from, used;
    apr_status_t rv;
    fcgp_event_t ev;

    if (o->failed) {
        /* errors are sticky and consume nothing */
        used = 99;
        rv = fcgp_decode(d, buf + from, to - from, &used, &ev);
        REQUIRE(rv == APR_EGENERAL);
        REQUIRE(used == 0);
        REQUIRE(ev.type == FCGP_EV_ERROR);
        REQUIRE(ev.error == o->error);
        return;
    }
    do {
        int was_done = fcgp_decoder_done(d);

        used = 99999;
        rv = fcgp_decode(d, buf + off, to - off, &used, &ev);
        REQUIRE(used <= to - off);
        switch (ev.type) {
        case FCGP_EV_NONE:
            REQUIRE(rv == APR_SUCCESS);
            /* the decoder only stops early to report an event */
            REQUIRE(used == to - off);
            break;
        case FCGP_EV_STDOUT:
        case FCGP_EV_STDERR:
            REQUIRE(rv == APR_SUCCESS);
            REQUIRE(ev.len > 0);
            REQUIRE(ev.data >= buf + off);
            REQUIRE(ev.data + ev.len == buf + off + used);
            if (ev.type == FCGP_EV_STDOUT) {
                REQUIRE(ev.rec_type == FCGP_STDOUT);
                REQUIRE(o->out_len + ev.len <= o->exp_out_len);
                REQUIRE(memcmp(o->exp_out + o->out_len, ev.data,
                               ev.len) == 0);
                o->out_len += ev.len;
            }
            else {
                REQUIRE(ev.rec_type == FCGP_STDERR);
                REQUIRE(o->err_len + ev.len <= o->exp_err_len);
                REQUIRE(memcmp(o->exp_err + o->err_len, ev.data,
                               ev.len) == 0);
                o->err_len += ev.len;
            }
            break;
        case FCGP_EV_END_REQUEST:
            REQUIRE(rv == APR_SUCCESS);
            REQUIRE(o->n_end == 0);
            REQUIRE(!was_done);
            REQUIRE(fcgp_decoder_done(d));
            REQUIRE(ev.rec_type == FCGP_END_REQUEST);
            o->n_end++;
            o->end_at = off + used;
            o->app = ev.app_status;
            o->ps = ev.protocol_status;
            break;
        case FCGP_EV_ERROR:
            REQUIRE(rv == APR_EGENERAL);
            REQUIRE(ev.error != FCGP_ERR_NONE);
            o->failed = 1;
            o->error = ev.error;
            o->err_at = off + used;
            o->err_rec_type = ev.rec_type;
            return;
        default:
            REQUIRE(!"unknown event type");
        }
        if (off < to && ev.type != FCGP_EV_ERROR) {
            REQUIRE(used > 0);
        }
        off += used;
    } while (off < to);
}

static void check_outcome(const stream_case_t *c, const built_t *b,
                          const fcgp_decoder_t *d, const outcome_t *o)
{
    REQUIRE(o->out_len == b->out_len);
    REQUIRE(o->err_len == b->err_len);
    REQUIRE(o->n_end == c->end);
    if (c->end) {
        REQUIRE(o->app == c->app);
        REQUIRE(o->ps == c->ps);
        /* END_REQUEST only once its padding is consumed */
        REQUIRE(b->end_pos != 0);
        REQUIRE(o->end_at == b->end_pos);
        REQUIRE(fcgp_decoder_done(d));
    }
    else {
        REQUIRE(!fcgp_decoder_done(d));
    }
    REQUIRE(o->failed == (c->error != FCGP_ERR_NONE));
    REQUIRE(o->error == c->error);
    if (c->error != FCGP_ERR_NONE) {
        if (c->err_rec < 0) {
            REQUIRE(o->err_at == b->end_pos);
            REQUIRE(o->err_rec_type == 0);
        }
        else {
            REQUIRE(o->err_at == b->rec_start[c->err_rec]
                                 + err_byte(c->error));
            /* the type byte is not read yet on a version error */
            REQUIRE(o->err_rec_type == (c->error == FCGP_ERR_VERSION
                                        ? 0 : c->recs[c->err_rec].type));
        }
    }
}

/* Whole, every two-piece split, and one byte at a time. */
START_TEST(test_stream)
{
    const stream_case_t *c = &stream_cases[_i];
    fcgp_decoder_t d;
    built_t b;
    outcome_t o;
    apr_size_t k;

    build(c, &b);

    snprintf(ctx, sizeof(ctx), "%s: whole", c->name);
    outcome_init(&o, &b);
    fcgp_decoder_init(&d, OUR_ID);
    feed(&d, b.buf, 0, b.len, &o);
    check_outcome(c, &b, &d, &o);

    for (k = 0; k <= b.len; k++) {
        snprintf(ctx, sizeof(ctx), "%s: split at %lu", c->name,
                 (unsigned long)k);
        outcome_init(&o, &b);
        fcgp_decoder_init(&d, OUR_ID);
        feed(&d, b.buf, 0, k, &o);
        if (b.end_pos == 0 || k < b.end_pos) {
            REQUIRE(!fcgp_decoder_done(&d));
            REQUIRE(o.n_end == 0);
        }
        feed(&d, b.buf, k, b.len, &o);
        check_outcome(c, &b, &d, &o);
    }

    snprintf(ctx, sizeof(ctx), "%s: byte at a time", c->name);
    outcome_init(&o, &b);
    fcgp_decoder_init(&d, OUR_ID);
    for (k = 0; k < b.len; k++) {
        feed(&d, b.buf, k, k + 1, &o);
        REQUIRE(fcgp_decoder_done(&d) == (c->end && k + 1 >= b.end_pos));
    }
    check_outcome(c, &b, &d, &o);

    /* a complete stream: nothing more is accepted */
    if (c->end && c->error == FCGP_ERR_NONE) {
        fcgp_event_t ev;
        apr_size_t used = 99;

        ck_assert_int_eq(fcgp_decode(&d, "", 0, &used, &ev), APR_SUCCESS);
        ck_assert_uint_eq(used, 0);
        ck_assert_int_eq(ev.type, FCGP_EV_NONE);
        ck_assert_int_eq(fcgp_decode(&d, "\x01", 1, &used, &ev),
                         APR_EGENERAL);
        ck_assert_uint_eq(used, 0);
        ck_assert_int_eq(ev.type, FCGP_EV_ERROR);
        ck_assert_int_eq(ev.error, FCGP_ERR_AFTER_END);
        ck_assert(fcgp_decoder_done(&d));
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Padding 0..255 on every record, byte at a time                      */

START_TEST(test_padding)
{
    unsigned char pad = (unsigned char)_i;
    stream_case_t c;
    rec_t r_out = REC(FCGP_STDOUT, OUR_ID, LIT("abc"), 0);
    rec_t r_err = REC(FCGP_STDERR, OUR_ID, LIT("e"), 0);
    rec_t r_empty = EMPTY_REC(FCGP_STDOUT, OUR_ID, 0);
    rec_t r_end = END(0, FCGP_REQUEST_COMPLETE, 0);
    blob_t exp_out = LIT("abc"), exp_err = LIT("e");
    fcgp_decoder_t d;
    built_t b;
    outcome_t o;
    apr_size_t k;

    memset(&c, 0, sizeof(c));
    c.name = "padding";
    r_out.padding = r_err.padding = r_empty.padding = r_end.padding = pad;
    r_end.app = 1000u + pad;
    c.recs[0] = r_out;
    c.recs[1] = r_err;
    c.recs[2] = r_empty;
    c.recs[3] = r_end;
    c.out[0] = exp_out;
    c.err[0] = exp_err;
    c.end = 1;
    c.app = 1000u + pad;
    build(&c, &b);
    ck_assert_uint_eq(b.len, 4 * (FCGP_HEADER_LEN + pad) + 3 + 1 + 8);
    ck_assert_uint_eq(b.end_pos, b.len);

    snprintf(ctx, sizeof(ctx), "padding %d: whole", _i);
    outcome_init(&o, &b);
    fcgp_decoder_init(&d, OUR_ID);
    feed(&d, b.buf, 0, b.len, &o);
    check_outcome(&c, &b, &d, &o);

    snprintf(ctx, sizeof(ctx), "padding %d: byte at a time", _i);
    outcome_init(&o, &b);
    fcgp_decoder_init(&d, OUR_ID);
    for (k = 0; k < b.len; k++) {
        feed(&d, b.buf, k, k + 1, &o);
        /* END_REQUEST exactly on its last padding byte */
        REQUIRE(o.n_end == (k + 1 == b.len));
    }
    check_outcome(&c, &b, &d, &o);
    ck_assert_uint_eq(o.app, 1000u + pad);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Decoder API details                                                 */

START_TEST(test_init_and_empty_input)
{
    fcgp_decoder_t d;
    fcgp_event_t ev;
    apr_size_t used = 99;

    fcgp_decoder_init(&d, 1);
    ck_assert(!fcgp_decoder_done(&d));
    ck_assert_int_eq(fcgp_decode(&d, NULL, 0, &used, &ev), APR_SUCCESS);
    ck_assert_uint_eq(used, 0);
    ck_assert_int_eq(ev.type, FCGP_EV_NONE);
    ck_assert(!fcgp_decoder_done(&d));
}
END_TEST

START_TEST(test_one_event_per_call)
{
    /* two STDOUT records and END_REQUEST in one buffer, request id 1 */
    static const char s[] =
        "\x01\x06\x00\x01\x00\x03\x02\x00" "abc" "PP"
        "\x01\x07\x00\x01\x00\x02\x00\x00" "de"
        "\x01\x03\x00\x01\x00\x08\x00\x00" "\x00\x00\x01\x00" "\x00" "rrr";
    fcgp_decoder_t d;
    fcgp_event_t ev;
    apr_size_t used, off = 0;

    fcgp_decoder_init(&d, 1);
    ck_assert_int_eq(fcgp_decode(&d, s, sizeof(s) - 1, &used, &ev),
                     APR_SUCCESS);
    ck_assert_int_eq(ev.type, FCGP_EV_STDOUT);
    ck_assert_int_eq(ev.rec_type, FCGP_STDOUT);
    ck_assert_ptr_eq(ev.data, s + 8);
    ck_assert_uint_eq(ev.len, 3);
    ck_assert_uint_eq(used, 11);
    off += used;

    ck_assert_int_eq(fcgp_decode(&d, s + off, sizeof(s) - 1 - off, &used,
                                 &ev), APR_SUCCESS);
    ck_assert_int_eq(ev.type, FCGP_EV_STDERR);
    ck_assert_int_eq(ev.rec_type, FCGP_STDERR);
    ck_assert_ptr_eq(ev.data, s + 21);
    ck_assert_uint_eq(ev.len, 2);
    ck_assert_uint_eq(used, 2 + 8 + 2);
    off += used;

    ck_assert(!fcgp_decoder_done(&d));
    ck_assert_int_eq(fcgp_decode(&d, s + off, sizeof(s) - 1 - off, &used,
                                 &ev), APR_SUCCESS);
    ck_assert_int_eq(ev.type, FCGP_EV_END_REQUEST);
    ck_assert_int_eq(ev.rec_type, FCGP_END_REQUEST);
    ck_assert_uint_eq(ev.app_status, 256);
    ck_assert_int_eq(ev.protocol_status, FCGP_REQUEST_COMPLETE);
    ck_assert_uint_eq(used, 16);
    ck_assert_uint_eq(off + used, sizeof(s) - 1);
    ck_assert(fcgp_decoder_done(&d));
}
END_TEST

START_TEST(test_error_is_sticky)
{
    static const char bad[] = "\x02\x06\x00\x01\x00\x00\x00\x00";
    static const char good[] = "\x01\x06\x00\x01\x00\x01\x00\x00" "x";
    fcgp_decoder_t d;
    fcgp_event_t ev;
    apr_size_t used = 99;

    fcgp_decoder_init(&d, 1);
    ck_assert_int_eq(fcgp_decode(&d, bad, sizeof(bad) - 1, &used, &ev),
                     APR_EGENERAL);
    ck_assert_int_eq(ev.type, FCGP_EV_ERROR);
    ck_assert_int_eq(ev.error, FCGP_ERR_VERSION);
    ck_assert_uint_eq(used, 1);     /* rejected on the version byte */
    ck_assert(!fcgp_decoder_done(&d));

    used = 99;
    ck_assert_int_eq(fcgp_decode(&d, good, sizeof(good) - 1, &used, &ev),
                     APR_EGENERAL);
    ck_assert_uint_eq(used, 0);
    ck_assert_int_eq(ev.type, FCGP_EV_ERROR);
    ck_assert_int_eq(ev.error, FCGP_ERR_VERSION);
    ck_assert_int_eq(fcgp_decode(&d, NULL, 0, &used, &ev), APR_EGENERAL);
    ck_assert_int_eq(ev.error, FCGP_ERR_VERSION);
    ck_assert(!fcgp_decoder_done(&d));
}
END_TEST

START_TEST(test_request_id_other_than_1)
{
    /* the same stream is fine for id 0xabcd and wrong for id 1 */
    static const char s[] =
        "\x01\x06\xab\xcd\x00\x02\x00\x00" "hi"
        "\x01\x03\xab\xcd\x00\x08\x00\x00" "\x00\x00\x00\x05" "\x00\0\0\0";
    fcgp_decoder_t d;
    fcgp_event_t ev;
    apr_size_t used;

    fcgp_decoder_init(&d, 0xabcd);
    ck_assert_int_eq(fcgp_decode(&d, s, sizeof(s) - 1, &used, &ev),
                     APR_SUCCESS);
    ck_assert_int_eq(ev.type, FCGP_EV_STDOUT);
    ck_assert_uint_eq(ev.len, 2);
    ck_assert_int_eq(fcgp_decode(&d, s + used, sizeof(s) - 1 - used, &used,
                                 &ev), APR_SUCCESS);
    ck_assert_int_eq(ev.type, FCGP_EV_END_REQUEST);
    ck_assert_uint_eq(ev.app_status, 5);

    fcgp_decoder_init(&d, 1);
    ck_assert_int_eq(fcgp_decode(&d, s, sizeof(s) - 1, &used, &ev),
                     APR_EGENERAL);
    ck_assert_int_eq(ev.error, FCGP_ERR_REQUEST_ID);
    ck_assert_uint_eq(used, 4);
}
END_TEST

/* ------------------------------------------------------------------ */
/* strerror and header pack                                            */

static const struct {
    fcgp_error_e err;
    const char *text;
} strerror_cases[] = {
    { FCGP_ERR_NONE, "no error" },
    { FCGP_ERR_VERSION, "unsupported FastCGI version" },
    { FCGP_ERR_REQUEST_ID, "record for another request id" },
    { FCGP_ERR_END_REQUEST_LEN,
      "END_REQUEST record with a body length other than 8" },
    { FCGP_ERR_AFTER_END, "data after END_REQUEST" },
    { FCGP_ERR_UNEXPECTED_TYPE, "record type an application must not send" },
    { (fcgp_error_e)99, "unknown FastCGI decoder error" },
};

START_TEST(test_strerror)
{
    ck_assert_str_eq(fcgp_strerror(strerror_cases[_i].err),
                     strerror_cases[_i].text);
}
END_TEST

static const struct {
    unsigned char type;
    apr_uint16_t id;
    apr_uint16_t clen;
    unsigned char pad;
    const char *bytes;
} pack_cases[] = {
    { FCGP_STDIN, 1, 0, 0, "\x01\x05\x00\x01\x00\x00\x00\x00" },
    { FCGP_BEGIN_REQUEST, 1, 8, 0, "\x01\x01\x00\x01\x00\x08\x00\x00" },
    { FCGP_PARAMS, 0x1234, 0xabcd, 0xff, "\x01\x04\x12\x34\xab\xcd\xff\x00" },
    { FCGP_STDIN, 0xffff, 65535, 1, "\x01\x05\xff\xff\xff\xff\x01\x00" },
    { FCGP_GET_VALUES, 0, 256, 0, "\x01\x09\x00\x00\x01\x00\x00\x00" },
};

START_TEST(test_header_pack)
{
    unsigned char out[FCGP_HEADER_LEN + 1];

    memset(out, 0xee, sizeof(out));
    fcgp_header_pack(out, pack_cases[_i].type, pack_cases[_i].id,
                     pack_cases[_i].clen, pack_cases[_i].pad);
    ck_assert_mem_eq(out, pack_cases[_i].bytes, FCGP_HEADER_LEN);
    ck_assert_uint_eq(out[FCGP_HEADER_LEN], 0xee);  /* no overrun */
}
END_TEST

/* ------------------------------------------------------------------ */
/* Name-value pairs                                                    */

/* Hand-written encodings, decoded at offset 0. */
static const struct {
    const char *name;
    const char *bytes;
    apr_size_t len;
    apr_status_t rv;
    const char *n;      /* expected name and value (rv == APR_SUCCESS) */
    const char *v;
    apr_size_t pos;
} nv_decode_cases[] = {
#define NVB(s) (s), sizeof(s) - 1
    { "short_short", NVB("\x04\x05" "NAMEvalue"), APR_SUCCESS,
      "NAME", "value", 11 },
    { "empty_empty", NVB("\x00\x00"), APR_SUCCESS, "", "", 2 },
    { "empty_value_then_more", NVB("\x01\x00" "Xzz"), APR_SUCCESS,
      "X", "", 3 },
    { "long_form_name", NVB("\x80\x00\x00\x04\x05" "NAMEvalue"), APR_SUCCESS,
      "NAME", "value", 14 },
    { "long_form_value", NVB("\x04\x80\x00\x00\x05" "NAMEvalue"),
      APR_SUCCESS, "NAME", "value", 14 },
    { "nothing", NVB(""), APR_INCOMPLETE, NULL, NULL, 0 },
    { "name_len_only", NVB("\x04"), APR_INCOMPLETE, NULL, NULL, 0 },
    { "partial_long_name_len", NVB("\x80\x00\x00"), APR_INCOMPLETE,
      NULL, NULL, 0 },
    { "partial_long_value_len", NVB("\x04\x80\x00"), APR_INCOMPLETE,
      NULL, NULL, 0 },
    { "value_cut", NVB("\x04\x05" "NAMEval"), APR_INCOMPLETE,
      NULL, NULL, 0 },
    { "name_cut", NVB("\x04\x05" "NA"), APR_INCOMPLETE, NULL, NULL, 0 },
    { "name_127_missing", NVB("\x7f\x00" "0123456789"), APR_INCOMPLETE,
      NULL, NULL, 0 },
    { "max_31bit_len", NVB("\xff\xff\xff\xff\x00" "abc"), APR_INCOMPLETE,
      NULL, NULL, 0 },
    { "max_value_len", NVB("\x00\xff\xff\xff\xff" "abc"), APR_INCOMPLETE,
      NULL, NULL, 0 },
#undef NVB
};

START_TEST(test_nv_decode)
{
    const char *name = "sentinel", *value = "sentinel";
    apr_size_t nlen = 777, vlen = 777, pos = 0;
    apr_status_t rv;

    rv = fcgp_nv_next(nv_decode_cases[_i].bytes, nv_decode_cases[_i].len,
                      &pos, &name, &nlen, &value, &vlen);
    ck_assert_msg(rv == nv_decode_cases[_i].rv, "%s: rv %d",
                  nv_decode_cases[_i].name, rv);
    ck_assert_uint_eq(pos, nv_decode_cases[_i].pos);
    if (rv == APR_SUCCESS) {
        ck_assert_uint_eq(nlen, strlen(nv_decode_cases[_i].n));
        ck_assert_mem_eq(name, nv_decode_cases[_i].n, nlen);
        ck_assert_uint_eq(vlen, strlen(nv_decode_cases[_i].v));
        ck_assert_mem_eq(value, nv_decode_cases[_i].v, vlen);
        ck_assert_ptr_eq(value, name + nlen);
    }
    else {
        /* nothing touched */
        ck_assert_str_eq(name, "sentinel");
        ck_assert_str_eq(value, "sentinel");
        ck_assert_uint_eq(nlen, 777);
        ck_assert_uint_eq(vlen, 777);
    }
}
END_TEST

/* Pairs of every length form, built from the length bytes the table
 * spells out plus generated name and value bytes: each decodes to its
 * name and value, and every truncation of it is APR_INCOMPLETE. */
static const struct {
    apr_size_t nlen;
    apr_size_t vlen;
    const char *hdr;        /* the length bytes */
    apr_size_t hdr_len;
} nv_len_cases[] = {
#define NVH(s) (s), sizeof(s) - 1
    { 0, 0, NVH("\x00\x00") },
    { 1, 1, NVH("\x01\x01") },
    { 127, 127, NVH("\x7f\x7f") },
    { 128, 1, NVH("\x80\x00\x00\x80\x01") },
    { 1, 128, NVH("\x01\x80\x00\x00\x80") },
    { 127, 128, NVH("\x7f\x80\x00\x00\x80") },
    { 128, 127, NVH("\x80\x00\x00\x80\x7f") },
    { 255, 256, NVH("\x80\x00\x00\xff\x80\x00\x01\x00") },
    { 65535, 0, NVH("\x80\x00\xff\xff\x00") },
    { 65536, 3, NVH("\x80\x01\x00\x00\x03") },
    { 3, 65536, NVH("\x03\x80\x01\x00\x00") },
    { 200000, 70000, NVH("\x80\x03\x0d\x40\x80\x01\x11\x70") },
    { 0x01020304, 5, NVH("\x81\x02\x03\x04\x05") },
    /* the long form may carry a length below 128 */
    { 4, 2, NVH("\x80\x00\x00\x04\x80\x00\x00\x02") },
#undef NVH
};

START_TEST(test_nv_lengths)
{
    apr_size_t nlen = nv_len_cases[_i].nlen;
    apr_size_t vlen = nv_len_cases[_i].vlen;
    apr_size_t hlen = nv_len_cases[_i].hdr_len;
    apr_size_t total = hlen + nlen + vlen, pos, t, got_n, got_v;
    const char *gn, *gv;
    char *enc;

    enc = malloc(total);
    ck_assert(enc != NULL);
    memcpy(enc, nv_len_cases[_i].hdr, hlen);
    pattern(enc + hlen, nlen, 0x11);
    pattern(enc + hlen + nlen, vlen, 0x77);

    pos = 0;
    ck_assert_int_eq(fcgp_nv_next(enc, total, &pos, &gn, &got_n, &gv,
                                  &got_v), APR_SUCCESS);
    ck_assert_uint_eq(pos, total);
    ck_assert_ptr_eq(gn, enc + hlen);
    ck_assert_uint_eq(got_n, nlen);
    ck_assert_ptr_eq(gv, enc + hlen + nlen);
    ck_assert_uint_eq(got_v, vlen);

    /* at pos == len: nothing there yet */
    ck_assert_int_eq(fcgp_nv_next(enc, total, &pos, &gn, &got_n, &gv,
                                  &got_v), APR_INCOMPLETE);
    ck_assert_uint_eq(pos, total);

    snprintf(ctx, sizeof(ctx), "nv %lu/%lu", (unsigned long)nlen,
             (unsigned long)vlen);
    for (t = 0; t < total; t++) {
        pos = 0;
        REQUIRE(fcgp_nv_next(enc, t, &pos, &gn, &got_n, &gv, &got_v)
                == APR_INCOMPLETE);
        REQUIRE(pos == 0);
    }
    free(enc);
}
END_TEST

START_TEST(test_nv_sequence)
{
    /* junk, then SCRIPT_NAME=/x, an empty pair, and Q with an empty value */
    static const char buf[] = "XYZ" "\x0b\x02" "SCRIPT_NAME/x"
                              "\x00\x00" "\x01\x00" "Q";
    apr_size_t len = sizeof(buf) - 1, pos = 3, nlen, vlen;
    const char *n, *v;

    ck_assert_uint_eq(len, 3 + 15 + 2 + 3);
    ck_assert_int_eq(fcgp_nv_next(buf, len, &pos, &n, &nlen, &v, &vlen),
                     APR_SUCCESS);
    ck_assert_uint_eq(pos, 18);
    ck_assert_uint_eq(nlen, 11);
    ck_assert_mem_eq(n, "SCRIPT_NAME", 11);
    ck_assert_uint_eq(vlen, 2);
    ck_assert_mem_eq(v, "/x", 2);
    ck_assert_int_eq(fcgp_nv_next(buf, len, &pos, &n, &nlen, &v, &vlen),
                     APR_SUCCESS);
    ck_assert_uint_eq(pos, 20);
    ck_assert_uint_eq(nlen, 0);
    ck_assert_uint_eq(vlen, 0);
    ck_assert_int_eq(fcgp_nv_next(buf, len, &pos, &n, &nlen, &v, &vlen),
                     APR_SUCCESS);
    ck_assert_uint_eq(pos, 23);
    ck_assert_uint_eq(nlen, 1);
    ck_assert_int_eq(n[0], 'Q');
    ck_assert_uint_eq(vlen, 0);
    ck_assert_int_eq(fcgp_nv_next(buf, len, &pos, &n, &nlen, &v, &vlen),
                     APR_INCOMPLETE);
    ck_assert_uint_eq(pos, 23);

    /* a position past the end is a caller error */
    pos = len + 1;
    ck_assert_int_eq(fcgp_nv_next(buf, len, &pos, &n, &nlen, &v, &vlen),
                     APR_EINVAL);
    ck_assert_uint_eq(pos, len + 1);
}
END_TEST

/* ------------------------------------------------------------------ */


int main(void)
{
    Suite *s = suite_create("fcgi_decode");
    TCase *tc;

    tc = tcase_create("streams");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_stream, 0, (int)N_STREAM_CASES);
    tcase_add_loop_test(tc, test_padding, 0, 256);
    suite_add_tcase(s, tc);

    tc = tcase_create("decoder_api");
    tcase_add_test(tc, test_init_and_empty_input);
    tcase_add_test(tc, test_one_event_per_call);
    tcase_add_test(tc, test_error_is_sticky);
    tcase_add_test(tc, test_request_id_other_than_1);
    tcase_add_loop_test(tc, test_strerror, 0, N_OF(strerror_cases));
    tcase_add_loop_test(tc, test_header_pack, 0, N_OF(pack_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("name_value");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_nv_decode, 0, N_OF(nv_decode_cases));
    tcase_add_loop_test(tc, test_nv_lengths, 0, N_OF(nv_len_cases));
    tcase_add_test(tc, test_nv_sequence);
    suite_add_tcase(s, tc);

    return unit_run(s);
}
