/* handler.c: the content handler.  acquire a worker from the PM -> send
 * BEGIN_REQUEST, PARAMS and STDIN -> response.c streams the answer ->
 * release the worker with the outcome; at most one retry (attempts(),
 * worth_retrying()).  Maps every failure to a status and a log line in
 * one place (fail_table, fcgp_fail). */
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_script.h"
#include "util_fcgi.h"
#include "fcgp_log.h"
#include "conf/conf.h"
#include "handler/handler.h"
#include "handler/fcgiproc_handler.h"

APLOG_USE_MODULE(fcgiproc);

extern module AP_MODULE_DECLARE_DATA fcgiproc_module;

#define REQUEST_ID 1
#define BODY_CHUNK (64 * 1024)
/* A PARAMS record carries at most this much; bigger environments simply
 * take more records. */
#define PARAMS_MAX AP_FCGI_MAX_CONTENT_LEN

/* One try at a worker: zeroed for each, so a retry starts clean. */
typedef struct {
    fcgp_lease_t *lease;
    apr_socket_t *sock;         /* to the worker */
    fcgp_resp_t *rs;            /* the answer, read while the body goes */
    apr_off_t body_sent;        /* STDIN bytes sent */
    fcgp_outcome_e outcome;     /* for the PM */
    fcgp_fail_e cause;          /* why it failed; logged by the loop */
    int abort;                  /* failed after the status line went out */
    const char *detail;         /* extra words for the failure log line */
    apr_status_t rv;            /* the APR error behind a failure */
} attempt_t;

typedef struct {
    request_rec *r;
    const fcgp_srv_conf_t *sc;
    const char *app;            /* command line, for logs */
    int php_cgi;                /* the app is php-cgi (its wrapper says) */
    int tries;
    apr_time_t start;
    fcgp_timer_t timer;
    const char *redirect;       /* local Location: to follow */
    attempt_t at;               /* the current try */
} fcgp_req_t;

typedef struct {
    int status;
    int level;
    const char *what;
    const char *directive;      /* what to change, or NULL */
} fail_info_t;

static const fail_info_t fail_table[] = {
    [FCGP_FAIL_NONE] = {HTTP_INTERNAL_SERVER_ERROR, APLOG_ERR, "?", NULL},
    [FCGP_FAIL_TOO_LARGE] = {HTTP_REQUEST_ENTITY_TOO_LARGE, APLOG_ERR,
        "request body is larger than allowed", "FcgiProcMaxRequestLen"},
    [FCGP_FAIL_BODY_READ] = {HTTP_BAD_REQUEST, APLOG_INFO,
        "could not read the request body from the client", NULL},
    [FCGP_FAIL_PM] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "the process manager is not reachable", "FcgiProcIPCDir"},
    [FCGP_FAIL_BUSY] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "no worker became free in time", NULL},
    [FCGP_FAIL_SPAWN] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "the application could not be started", "FcgiProcWrapper"},
    [FCGP_FAIL_BACKOFF] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "the application keeps crashing; spawning is paused", NULL},
    [FCGP_FAIL_REFUSED] = {HTTP_INTERNAL_SERVER_ERROR, APLOG_ERR,
        "the process manager refused the request", NULL},
    [FCGP_FAIL_CONNECT] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "cannot connect to the application's socket",
        "FcgiProcConnectTimeout"},
    [FCGP_FAIL_SEND] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application closed the connection while the request was "
        "being sent (it exited or crashed)", NULL},
    [FCGP_FAIL_CLOSED] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application closed the connection before finishing its "
        "response", NULL},
    [FCGP_FAIL_PROTOCOL] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application sent broken FastCGI records", NULL},
    [FCGP_FAIL_HEADERS] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application sent malformed response headers", NULL},
    [FCGP_FAIL_HEADERS_SIZE] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application's response headers are too large", NULL},
    [FCGP_FAIL_END_STATUS] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application refused the request", NULL},
    [FCGP_FAIL_OVERLOADED] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "the application says it is overloaded", NULL},
    [FCGP_FAIL_IO_TIMEOUT] = {HTTP_GATEWAY_TIME_OUT, APLOG_ERR,
        "the application sent or read nothing for too long; the worker is "
        "killed", "FcgiProcIOTimeout"},
    [FCGP_FAIL_BUSY_TIMEOUT] = {HTTP_GATEWAY_TIME_OUT, APLOG_ERR,
        "the request took longer than allowed; the worker is killed",
        "FcgiProcBusyTimeout"},
};

