/* handler.c: the content handler.  acquire a worker from the PM -> send
 * BEGIN_REQUEST, PARAMS and STDIN -> response.c streams the answer ->
 * release the worker with the outcome.  Maps every failure to a status in
 * one place (fcgp_fail). */
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_poll.h>
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

typedef struct {
    request_rec *r;
    fcgp_resp_t *rs;            /* the answer, read while the body goes */
    const fcgp_srv_conf_t *sc;
    const char *app;            /* command line, for logs */
    int php_cgi;                /* the app is php-cgi (its wrapper says) */
    fcgp_lease_t *lease;
    apr_socket_t *sock;         /* to the worker */
    apr_time_t start;
    fcgp_timer_t timer;
    apr_off_t body_sent;        /* STDIN bytes sent */
    int may_retry;              /* idempotent, no body: one retry allowed */
    int retry;                  /* the attempt failed and may be retried */
    const char *redirect;       /* local Location: to follow */
    const char *detail;         /* extra words for the failure log line */
    apr_status_t rv;            /* the APR error behind a failure */
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

/* Log one line for a failed request and give the status to return. */
static int fcgp_fail(fcgp_req_t *rq, fcgp_fail_e cause)
{
    const fail_info_t *f = &fail_table[cause];
    request_rec *r = rq->r;
    const char *change = "";
    int status = f->status;
    const fcgp_resp_counts_t *n = rq->rs ? fcgp_response_counts(rq->rs)
                                         : NULL;

    if (rq->may_retry && (!n || (!n->headers_sent && n->recv_bytes == 0))
        && (cause == FCGP_FAIL_CONNECT || cause == FCGP_FAIL_SEND
            || cause == FCGP_FAIL_CLOSED)) {
        /* Nothing of the answer was seen: one more try elsewhere. */
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, rq->rv, r, FCGP_LOGNO(02004)
                      "%s %s: worker pid %u of %s failed before answering "
                      "(%s%s%s); retrying once on another worker", r->method,
                      r->uri, rq->lease ? rq->lease->grant.pid : 0, rq->app,
                      f->what, rq->detail ? ": " : "",
                      rq->detail ? rq->detail : "");
        rq->retry = 1;
        return status;
    }
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
    ap_log_rerror(APLOG_MARK, f->level, rq->rv, r, FCGP_LOGNO(02001)
                  "%s: %s %s: %s%s%s (app %s, worker pid %u, %"
                  APR_TIME_T_FMT " ms)%s", ap_get_status_line(status) + 4,
                  r->method, r->uri, f->what, rq->detail ? ": " : "",
                  rq->detail ? rq->detail : "", rq->app ? rq->app : "?",
                  rq->lease ? rq->lease->grant.pid : 0,
                  apr_time_as_msec(apr_time_now() - rq->start), change);
    if (status == HTTP_SERVICE_UNAVAILABLE) {
        apr_uint32_t ra = rq->lease ? rq->lease->grant.retry_after : 0;
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_psprintf(r->pool, "%u", ra ? ra : 5));
    }
    return status;
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
        while (n > 0 && len >= vec->iov_len) {
            len -= vec->iov_len;
            vec++;
            n--;
        }
        if (n > 0) {
            vec->iov_base = (char *)vec->iov_base + len;
            vec->iov_len -= len;
        }
    }
    return APR_SUCCESS;
}

/* Send while watching for the answer: an app may answer (and stop
 * reading) before it has read all its stdin; waiting only for room to
 * write would deadlock with it.  Once the answer is complete, the rest of
 * the body is moot and is not sent. */
