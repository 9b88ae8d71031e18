/* body.c: the request body.  A small one is read into memory before a
 * worker is taken, so that a slow client holds none; a chunked one larger
 * than that is spooled to FcgiProcSpoolDir, also before (the app must know
 * its length: php-cgi reads no body without CONTENT_LENGTH); a larger one
 * with a Content-Length is streamed to the worker as it comes.  Memory
 * stays bounded for a body of any size: FcgiProcMaxRequestInMem plus one
 * read.  Failures go back to handler.c as an fcgp_fail_e with their
 * details.  Handler only; everything lives in r->pool. */
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_protocol.h"
#include "util_filter.h"
#include "handler/handler.h"

/* One read from the client, at most. */
#define BODY_CHUNK (64 * 1024)

typedef enum {
    BODY_IN_MEMORY,             /* complete, in mem */
    BODY_SPOOLED,               /* complete, in spool */
    BODY_STREAMED               /* still with the client */
} body_where_e;

struct fcgp_body_t {
    request_rec *r;
    body_where_e where;
    apr_off_t limit;            /* 0: none */
    fcgp_fail_e over;           /* the directive behind limit */
    apr_off_t seen;             /* bytes read from the client */
    apr_bucket_brigade *bb;
    char *buf;                  /* one read (BODY_CHUNK) */
    apr_array_header_t *mem;    /* struct iovec: the body in memory */
    apr_off_t mem_len;
    apr_file_t *spool;
};

static fcgp_fail_e failed(fcgp_body_fail_t *f, fcgp_fail_e cause,
                          apr_status_t rv, const char *detail)
{
    f->cause = cause;
    f->rv = rv;
    f->detail = detail;
    return cause;
}

static fcgp_fail_e too_large(fcgp_body_t *b, apr_off_t seen,
                             fcgp_body_fail_t *f)
{
    request_rec *r = b->r;
    return failed(f, b->over, APR_SUCCESS,
                  apr_psprintf(r->pool, "body of %" APR_OFF_T_FMT " bytes%s "
                               "exceeds %s %" APR_OFF_T_FMT, seen,
                               apr_table_get(r->headers_in, "Content-Length")
                               ? "" : " (so far)",
                               b->over == FCGP_FAIL_TOO_LARGE_LRB
                               ? "LimitRequestBody" : "FcgiProcMaxRequestLen",
                               b->limit));
}

/* The smaller of FcgiProcMaxRequestLen and LimitRequestBody (0: none). */
static void set_limit(fcgp_body_t *b, const fcgp_srv_conf_t *sc)
{
    apr_off_t ours = fcgp_conf_val(sc, FCGP_C_MAX_REQUEST_LEN);
    apr_off_t httpd = ap_get_limit_req_body(b->r);
    b->limit = ours;
    b->over = FCGP_FAIL_TOO_LARGE;
    if (httpd && (!ours || httpd < ours)) {
        b->limit = httpd;
        b->over = FCGP_FAIL_TOO_LARGE_LRB;
    }
}

/* One read of at most BODY_CHUNK bytes into b->buf; *eos once the body
 * has ended. */
static fcgp_fail_e read_some(fcgp_body_t *b, apr_size_t *n, int *eos,
                             fcgp_body_fail_t *f)
{
    apr_status_t rv = ap_get_brigade(b->r->input_filters, b->bb,
                                     AP_MODE_READBYTES, APR_BLOCK_READ,
                                     BODY_CHUNK);
    if (rv != APR_SUCCESS) {
        f->status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        if (f->status == HTTP_REQUEST_ENTITY_TOO_LARGE
            || (f->status == AP_FILTER_ERROR
                && b->r->status == HTTP_REQUEST_ENTITY_TOO_LARGE)) {
            /* HTTP_IN enforces LimitRequestBody on its own, on a chunked
             * body by answering 413 itself (then we return
             * AP_FILTER_ERROR, so that httpd does not answer twice). */
            if (f->status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
                f->status = 0;
            }
            b->over = FCGP_FAIL_TOO_LARGE_LRB;
            b->limit = ap_get_limit_req_body(b->r);
            return too_large(b, b->limit + 1, f);
        }
        return failed(f, FCGP_FAIL_BODY_READ, rv, NULL);
    }
    *eos = !APR_BRIGADE_EMPTY(b->bb)
           && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(b->bb));
    /* READBYTES gives at most BODY_CHUNK bytes: all fit. */
    *n = BODY_CHUNK;
    rv = apr_brigade_flatten(b->bb, b->buf, n);
    apr_brigade_cleanup(b->bb);
    if (rv != APR_SUCCESS) {
        return failed(f, FCGP_FAIL_BODY_READ, rv, NULL);
    }
    b->seen += *n;
    if (b->limit && b->seen > b->limit) {
        return too_large(b, b->seen, f);
    }
    return FCGP_FAIL_NONE;
}