/* The attempt failed for cause: note it (the loop logs it, once it knows
 * whether the request is retried) and give its status. */
static int attempt_failed(fcgp_req_t *rq, fcgp_fail_e cause)
{
    rq->at.cause = cause;
    return fail_table[cause].status;
}

/* Log the one line for a failed request (with Retry-After for a 503). */
static void fcgp_fail(const fcgp_req_t *rq, fcgp_fail_e cause)
{
    const fail_info_t *f = &fail_table[cause];
    const attempt_t *a = &rq->at;
    request_rec *r = rq->r;
    const char *change = "";

    if (f->directive) {
        change = apr_psprintf(r->pool, "; see %s", f->directive);
    }
    if (cause == FCGP_FAIL_BUSY) {
        change = "; raise FcgiProcMaxProcessesPerClass (or "
                 "FcgiProcMaxProcesses) if the machine has room, or "
                 "FcgiProcQueueTimeout to wait longer";
    }
    /* One line: status, request, cause (and its details), who, how long,
     * and what to change. */
    ap_log_rerror(APLOG_MARK, f->level, a->rv, r, FCGP_LOGNO(02001)
                  "%s: %s %s: %s%s%s (app %s, worker pid %u, %"
                  APR_TIME_T_FMT " ms)%s", ap_get_status_line(f->status) + 4,
                  r->method, r->uri, f->what, a->detail ? ": " : "",
                  a->detail ? a->detail : "", rq->app ? rq->app : "?",
                  a->lease ? a->lease->grant.pid : 0,
                  apr_time_as_msec(apr_time_now() - rq->start), change);
    if (f->status == HTTP_SERVICE_UNAVAILABLE) {
        apr_uint32_t ra = a->lease ? a->lease->grant.retry_after : 0;
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_psprintf(r->pool, "%u", ra ? ra : 5));
    }
}

/* ---- sending ---------------------------------------------------------- */

static apr_status_t send_iov(apr_socket_t *s, struct iovec *vec, int n)
{
    while (n > 0) {
        apr_size_t len = 0;
        apr_status_t rv = apr_socket_sendv(s, vec, n, &len);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        fcgp_iov_skip(&vec, &n, len);
    }
    return APR_SUCCESS;
}

static void rec_header(unsigned char *out, unsigned char type, apr_size_t len)
{
    ap_fcgi_header h;
    ap_fcgi_fill_in_header(&h, type, REQUEST_ID, (apr_uint16_t)len, 0);
    ap_fcgi_header_to_array(&h, out);
}

/* Queue one record for a writev: its header, then its content if any. */
static void push_rec(apr_array_header_t *vec, unsigned char type,
                     void *body, apr_size_t len)
{
    struct iovec *v = apr_array_push(vec);
    v->iov_base = apr_palloc(vec->pool, AP_FCGI_HEADER_LEN);
    v->iov_len = AP_FCGI_HEADER_LEN;
    rec_header(v->iov_base, type, len);
    if (len) {
        v = apr_array_push(vec);
        v->iov_base = body;
        v->iov_len = len;
    }
}

/* BEGIN_REQUEST and the whole environment in as many PARAMS records as it
 * takes, then the empty PARAMS record: one writev. */