static apr_status_t send_vec(fcgp_req_t *rq, struct iovec *vec, int n)
{
    apr_socket_timeout_set(rq->sock, 0);
    while (n > 0 && !fcgp_response_ended(rq->rs)) {
        apr_size_t len = 0;
        apr_pollfd_t pfd;
        apr_int32_t nready = 0;
        fcgp_fail_e which;
        apr_status_t rv = apr_socket_sendv(rq->sock, vec, n, &len);

        while (n > 0 && len >= vec->iov_len) {
            len -= vec->iov_len;
            vec++;
            n--;
        }
        if (n > 0 && len) {
            vec->iov_base = (char *)vec->iov_base + len;
            vec->iov_len -= len;
        }
        if (rv == APR_SUCCESS || n == 0) {
            continue;
        }
        if (!APR_STATUS_IS_EAGAIN(rv)) {
            /* The app may have answered and closed: let the reader say. */
            if (fcgp_response_drain(rq->rs) != FCGP_FAIL_NONE
                || fcgp_response_ended(rq->rs)) {
                return APR_SUCCESS;
            }
            return rv;
        }
        memset(&pfd, 0, sizeof(pfd));
        pfd.p = rq->r->pool;
        pfd.desc_type = APR_POLL_SOCKET;
        pfd.desc.s = rq->sock;
        pfd.reqevents = APR_POLLIN | APR_POLLOUT;
        rv = apr_poll(&pfd, 1, &nready, fcgp_timer_next(&rq->timer, &which));
        if (APR_STATUS_IS_TIMEUP(rv) || (rv == APR_SUCCESS && !nready)) {
            return APR_TIMEUP;
        }
        if (rv == APR_SUCCESS && (pfd.rtnevents & ~APR_POLLOUT)) {
            fcgp_response_drain(rq->rs);   /* failures are kept in rs */
        }
    }
    return APR_SUCCESS;
}

static unsigned char *rec_header(apr_pool_t *p, unsigned char type,
                                 apr_size_t len)
{
    ap_fcgi_header h;
    unsigned char *out = apr_palloc(p, AP_FCGI_HEADER_LEN);
    ap_fcgi_fill_in_header(&h, type, REQUEST_ID, (apr_uint16_t)len, 0);
    ap_fcgi_header_to_array(&h, out);
    return out;
}

/* BEGIN_REQUEST and the whole environment in as many PARAMS records as it
 * takes, then the empty PARAMS record: one writev. */
static int send_begin_and_params(fcgp_req_t *rq, int body_follows)
{
    request_rec *r = rq->r;
    const apr_array_header_t *env = apr_table_elts(r->subprocess_env);
    apr_array_header_t *vec = apr_array_make(r->pool, 8,
                                             sizeof(struct iovec));
    ap_fcgi_begin_request_body brb;
    unsigned char *brb_arr = apr_palloc(r->pool, AP_FCGI_HEADER_LEN);
    struct iovec *v;
    int next = 0;

    ap_fcgi_fill_in_request_body(&brb, AP_FCGI_RESPONDER, 0);
    ap_fcgi_begin_request_body_to_array(&brb, brb_arr);
    v = apr_array_push(vec);
    v->iov_base = rec_header(r->pool, AP_FCGI_BEGIN_REQUEST,
                             AP_FCGI_HEADER_LEN);
    v->iov_len = AP_FCGI_HEADER_LEN;
    v = apr_array_push(vec);
    v->iov_base = brb_arr;
    v->iov_len = AP_FCGI_HEADER_LEN;

    while (next < env->nelts) {
        int start = next;
        apr_size_t len = ap_fcgi_encoded_env_len(r->subprocess_env,
                                                 PARAMS_MAX, &next);
        void *body;
        apr_status_t rv;
        if (len == 0) {
            /* One variable alone is larger than a record can hold. */
            rq->detail = apr_psprintf(r->pool, "environment variable %s is "
                                      "too large for FastCGI",
                                      ((apr_table_entry_t *)env->elts)[next]
                                      .key);
            return fcgp_fail(rq, FCGP_FAIL_HEADERS_SIZE);
        }
        body = apr_palloc(r->pool, len);
        rv = ap_fcgi_encode_env(r, r->subprocess_env, body, len, &start);
        ap_assert(rv == APR_SUCCESS && start == next);
        v = apr_array_push(vec);
        v->iov_base = rec_header(r->pool, AP_FCGI_PARAMS, len);
        v->iov_len = AP_FCGI_HEADER_LEN;
        v = apr_array_push(vec);
        v->iov_base = body;
        v->iov_len = len;
    }
    v = apr_array_push(vec);
    v->iov_base = rec_header(r->pool, AP_FCGI_PARAMS, 0);
    v->iov_len = AP_FCGI_HEADER_LEN;
    if (!body_follows) {
        v = apr_array_push(vec);
        v->iov_base = rec_header(r->pool, AP_FCGI_STDIN, 0);
        v->iov_len = AP_FCGI_HEADER_LEN;
    }
    rq->rv = send_iov(rq->sock, (struct iovec *)vec->elts, vec->nelts);
    return rq->rv == APR_SUCCESS ? OK : fcgp_fail(rq, FCGP_FAIL_SEND);
}