#define SPOOL_FAILED "cannot spool the chunked body to FcgiProcSpoolDir"

static fcgp_fail_e spool_put(fcgp_body_t *b, const void *data,
                             apr_size_t len, fcgp_body_fail_t *f)
{
    apr_status_t rv = apr_file_write_full(b->spool, data, len, NULL);
    return rv == APR_SUCCESS ? FCGP_FAIL_NONE
                             : failed(f, FCGP_FAIL_BODY_READ, rv,
                                      SPOOL_FAILED);
}

/* A chunked body that outgrew memory: what is in memory, the read in
 * b->buf (n bytes), then the rest, into a file that only the httpd User
 * can read (mkstemp's 0600), removed when the request ends. */
static fcgp_fail_e spool(fcgp_body_t *b, const fcgp_srv_conf_t *sc,
                         apr_size_t n, int eos, fcgp_body_fail_t *f)
{
    request_rec *r = b->r;
    char *tmpl = apr_pstrcat(r->pool, sc->spool_dir, "/fcgiproc-body.XXXXXX",
                             NULL);
    const struct iovec *v = (const struct iovec *)b->mem->elts;
    apr_off_t len = 0;
    apr_status_t rv;
    int i;

    rv = apr_file_mktemp(&b->spool, tmpl, APR_FOPEN_CREATE | APR_FOPEN_READ
                         | APR_FOPEN_WRITE | APR_FOPEN_EXCL
                         | APR_FOPEN_DELONCLOSE | APR_FOPEN_BUFFERED,
                         r->pool);
    if (rv != APR_SUCCESS) {
        return failed(f, FCGP_FAIL_BODY_READ, rv,
                      apr_pstrcat(r->pool, "cannot create a spool file in ",
                                  sc->spool_dir, NULL));
    }
    for (i = 0; i < b->mem->nelts; i++) {
        if (spool_put(b, v[i].iov_base, v[i].iov_len, f) != FCGP_FAIL_NONE) {
            return f->cause;
        }
    }
    for (;;) {
        if (spool_put(b, b->buf, n, f) != FCGP_FAIL_NONE) {
            return f->cause;
        }
        if (eos) {
            break;
        }
        if (read_some(b, &n, &eos, f) != FCGP_FAIL_NONE) {
            return f->cause;
        }
    }
    if ((rv = apr_file_flush(b->spool)) != APR_SUCCESS
        || (rv = apr_file_seek(b->spool, APR_CUR, &len)) != APR_SUCCESS) {
        return failed(f, FCGP_FAIL_BODY_READ, rv, SPOOL_FAILED);
    }
    apr_table_setn(r->subprocess_env, "CONTENT_LENGTH",
                   apr_off_t_toa(r->pool, len));
    len = 0;
    apr_file_seek(b->spool, APR_SET, &len);
    b->where = BODY_SPOOLED;
    return FCGP_FAIL_NONE;
}

fcgp_fail_e fcgp_body_read(request_rec *r, const fcgp_srv_conf_t *sc,
                           fcgp_body_t **body, fcgp_body_fail_t *f)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t in_mem = fcgp_conf_val(sc, FCGP_C_MAX_REQUEST_IN_MEM);
    fcgp_body_t *b;
    int eos = 0;

    memset(f, 0, sizeof(*f));
    *body = NULL;
    if (!ap_request_has_body(r)) {
        return FCGP_FAIL_NONE;
    }
    *body = b = apr_pcalloc(r->pool, sizeof(*b));
    b->r = r;
    set_limit(b, sc);
    if (cl) {
        char *end;
        apr_off_t len;
        if (apr_strtoff(&len, cl, &end, 10) == APR_SUCCESS && !*end) {
            if (b->limit && len > b->limit) {
                return too_large(b, len, f);   /* before reading a byte */
            }
            if (len > in_mem) {
                b->where = BODY_STREAMED;
                return FCGP_FAIL_NONE;
            }
        }
    }
    b->bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    b->buf = apr_palloc(r->pool, BODY_CHUNK);
    b->mem = apr_array_make(r->pool, 1, sizeof(struct iovec));
    while (!eos) {
        apr_size_t n;
        struct iovec *v;
        if (read_some(b, &n, &eos, f) != FCGP_FAIL_NONE) {
            return f->cause;
        }
        if (b->mem_len + (apr_off_t)n > in_mem) {
            return spool(b, sc, n, eos, f);   /* chunked: too long to keep */
        }
        if (n) {
            v = apr_array_push(b->mem);
            v->iov_base = apr_pmemdup(r->pool, b->buf, n);
            v->iov_len = n;
            b->mem_len += n;
        }
    }
    if (!cl) {
        apr_table_setn(r->subprocess_env, "CONTENT_LENGTH",
                       apr_off_t_toa(r->pool, b->mem_len));
    }
    b->where = BODY_IN_MEMORY;
    return FCGP_FAIL_NONE;
}