static int send_begin_and_params(fcgp_req_t *rq, int body_follows)
{
    attempt_t *a = &rq->at;
    request_rec *r = rq->r;
    const apr_array_header_t *env = apr_table_elts(r->subprocess_env);
    apr_array_header_t *vec = apr_array_make(r->pool, 8,
                                             sizeof(struct iovec));
    ap_fcgi_begin_request_body brb;
    unsigned char *brb_arr = apr_palloc(r->pool, AP_FCGI_HEADER_LEN);
    int next = 0;

    ap_fcgi_fill_in_request_body(&brb, AP_FCGI_RESPONDER, 0);
    ap_fcgi_begin_request_body_to_array(&brb, brb_arr);
    push_rec(vec, AP_FCGI_BEGIN_REQUEST, brb_arr, AP_FCGI_HEADER_LEN);

    while (next < env->nelts) {
        int start = next;
        apr_size_t len = ap_fcgi_encoded_env_len(r->subprocess_env,
                                                 PARAMS_MAX, &next);
        void *body;
        apr_status_t rv;
        if (len == 0) {
            /* One variable alone is larger than a record can hold. */
            a->detail = apr_psprintf(r->pool, "environment variable %s is "
                                     "too large for FastCGI",
                                     ((apr_table_entry_t *)env->elts)[next]
                                     .key);
            return attempt_failed(rq, FCGP_FAIL_HEADERS_SIZE);
        }
        body = apr_palloc(r->pool, len);
        rv = ap_fcgi_encode_env(r, r->subprocess_env, body, len, &start);
        ap_assert(rv == APR_SUCCESS && start == next);
        push_rec(vec, AP_FCGI_PARAMS, body, len);
    }
    push_rec(vec, AP_FCGI_PARAMS, NULL, 0);
    if (!body_follows) {
        push_rec(vec, AP_FCGI_STDIN, NULL, 0);
    }
    a->rv = send_iov(a->sock, (struct iovec *)vec->elts, vec->nelts);
    return a->rv == APR_SUCCESS ? OK : attempt_failed(rq, FCGP_FAIL_SEND);
}

static apr_status_t send_stdin(fcgp_req_t *rq, const char *data,
                               apr_size_t len)
{
    attempt_t *a = &rq->at;
    unsigned char hdr[AP_FCGI_HEADER_LEN];
    while (len) {
        apr_size_t n = len > AP_FCGI_MAX_CONTENT_LEN
                       ? AP_FCGI_MAX_CONTENT_LEN : len;
        struct iovec vec[2] = {{hdr, sizeof(hdr)}, {(void *)data, n}};
        apr_status_t rv;
        rec_header(hdr, AP_FCGI_STDIN, n);
        rv = fcgp_response_send(a->rs, vec, 2);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        data += n;
        len -= n;
        a->body_sent += n;
    }
    return APR_SUCCESS;
}

#define SPOOL_FAILED "cannot spool the chunked body to a temporary file"

/* One piece of the body goes to the worker as STDIN, or with a sink to
 * the spool file of a chunked body. */
static int put_body(fcgp_req_t *rq, apr_file_t *sink, const char *data,
                    apr_size_t len)
{
    attempt_t *a = &rq->at;
    if (sink) {
        a->rv = apr_file_write_full(sink, data, len, NULL);
        if (a->rv != APR_SUCCESS) {
            a->detail = SPOOL_FAILED;
            return attempt_failed(rq, FCGP_FAIL_BODY_READ);
        }
        return OK;
    }
    a->rv = send_stdin(rq, data, len);
    if (a->rv != APR_SUCCESS) {
        return attempt_failed(rq, APR_STATUS_IS_TIMEUP(a->rv)
                                  ? FCGP_FAIL_IO_TIMEOUT : FCGP_FAIL_SEND);
    }
    return OK;
}