static apr_status_t send_stdin(fcgp_req_t *rq, const char *data,
                               apr_size_t len)
{
    unsigned char hdr[AP_FCGI_HEADER_LEN];
    while (len) {
        apr_size_t n = len > AP_FCGI_MAX_CONTENT_LEN
                       ? AP_FCGI_MAX_CONTENT_LEN : len;
        ap_fcgi_header h;
        struct iovec vec[2];
        apr_status_t rv;
        ap_fcgi_fill_in_header(&h, AP_FCGI_STDIN, REQUEST_ID,
                               (apr_uint16_t)n, 0);
        ap_fcgi_header_to_array(&h, hdr);
        vec[0].iov_base = hdr;
        vec[0].iov_len = sizeof(hdr);
        vec[1].iov_base = (void *)data;
        vec[1].iov_len = n;
        rv = send_vec(rq, vec, 2);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        data += n;
        len -= n;
        rq->body_sent += n;
    }
    return APR_SUCCESS;
}

#define SPOOL_FAILED "cannot spool the chunked body to a temporary file"

/* One piece of the body goes to the worker as STDIN, or with a sink to
 * the spool file of a chunked body. */
static int put_body(fcgp_req_t *rq, apr_file_t *sink, const char *data,
                    apr_size_t len)
{
    if (sink) {
        rq->rv = apr_file_write_full(sink, data, len, NULL);
        if (rq->rv != APR_SUCCESS) {
            rq->detail = SPOOL_FAILED;
            return fcgp_fail(rq, FCGP_FAIL_BODY_READ);
        }
        return OK;
    }
    rq->rv = send_stdin(rq, data, len);
    if (rq->rv != APR_SUCCESS) {
        return fcgp_fail(rq, APR_STATUS_IS_TIMEUP(rq->rv)
                             ? FCGP_FAIL_IO_TIMEOUT : FCGP_FAIL_SEND);
    }
    return OK;
}

/* The one walk over a body brigade: every data bucket to put_body(). */
static int walk_brigade(fcgp_req_t *rq, apr_bucket_brigade *bb,
                        apr_file_t *sink)
{
    apr_bucket *b;
    int st;
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t len;
        if (APR_BUCKET_IS_METADATA(b)) {
            continue;
        }
        rq->rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
        if (rq->rv != APR_SUCCESS) {
            if (sink) {
                rq->detail = SPOOL_FAILED;
            }
            return fcgp_fail(rq, FCGP_FAIL_BODY_READ);
        }
        if ((st = put_body(rq, sink, data, len)) != OK) {
            return st;
        }
    }
    return OK;
}

static int too_large(fcgp_req_t *rq, apr_off_t seen, apr_int64_t max)
{
    rq->detail = apr_psprintf(rq->r->pool, "body of %" APR_OFF_T_FMT
                              " bytes%s exceeds FcgiProcMaxRequestLen %"
                              APR_INT64_T_FMT, seen,
                              apr_table_get(rq->r->headers_in,
                                            "Content-Length")
                              ? "" : " (so far)", max);
    return fcgp_fail(rq, FCGP_FAIL_TOO_LARGE);
}

/* Read the client's body in bounded pieces.  With sink == NULL the pieces
 * go to the worker as STDIN; otherwise they are appended to a spool file
 * (chunked bodies, whose length the app must know first). */