/* ---- with the worker ----------------------------------------------------- */

static fcgp_fail_e send_stdin(fcgp_resp_t *rs, const char *data,
                              apr_size_t len, fcgp_body_fail_t *f)
{
    unsigned char hdr[AP_FCGI_HEADER_LEN];
    while (len) {
        apr_size_t n = len > AP_FCGI_MAX_CONTENT_LEN
                       ? AP_FCGI_MAX_CONTENT_LEN : len;
        struct iovec vec[2] = {{hdr, sizeof(hdr)}, {(void *)data, n}};
        apr_status_t rv;
        fcgp_rec_header(hdr, AP_FCGI_STDIN, n);
        rv = fcgp_response_send(rs, vec, 2);
        if (rv != APR_SUCCESS) {
            return failed(f, APR_STATUS_IS_TIMEUP(rv) ? FCGP_FAIL_IO_TIMEOUT
                                                      : FCGP_FAIL_SEND,
                          rv, NULL);
        }
        data += n;
        len -= n;
    }
    return FCGP_FAIL_NONE;
}

static fcgp_fail_e send_spool(fcgp_body_t *b, fcgp_resp_t *rs,
                              fcgp_body_fail_t *f)
{
    for (;;) {
        apr_size_t n = BODY_CHUNK;
        apr_status_t rv = apr_file_read(b->spool, b->buf, &n);
        if (rv == APR_EOF || (rv == APR_SUCCESS && n == 0)) {
            return FCGP_FAIL_NONE;
        }
        if (rv != APR_SUCCESS) {
            return failed(f, FCGP_FAIL_BODY_READ, rv, SPOOL_FAILED);
        }
        if (send_stdin(rs, b->buf, n, f) != FCGP_FAIL_NONE) {
            return f->cause;
        }
    }
}

/* A large body, from the client to the worker as it comes, one read at a
 * time; no more of it once the worker has answered (httpd discards the
 * rest). */
static fcgp_fail_e send_stream(fcgp_body_t *b, fcgp_resp_t *rs,
                               fcgp_body_fail_t *f)
{
    int eos = 0;
    b->bb = apr_brigade_create(b->r->pool, b->r->connection->bucket_alloc);
    b->buf = apr_palloc(b->r->pool, BODY_CHUNK);
    while (!eos && !fcgp_response_ended(rs)) {
        apr_size_t n;
        if (read_some(b, &n, &eos, f) != FCGP_FAIL_NONE
            || send_stdin(rs, b->buf, n, f) != FCGP_FAIL_NONE) {
            return f->cause;
        }
    }
    return FCGP_FAIL_NONE;
}

fcgp_fail_e fcgp_body_send(fcgp_body_t *b, fcgp_resp_t *rs,
                           fcgp_body_fail_t *f)
{
    unsigned char eos[AP_FCGI_HEADER_LEN];
    struct iovec end = {eos, sizeof(eos)};
    const struct iovec *v;
    apr_status_t rv;
    int i;

    memset(f, 0, sizeof(*f));
    switch (b->where) {
    case BODY_IN_MEMORY:
        v = (const struct iovec *)b->mem->elts;
        for (i = 0; i < b->mem->nelts; i++) {
            if (send_stdin(rs, v[i].iov_base, v[i].iov_len, f)
                != FCGP_FAIL_NONE) {
                return f->cause;
            }
        }
        break;
    case BODY_SPOOLED:
        if (send_spool(b, rs, f) != FCGP_FAIL_NONE) {
            return f->cause;
        }
        break;
    case BODY_STREAMED:
    default:
        if (send_stream(b, rs, f) != FCGP_FAIL_NONE) {
            return f->cause;
        }
        break;
    }
    fcgp_rec_header(eos, AP_FCGI_STDIN, 0);
    rv = fcgp_response_send(rs, &end, 1);
    return rv == APR_SUCCESS ? FCGP_FAIL_NONE
                             : failed(f, FCGP_FAIL_SEND, rv, NULL);
}