/* The one walk over a body brigade: every data bucket to put_body(). */
static int walk_brigade(fcgp_req_t *rq, apr_bucket_brigade *bb,
                        apr_file_t *sink)
{
    attempt_t *a = &rq->at;
    apr_bucket *b;
    int st;
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;
        if (APR_BUCKET_IS_METADATA(b)) {
            continue;
        }
        a->rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
        if (a->rv != APR_SUCCESS) {
            a->detail = sink ? SPOOL_FAILED : NULL;
            return attempt_failed(rq, FCGP_FAIL_BODY_READ);
        }
        if ((st = put_body(rq, sink, data, len)) != OK) {
            return st;
        }
    }
    return OK;
}

static int too_large(fcgp_req_t *rq, apr_off_t seen, apr_int64_t max)
{
    attempt_t *a = &rq->at;
    a->detail = apr_psprintf(rq->r->pool, "body of %" APR_OFF_T_FMT
                             " bytes%s exceeds FcgiProcMaxRequestLen %"
                             APR_INT64_T_FMT, seen,
                             apr_table_get(rq->r->headers_in,
                                           "Content-Length")
                             ? "" : " (so far)", max);
    return attempt_failed(rq, FCGP_FAIL_TOO_LARGE);
}

/* Read the client's body in bounded pieces.  With sink == NULL the pieces
 * go to the worker as STDIN; otherwise they are appended to a spool file
 * (chunked bodies, whose length the app must know first). */
static int pump_body(fcgp_req_t *rq, apr_file_t *sink)
{
    attempt_t *a = &rq->at;
    request_rec *r = rq->r;
    apr_int64_t max = fcgp_conf_val(rq->sc, FCGP_C_MAX_REQUEST_LEN);
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    apr_off_t total = 0;
    int seen_eos = 0, st;

    while (!seen_eos) {
        apr_off_t len = 0;
        if (!sink && fcgp_response_ended(a->rs)) {
            return OK;  /* answered already; httpd discards the rest */
        }
        a->rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                               APR_BLOCK_READ, BODY_CHUNK);
        if (a->rv != APR_SUCCESS) {
            int mapped = ap_map_http_request_error(a->rv, HTTP_BAD_REQUEST);
            if (mapped != HTTP_REQUEST_ENTITY_TOO_LARGE) {
                /* (LimitRequestBody's 413 httpd has logged itself) */
                attempt_failed(rq, FCGP_FAIL_BODY_READ);
            }
            return mapped;
        }
        seen_eos = !APR_BRIGADE_EMPTY(bb)
                   && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb));
        apr_brigade_length(bb, 1, &len);
        total += len;
        if (max && total > max) {
            return too_large(rq, total, max);
        }
        if ((st = walk_brigade(rq, bb, sink)) != OK) {
            return st;
        }
        apr_brigade_cleanup(bb);
    }
    return OK;
}

/* A chunked body goes to a temp file first so that CONTENT_LENGTH can be
 * set: php-cgi reads no body without it.  Memory stays bounded. */
static int spool_chunked(fcgp_req_t *rq, apr_file_t **spool)
{
    attempt_t *a = &rq->at;
    request_rec *r = rq->r;
    const char *tmpdir;
    char *tmpl;
    apr_off_t len = 0;
    int st;

    if (apr_temp_dir_get(&tmpdir, r->pool) != APR_SUCCESS) {
        tmpdir = "/tmp";
    }
    tmpl = apr_pstrcat(r->pool, tmpdir, "/fcgiproc-body.XXXXXX", NULL);
    a->rv = apr_file_mktemp(spool, tmpl, APR_FOPEN_CREATE | APR_FOPEN_READ
                            | APR_FOPEN_WRITE | APR_FOPEN_EXCL
                            | APR_FOPEN_DELONCLOSE | APR_FOPEN_BUFFERED,
                            r->pool);
    if (a->rv != APR_SUCCESS) {
        a->detail = "cannot create a temporary file for a chunked body";
        return attempt_failed(rq, FCGP_FAIL_BODY_READ);
    }
    if ((st = pump_body(rq, *spool)) != OK) {
        return st;
    }
    apr_file_flush(*spool);
    a->rv = apr_file_seek(*spool, APR_CUR, &len);
    apr_table_setn(r->subprocess_env, "CONTENT_LENGTH",
                   apr_off_t_toa(r->pool, len));
    len = 0;
    apr_file_seek(*spool, APR_SET, &len);
    return OK;
}