static int pump_body(fcgp_req_t *rq, apr_file_t *sink)
{
    request_rec *r = rq->r;
    apr_int64_t max = fcgp_conf_val(rq->sc, FCGP_C_MAX_REQUEST_LEN);
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    apr_off_t total = 0;
    int seen_eos = 0, st;

    while (!seen_eos) {
        apr_off_t len = 0;
        if (!sink && fcgp_response_ended(rq->rs)) {
            return OK;  /* answered already; httpd discards the rest */
        }
        rq->rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                                APR_BLOCK_READ, BODY_CHUNK);
        if (rq->rv != APR_SUCCESS) {
            int mapped = ap_map_http_request_error(rq->rv, HTTP_BAD_REQUEST);
            if (mapped == HTTP_REQUEST_ENTITY_TOO_LARGE) {
                return mapped;   /* LimitRequestBody: httpd logged it */
            }
            fcgp_fail(rq, FCGP_FAIL_BODY_READ);
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
    request_rec *r = rq->r;
    const char *tmpdir;
    char *tmpl;
    apr_off_t len = 0;
    int st;

    if (apr_temp_dir_get(&tmpdir, r->pool) != APR_SUCCESS) {
        tmpdir = "/tmp";
    }
    tmpl = apr_pstrcat(r->pool, tmpdir, "/fcgiproc-body.XXXXXX", NULL);
    rq->rv = apr_file_mktemp(spool, tmpl, APR_FOPEN_CREATE | APR_FOPEN_READ
                             | APR_FOPEN_WRITE | APR_FOPEN_EXCL
                             | APR_FOPEN_DELONCLOSE | APR_FOPEN_BUFFERED,
                             r->pool);
    if (rq->rv != APR_SUCCESS) {
        rq->detail = "cannot create a temporary file for a chunked body";
        return fcgp_fail(rq, FCGP_FAIL_BODY_READ);
    }
    if ((st = pump_body(rq, *spool)) != OK) {
        return st;
    }
    apr_file_flush(*spool);
    rq->rv = apr_file_seek(*spool, APR_CUR, &len);
    apr_table_setn(r->subprocess_env, "CONTENT_LENGTH",
                   apr_off_t_toa(r->pool, len));
    len = 0;
    apr_file_seek(*spool, APR_SET, &len);
    return OK;
}

static int send_spool(fcgp_req_t *rq, apr_file_t *spool)
{
    char *buf = apr_palloc(rq->r->pool, BODY_CHUNK);
    int st;
    for (;;) {
        apr_size_t n = BODY_CHUNK;
        apr_status_t rv = apr_file_read(spool, buf, &n);
        if (rv == APR_EOF || n == 0) {
            return OK;
        }
        if (rv != APR_SUCCESS) {
            rq->rv = rv;
            return fcgp_fail(rq, FCGP_FAIL_BODY_READ);
        }
        if ((st = put_body(rq, NULL, buf, n)) != OK) {
            return st;
        }
    }
}

/* ---- acquire and connect ------------------------------------------------- */

static int acquire(fcgp_req_t *rq, const fcgp_app_spec_t *spec)
{
    request_rec *r = rq->r;
    const char *err = NULL;
    apr_status_t rv;

    rv = fcgp_pm_acquire(r->pool, rq->sc->pm_path, spec,
                         fcgp_conf_limits(rq->sc, rq->php_cgi),
                         &rq->lease, &err);
    if (rv != APR_SUCCESS) {
        rq->rv = rv;
        rq->detail = err;
        return fcgp_fail(rq, FCGP_FAIL_PM);
    }
    rq->detail = rq->lease->grant.message;
    switch (rq->lease->grant.status) {
    case FCGP_GRANT_OK:
        rq->detail = NULL;
        return OK;
    case FCGP_GRANT_BUSY:
        return fcgp_fail(rq, FCGP_FAIL_BUSY);
    case FCGP_GRANT_SPAWN_FAILED:
        return fcgp_fail(rq, FCGP_FAIL_SPAWN);
    case FCGP_GRANT_BACKOFF:
        return fcgp_fail(rq, FCGP_FAIL_BACKOFF);
    default:
        return fcgp_fail(rq, FCGP_FAIL_REFUSED);
    }
}

static int connect_worker(fcgp_req_t *rq)
{
    request_rec *r = rq->r;
    apr_sockaddr_t *sa;

    if ((rq->rv = apr_sockaddr_info_get(&sa, rq->lease->grant.path,
                                        APR_UNIX, 0, 0, r->pool))
        != APR_SUCCESS
        || (rq->rv = apr_socket_create(&rq->sock, APR_UNIX, SOCK_STREAM, 0,
                                       r->pool)) != APR_SUCCESS) {
        return fcgp_fail(rq, FCGP_FAIL_CONNECT);
    }
    apr_socket_timeout_set(rq->sock, fcgp_conf_val(rq->sc,
                                                   FCGP_C_CONNECT_TIMEOUT));
    rq->rv = apr_socket_connect(rq->sock, sa);
    if (rq->rv != APR_SUCCESS) {
        rq->detail = rq->lease->grant.path;
        return fcgp_fail(rq, FCGP_FAIL_CONNECT);
    }
    apr_socket_timeout_set(rq->sock, rq->timer.io_timeout);
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

/* Read the answer; a failure after the status line went out is logged,
 * then the stream broken. */
static int read_answer(fcgp_req_t *rq, fcgp_outcome_e *outcome)
{
    fcgp_resp_result_t res;
    int st;

    fcgp_response_run(rq->rs, &res);
    *outcome = res.outcome;
    rq->redirect = res.redirect;
    if (res.fail == FCGP_FAIL_NONE) {
        return res.status;
    }
    rq->rv = res.rv;
    rq->detail = res.detail;
    st = fcgp_fail(rq, res.fail);
    if (fcgp_response_counts(rq->rs)->headers_sent) {
        fcgp_response_abort(rq->rs);
        return OK;
    }
    return st;
}

static int serve(fcgp_req_t *rq, fcgp_outcome_e *outcome)
{
    request_rec *r = rq->r;
    apr_file_t *spool = NULL;
    fcgp_peer_t peer;
    int has_body = ap_request_has_body(r);
    int st;

    /* No Content-Length but a body: chunked (HTTP_IN dechunks it). */
    if (has_body && !apr_table_get(r->headers_in, "Content-Length")
        && (st = spool_chunked(rq, &spool)) != OK) {
        *outcome = FCGP_OUT_OK;  /* the worker was not touched yet */
        return st;
    }
    if ((st = connect_worker(rq)) != OK) {
        *outcome = FCGP_OUT_BROKEN;
        return st;
    }
    *outcome = FCGP_OUT_BROKEN;
    if ((st = send_begin_and_params(rq, has_body)) != OK) {
        return st;
    }
    peer.r = r;
    peer.sock = rq->sock;
    peer.timer = &rq->timer;
    peer.pid = rq->lease->grant.pid;
    peer.app = rq->app;
    rq->rs = fcgp_response_start(&peer);
    if (has_body) {
        st = spool ? send_spool(rq, spool) : pump_body(rq, NULL);
        if (st != OK && fcgp_response_ended(rq->rs)) {
            /* The reader saw what went wrong first. */
            return read_answer(rq, outcome);
        }
        if (st != OK) {
            if (st == HTTP_GATEWAY_TIME_OUT) {
                *outcome = FCGP_OUT_TIMEOUT;
            }
            return st;
        }
        {
            struct iovec v;
            v.iov_base = rec_header(r->pool, AP_FCGI_STDIN, 0);
            v.iov_len = AP_FCGI_HEADER_LEN;
            rq->rv = send_vec(rq, &v, 1);
        }
        if (rq->rv != APR_SUCCESS) {
            return fcgp_fail(rq, FCGP_FAIL_SEND);
        }
    }
    return read_answer(rq, outcome);
}

int fcgp_handler(request_rec *r)
{
    fcgp_req_t *rq;
    fcgp_app_spec_t spec;
    fcgp_outcome_e outcome = FCGP_OUT_BROKEN;
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
        ap_discard_request_body(r);
        return st;
    }
    ap_add_common_vars(r);
    ap_add_cgi_vars(r);

    /* Safe to replay on another worker if this one dies before answering:
     * idempotent, and no body we would have to send twice. */
    rq->may_retry = (r->method_number == M_GET || r->header_only
                     || r->method_number == M_OPTIONS)
                    && !ap_request_has_body(r);
    for (;;) {
        if ((st = acquire(rq, &spec)) != OK) {
            ap_discard_request_body(r);
            return st;
        }
        st = serve(rq, &outcome);
        if (rq->sock) {
            /* First: the app waits for our close before it accepts the
             * next connection. */
            apr_socket_close(rq->sock);
            rq->sock = NULL;
        }
        fcgp_pm_release(rq->lease, outcome);
        if (!rq->retry) {
            if (rq->rs) {
                fcgp_response_finish(rq->rs);
            }
            break;
        }
        rq->rs = NULL;
        rq->retry = 0;
        rq->may_retry = 0;
        rq->detail = NULL;
        rq->rv = APR_SUCCESS;
        outcome = FCGP_OUT_BROKEN;
    }
    if (st == OK && rq->redirect) {
        /* CGI/1.1 local redirect, after the worker is back in the pool. */
        r->method = "GET";
        r->method_number = M_GET;
        apr_table_unset(r->headers_in, "Content-Length");
        ap_internal_redirect_handler(rq->redirect, r);
    }
    return st;
}