static int send_spool(fcgp_req_t *rq, apr_file_t *spool)
{
    attempt_t *a = &rq->at;
    char *buf = apr_palloc(rq->r->pool, BODY_CHUNK);
    int st;
    for (;;) {
        apr_size_t n = BODY_CHUNK;
        apr_status_t rv = apr_file_read(spool, buf, &n);
        if (rv == APR_EOF || n == 0) {
            return OK;
        }
        if (rv != APR_SUCCESS) {
            a->rv = rv;
            return attempt_failed(rq, FCGP_FAIL_BODY_READ);
        }
        if ((st = put_body(rq, NULL, buf, n)) != OK) {
            return st;
        }
    }
}

/* ---- acquire and connect ------------------------------------------------- */

static int acquire(fcgp_req_t *rq, const fcgp_app_spec_t *spec)
{
    attempt_t *a = &rq->at;
    request_rec *r = rq->r;
    const char *err = NULL;
    apr_status_t rv;

    rv = fcgp_pm_acquire(r->pool, rq->sc->pm_path, spec,
                         fcgp_conf_limits(rq->sc, rq->php_cgi),
                         &a->lease, &err);
    if (rv != APR_SUCCESS) {
        a->rv = rv;
        a->detail = err;
        return attempt_failed(rq, FCGP_FAIL_PM);
    }
    if (a->lease->grant.status == FCGP_GRANT_OK) {
        return OK;
    }
    a->detail = a->lease->grant.message;
    switch (a->lease->grant.status) {
    case FCGP_GRANT_BUSY:
        return attempt_failed(rq, FCGP_FAIL_BUSY);
    case FCGP_GRANT_SPAWN_FAILED:
        return attempt_failed(rq, FCGP_FAIL_SPAWN);
    case FCGP_GRANT_BACKOFF:
        return attempt_failed(rq, FCGP_FAIL_BACKOFF);
    default:
        return attempt_failed(rq, FCGP_FAIL_REFUSED);
    }
}

static int connect_worker(fcgp_req_t *rq)
{
    attempt_t *a = &rq->at;
    request_rec *r = rq->r;
    apr_sockaddr_t *sa;

    if ((a->rv = apr_sockaddr_info_get(&sa, a->lease->grant.path,
                                       APR_UNIX, 0, 0, r->pool))
        != APR_SUCCESS
        || (a->rv = apr_socket_create(&a->sock, APR_UNIX, SOCK_STREAM, 0,
                                      r->pool)) != APR_SUCCESS) {
        return attempt_failed(rq, FCGP_FAIL_CONNECT);
    }
    apr_socket_timeout_set(a->sock, fcgp_conf_val(rq->sc,
                                                  FCGP_C_CONNECT_TIMEOUT));
    a->rv = apr_socket_connect(a->sock, sa);
    if (a->rv != APR_SUCCESS) {
        a->detail = a->lease->grant.path;
        return attempt_failed(rq, FCGP_FAIL_CONNECT);
    }
    apr_socket_timeout_set(a->sock, rq->timer.io_timeout);
    return OK;
}

/* ---- the handler ---------------------------------------------------------- */

static int check_request(fcgp_req_t *rq)
{
    request_rec *r = rq->r;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_int64_t max = fcgp_conf_val(rq->sc, FCGP_C_MAX_REQUEST_LEN);

    if (r->finfo.filetype == APR_NOFILE) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, FCGP_LOGNO(02002)
                      "script not found: %s", r->filename);
        return HTTP_NOT_FOUND;
    }
    if (r->finfo.filetype == APR_DIR) {
        return HTTP_FORBIDDEN;
    }
    if (!(ap_allow_options(r) & OPT_EXECCGI)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, FCGP_LOGNO(02003)
                      "Options ExecCGI is off in this directory, so %s may "
                      "not run as a FastCGI application; add "
                      "\"Options +ExecCGI\"", r->filename);
        return HTTP_FORBIDDEN;
    }
    if (cl && max) {
        char *end;
        apr_off_t n;
        if (apr_strtoff(&n, cl, &end, 10) == APR_SUCCESS && !*end
            && n > max) {
            /* Refuse before reading a byte of it. */
            return too_large(rq, n, max);
        }
    }
    return OK;
}

static void make_spec(fcgp_req_t *rq, const fcgp_wrapper_t *w,
                      fcgp_app_spec_t *spec)
{
    request_rec *r = rq->r;
    spec->vhost = rq->sc->vhost;
    if (w) {
        spec->argc = w->argc;
        spec->argv = w->argv;
        rq->app = w->cmdline;
        rq->php_cgi = w->php_cgi;
    }
    else {
        const char **argv = apr_pcalloc(r->pool, 2 * sizeof(char *));
        argv[0] = r->filename;
        spec->argc = 1;
        spec->argv = argv;
        rq->app = r->filename;
    }
    /* A file run as the app itself is never php-cgi (which lives outside
     * the document tree, behind FcgiProcWrapper). */
    fcgp_conf_env(rq->sc, rq->php_cgi, &spec->envc, &spec->env);
}

/* Read the answer.  A failure after the status line went out still gets
 * its log line, then a broken stream (abort) instead of a status. */
static int read_answer(fcgp_req_t *rq)
{
    attempt_t *a = &rq->at;
    fcgp_resp_result_t res;

    fcgp_response_run(a->rs, &res);
    a->outcome = res.outcome;
    a->cause = res.fail;
    rq->redirect = res.redirect;
    if (res.fail == FCGP_FAIL_NONE) {
        return res.status;
    }
    a->rv = res.rv;
    a->detail = res.detail;
    a->abort = fcgp_response_counts(a->rs)->headers_sent;
    return a->abort ? OK : fail_table[res.fail].status;
}

static int serve(fcgp_req_t *rq)
{
    request_rec *r = rq->r;
    attempt_t *a = &rq->at;
    apr_file_t *spool = NULL;
    int has_body = ap_request_has_body(r);
    int st;

    /* No Content-Length but a body: chunked (HTTP_IN dechunks it). */
    if (has_body && !apr_table_get(r->headers_in, "Content-Length")
        && (st = spool_chunked(rq, &spool)) != OK) {
        a->outcome = FCGP_OUT_OK;  /* the worker was not touched yet */
        return st;
    }
    if ((st = connect_worker(rq)) != OK
        || (st = send_begin_and_params(rq, has_body)) != OK) {
        return st;
    }
    a->rs = fcgp_response_start(&(fcgp_peer_t){r, a->sock, &rq->timer,
                                              a->lease->grant.pid, rq->app});
    if (has_body) {
        unsigned char eos[AP_FCGI_HEADER_LEN];
        struct iovec end = {eos, sizeof(eos)};
        st = spool ? send_spool(rq, spool) : pump_body(rq, NULL);
        if (st != OK) {
            if (fcgp_response_ended(a->rs)) {
                return read_answer(rq);   /* the reader saw it first */
            }
            if (st == HTTP_GATEWAY_TIME_OUT) {
                a->outcome = FCGP_OUT_TIMEOUT;
            }
            return st;
        }
        rec_header(eos, AP_FCGI_STDIN, 0);
        if ((a->rv = fcgp_response_send(a->rs, &end, 1)) != APR_SUCCESS) {
            return attempt_failed(rq, FCGP_FAIL_SEND);
        }
    }
    return read_answer(rq);
}

/* The retry rule: a GET, HEAD or OPTIONS without a body (idempotent, and
 * nothing we would have to send twice) is tried once more, on another
 * worker, when its worker could not be reached or closed before sending
 * a single byte of its answer. */
static int worth_retrying(const fcgp_req_t *rq)
{
    const attempt_t *a = &rq->at;
    const fcgp_resp_counts_t *n = a->rs ? fcgp_response_counts(a->rs) : NULL;
    int replayable = (rq->r->method_number == M_GET || rq->r->header_only
                      || rq->r->method_number == M_OPTIONS)
                     && !ap_request_has_body(rq->r);

    if (!replayable || rq->tries > 1
        || (a->cause != FCGP_FAIL_CONNECT && a->cause != FCGP_FAIL_SEND
            && a->cause != FCGP_FAIL_CLOSED)) {
        return 0;
    }
    return !n || (!n->headers_sent && n->recv_bytes == 0);
}

/* Log how the attempt ended: FCGP02004 before a retry, else its failure
 * (then a stream already under way is broken). */
static void report(const fcgp_req_t *rq, int retry)
{
    const attempt_t *a = &rq->at;
    request_rec *r = rq->r;

    if (retry) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, a->rv, r, FCGP_LOGNO(02004)
                      "%s %s: worker pid %u of %s failed before answering "
                      "(%s%s%s); retrying once on another worker", r->method,
                      r->uri, a->lease ? a->lease->grant.pid : 0, rq->app,
                      fail_table[a->cause].what, a->detail ? ": " : "",
                      a->detail ? a->detail : "");
        return;
    }
    if (a->cause != FCGP_FAIL_NONE) {
        fcgp_fail(rq, a->cause);
    }
    if (a->abort) {
        fcgp_response_abort(a->rs);
    }
}

/* Tries until one is not worth retrying; returns its status. */
static int attempts(fcgp_req_t *rq, const fcgp_app_spec_t *spec)
{
    attempt_t *a = &rq->at;
    int st, retry;

    do {
        memset(a, 0, sizeof(*a));
        a->outcome = FCGP_OUT_BROKEN;
        rq->tries++;
        if ((st = acquire(rq, spec)) != OK) {
            report(rq, 0);
            ap_discard_request_body(rq->r);
            return st;
        }
        st = serve(rq);
        retry = worth_retrying(rq);
        report(rq, retry);
        if (a->sock) {
            /* First: the app waits for our close before it accepts the
             * next connection. */
            apr_socket_close(a->sock);
        }
        fcgp_pm_release(a->lease, a->outcome);
    } while (retry);
    if (a->rs) {
        fcgp_response_finish(a->rs);
    }
    return st;
}

int fcgp_handler(request_rec *r)
{
    fcgp_req_t *rq;
    fcgp_app_spec_t spec;
    const fcgp_dir_conf_t *dc;
    int st;

    if (!r->handler || strcmp(r->handler, FCGP_HANDLER_NAME) != 0) {
        return DECLINED;
    }
    rq = apr_pcalloc(r->pool, sizeof(*rq));
    rq->r = r;
    rq->start = apr_time_now();
    rq->sc = ap_get_module_config(r->server->module_config,
                                  &fcgiproc_module);
    dc = ap_get_module_config(r->per_dir_config, &fcgiproc_module);
    rq->timer.io_timeout = fcgp_conf_val(rq->sc, FCGP_C_IO_TIMEOUT);
    rq->timer.deadline = rq->start + fcgp_conf_val(rq->sc,
                                                   FCGP_C_BUSY_TIMEOUT);
    make_spec(rq, fcgp_conf_wrapper_for(dc, r->filename), &spec);

    if ((st = check_request(rq)) != OK) {
        report(rq, 0);
        ap_discard_request_body(r);
        return st;
    }
    ap_add_common_vars(r);
    ap_add_cgi_vars(r);
    st = attempts(rq, &spec);
    if (st == OK && rq->redirect) {
        /* CGI/1.1 local redirect, after the worker is back in the pool. */
        r->method = "GET";
        r->method_number = M_GET;
        apr_table_unset(r->headers_in, "Content-Length");
        ap_internal_redirect_handler(rq->redirect, r);
    }
    return st;
}
