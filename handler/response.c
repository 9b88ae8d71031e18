/* response.c: read the worker's records and stream the answer.
 *
 * STDOUT before the blank line collects in a brigade (bounded) and goes to
 * httpd's own CGI header parser; after it, each piece goes to the client as
 * it arrives, with a flush whenever the worker's socket has nothing more
 * ready (so the app's flush reaches the client).  STDERR goes to the error
 * log line by line, tagged with the worker's pid and command.  Failures
 * go back to handler.c as an fcgp_fail_e with their details; this file
 * logs only what is not a failure (stderr, FCGP02005).  An authorizer's
 * answer (peer capture) is parsed into r the same way and its body read
 * and dropped: nothing of it goes to the client.  Handler only; memory is
 * one receive buffer plus the header block. */
#include <string.h>
#include <apr_strings.h>
#include <apr_poll.h>
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_script.h"
#include "fcgp_log.h"
#include "handler/handler.h"

FCGP_LOG_MODULE;

#define RESP_BUF (64 * 1024)
/* Response headers larger than this are not headers. */
#define MAX_HEADER_BYTES (256 * 1024)
#define STDERR_LINE_MAX 4096

struct fcgp_resp_t {
    fcgp_peer_t w;              /* the worker (read only here) */
    fcgp_resp_counts_t n;
    char *buf;                  /* one receive buffer */
    fcgp_fail_e fail;           /* the failure, once seen */
    apr_status_t rv;            /* the APR error behind it */
    const char *detail;         /* extra words for its log line */
    const char *redirect;       /* local Location: to follow */
    fcgp_outcome_e outcome;
    fcgp_decoder_t dec;
    apr_bucket_brigade *hbb;    /* header block being collected */
    apr_bucket_brigade *obb;    /* body on its way to the client */
    apr_size_t hdr_bytes;
    int hdr_state;              /* 0 text, 1 after LF, 2 after LF CR */
    int headers_done;
    int discard;                /* drop the body (redirect, 304) */
    int final_status;           /* status to return after END_REQUEST */
    int ended;
    int held;                   /* the end of the body waits for finish() */
    apr_size_t after_end;       /* bytes the app sent after END_REQUEST */
    char errline[STDERR_LINE_MAX];
    apr_size_t errlen;
};
typedef fcgp_resp_t resp_t;

static void log_stderr_line(resp_t *rs)
{
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, rs->w.r, FCGP_LOGNO(02010)
                  "app stderr (pid %u, %s): %.*s", rs->w.pid, rs->w.app,
                  (int)rs->errlen, rs->errline);
    rs->errlen = 0;
}

static void on_stderr(resp_t *rs, const char *data, apr_size_t len)
{
    apr_size_t i;
    for (i = 0; i < len; i++) {
        char c = data[i];
        if (c == '\n') {
            log_stderr_line(rs);
        }
        else if (c != '\r') {
            if (rs->errlen == sizeof(rs->errline)) {
                log_stderr_line(rs);   /* an overlong line, in pieces */
            }
            rs->errline[rs->errlen++] = c;
        }
    }
}

/* Where the header block ends in data (index just past the blank line), or
 * -1 if not in this piece.  The state carries across pieces. */
static apr_ssize_t header_end(resp_t *rs, const char *data, apr_size_t len)
{
    apr_size_t i;
    for (i = 0; i < len; i++) {
        char c = data[i];
        if (c == '\n') {
            if (rs->hdr_state) {
                rs->hdr_state = 0;
                return (apr_ssize_t)i + 1;
            }
            rs->hdr_state = 1;
        }
        else if (c == '\r' && rs->hdr_state == 1) {
            rs->hdr_state = 2;
        }
        else if (c != '\r') {
            rs->hdr_state = 0;
        }
    }
    return -1;
}

static fcgp_fail_e parse_headers(resp_t *rs)
{
    request_rec *r = rs->w.r;
    const char *location;
    int ret;

    ret = ap_scan_script_header_err_brigade_ex(r, rs->hbb, NULL,
                                               APLOG_MODULE_INDEX);
    rs->headers_done = 1;
    if (rs->w.capture) {
        /* An authorizer's answer: its status and headers are the result
         * (a Location: is the caller's to judge), its body is dropped. */
        rs->discard = 1;
        if (ret == HTTP_NOT_MODIFIED || ret == HTTP_PRECONDITION_FAILED) {
            r->status = ret;
            return FCGP_FAIL_NONE;
        }
        return ret == OK ? FCGP_FAIL_NONE : FCGP_FAIL_HEADERS;
    }
    if (ret == HTTP_NOT_MODIFIED || ret == HTTP_PRECONDITION_FAILED) {
        rs->discard = 1;
        rs->final_status = ret;
        return FCGP_FAIL_NONE;
    }
    if (ret != OK) {
        return FCGP_FAIL_HEADERS;
    }
    location = apr_table_get(r->headers_out, "Location");
    if (location && r->status == HTTP_OK) {
        rs->discard = 1;
        if (location[0] == '/') {
            rs->redirect = apr_pstrdup(r->pool, location);
        }
        else {
            /* CGI/1.1: an absolute URI without a Status is a redirect */
            rs->final_status = HTTP_MOVED_TEMPORARILY;
        }
    }
    return FCGP_FAIL_NONE;
}

static fcgp_fail_e on_stdout(resp_t *rs, const char *data, apr_size_t len)
{
    apr_bucket_alloc_t *ba = rs->w.r->connection->bucket_alloc;
    apr_ssize_t end;
    fcgp_fail_e cause;

    rs->n.resp_bytes += len;
    if (!rs->headers_done) {
        apr_size_t take;
        end = header_end(rs, data, len);
        take = end < 0 ? len : (apr_size_t)end;
        rs->hdr_bytes += take;
        if (rs->hdr_bytes > MAX_HEADER_BYTES) {
            rs->detail = apr_psprintf(rs->w.r->pool, "more than %d bytes "
                                      "without the blank line that ends "
                                      "the headers", MAX_HEADER_BYTES);
            return FCGP_FAIL_HEADERS_SIZE;
        }
        APR_BRIGADE_INSERT_TAIL(rs->hbb,
                                apr_bucket_heap_create(data, take, NULL, ba));
        if (end < 0) {
            return FCGP_FAIL_NONE;
        }
        if ((cause = parse_headers(rs)) != FCGP_FAIL_NONE) {
            return cause;
        }
        data += take;
        len -= take;
    }
    if (len && !rs->discard) {
        APR_BRIGADE_INSERT_TAIL(rs->obb,
                                apr_bucket_transient_create(data, len, ba));
    }
    return FCGP_FAIL_NONE;
}

static fcgp_fail_e on_end(resp_t *rs, const fcgp_event_t *ev)
{
    apr_pool_t *p = rs->w.r->pool;
    rs->ended = 1;
    if (rs->errlen) {
        log_stderr_line(rs);
    }
    if (ev->protocol_status != FCGP_REQUEST_COMPLETE) {
        static const char *const why[] = {
            "complete", "CANT_MPX_CONN", "OVERLOADED", "UNKNOWN_ROLE"
        };
        rs->detail = apr_psprintf(p, "END_REQUEST with protocolStatus "
                                  "%s (%u), appStatus %u",
                                  ev->protocol_status < 4
                                  ? why[ev->protocol_status] : "unknown",
                                  ev->protocol_status, ev->app_status);
        return ev->protocol_status == FCGP_OVERLOADED
               ? FCGP_FAIL_OVERLOADED : FCGP_FAIL_END_STATUS;
    }
    if (!rs->headers_done) {
        rs->detail = rs->n.resp_bytes
            ? "the output has no blank line after the headers"
            : apr_psprintf(p, "the request ended without any output "
                           "(appStatus %u)", ev->app_status);
        return rs->n.resp_bytes ? FCGP_FAIL_HEADERS : FCGP_FAIL_CLOSED;
    }
    return FCGP_FAIL_NONE;
}

/* Decode one received buffer; returns the failure, if any. */
static fcgp_fail_e process(resp_t *rs, const char *buf, apr_size_t n)
{
    apr_size_t off = 0;
    while (off < n && !rs->ended) {
        fcgp_event_t ev;
        apr_size_t used = 0;
        fcgp_fail_e st = FCGP_FAIL_NONE;
        fcgp_decode(&rs->dec, buf + off, n - off, &used, &ev);
        off += used;
        switch (ev.type) {
        case FCGP_EV_STDOUT:
            st = on_stdout(rs, ev.data, ev.len);
            break;
        case FCGP_EV_STDERR:
            on_stderr(rs, ev.data, ev.len);
            break;
        case FCGP_EV_END_REQUEST:
            st = on_end(rs, &ev);
            break;
        case FCGP_EV_ERROR:
            rs->detail = ev.rec_type
                ? apr_psprintf(rs->w.r->pool, "%s (record type %u)",
                               fcgp_strerror(ev.error), ev.rec_type)
                : fcgp_strerror(ev.error);
            return FCGP_FAIL_PROTOCOL;
        case FCGP_EV_NONE:
        default:
            if (used == 0) {
                return FCGP_FAIL_NONE;
            }
            break;
        }
        if (st != FCGP_FAIL_NONE) {
            return st;
        }
    }
    if (rs->ended && off < n) {
        rs->after_end += n - off;
    }
    return FCGP_FAIL_NONE;
}

/* The app may not say more after END_REQUEST; one that does is confused
 * about its connections, and is not given another request. */
static void check_after_end(resp_t *rs)
{
    request_rec *r = rs->w.r;
    char b[256];
    apr_size_t n = sizeof(b);

    if (!rs->after_end) {
        apr_socket_timeout_set(rs->w.sock, 0);
        /* Read at once: APR would poll first after a short read. */
        apr_socket_opt_set(rs->w.sock, APR_INCOMPLETE_READ, 0);
        if (apr_socket_recv(rs->w.sock, b, &n) == APR_SUCCESS && n > 0) {
            rs->after_end = n;
        }
    }
    if (rs->after_end) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, FCGP_LOGNO(02005)
                      "%s %s: worker pid %u of %s sent %" APR_SIZE_T_FMT
                      "%s bytes after END_REQUEST; the answer was complete, "
                      "the worker is retired", r->method, r->uri,
                      rs->w.pid, rs->w.app, rs->after_end,
                      rs->after_end >= sizeof(b) ? "+" : "");
        rs->outcome = FCGP_OUT_BROKEN;
    }
}

/* Pass what the client should get so far; flush when the worker has
 * nothing more ready, so an app's flush reaches the client. */
static apr_status_t pass_body(resp_t *rs, int flush)
{
    apr_bucket_alloc_t *ba = rs->w.r->connection->bucket_alloc;
    apr_status_t rv;

    if (APR_BRIGADE_EMPTY(rs->obb) && (!flush || !rs->n.headers_sent)) {
        return APR_SUCCESS;
    }
    if (flush) {
        APR_BRIGADE_INSERT_TAIL(rs->obb, apr_bucket_flush_create(ba));
    }
    rs->n.headers_sent = 1;
    rv = ap_pass_brigade(rs->w.r->output_filters, rs->obb);
    apr_brigade_cleanup(rs->obb);
    return rv;
}

/* A failure after the status line went out: the client must see a broken
 * response, not a short one that looks complete. */
void fcgp_response_abort(fcgp_resp_t *rs)
{
    request_rec *r = rs->w.r;
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    apr_brigade_cleanup(rs->obb);
    APR_BRIGADE_INSERT_TAIL(rs->obb, ap_bucket_error_create(
                                HTTP_BAD_GATEWAY, NULL, r->pool, ba));
    APR_BRIGADE_INSERT_TAIL(rs->obb, apr_bucket_eos_create(ba));
    r->connection->keepalive = AP_CONN_CLOSE;
    ap_pass_brigade(r->output_filters, rs->obb);
}

/* Handle what one recv() gave: n bytes and its status. */
static fcgp_fail_e received(resp_t *rs, apr_size_t n, apr_status_t rv,
                            int would_block_ok, fcgp_fail_e which)
{
    fcgp_fail_e st;

    rs->n.recv_bytes += n;
    if (n > 0) {
        if ((st = process(rs, rs->buf, n)) != FCGP_FAIL_NONE) {
            return st;
        }
        /* The last piece waits for fcgp_response_finish(), after the
         * worker is handed back. */
        if (!rs->ended
            && pass_body(rs, n < RESP_BUF || rs->w.flush_each)
               != APR_SUCCESS) {
            /* The client went away; the worker's answer is moot. */
            rs->outcome = FCGP_OUT_CLIENT_ABORT;
            rs->ended = 1;
            return FCGP_FAIL_NONE;
        }
    }
    if (rs->ended || (n > 0 && rv == APR_SUCCESS)) {
        return FCGP_FAIL_NONE;
    }
    if (APR_STATUS_IS_EAGAIN(rv) && would_block_ok) {
        return FCGP_FAIL_NONE;
    }
    if (APR_STATUS_IS_TIMEUP(rv)) {
        rs->outcome = FCGP_OUT_TIMEOUT;
        rs->rv = rv;
        return which;
    }
    rs->rv = APR_STATUS_IS_EOF(rv) ? APR_SUCCESS : rv;
    rs->detail = apr_psprintf(rs->w.r->pool, "after %" APR_OFF_T_FMT
                              " bytes from it (%" APR_OFF_T_FMT " of them "
                              "output)", rs->n.recv_bytes, rs->n.resp_bytes);
    return FCGP_FAIL_CLOSED;
}

/* Read whatever the worker has sent so far, without waiting. */
static fcgp_fail_e drain(resp_t *rs)
{
    if (rs->fail) {
        return rs->fail;
    }
    apr_socket_timeout_set(rs->w.sock, 0);
    while (!rs->ended) {
        apr_size_t n = RESP_BUF;
        apr_status_t rv = apr_socket_recv(rs->w.sock, rs->buf, &n);
        rs->fail = received(rs, n, rv, 1, FCGP_FAIL_IO_TIMEOUT);
        if (rs->fail) {
            return rs->fail;
        }
        if (n == 0 || APR_STATUS_IS_EAGAIN(rv)) {
            break;
        }
    }
    return FCGP_FAIL_NONE;
}

int fcgp_response_ended(const fcgp_resp_t *rs)
{
    return rs->ended || rs->fail;
}

/* Send while watching for the answer: an app may answer (and stop
 * reading) before it has read all its stdin; waiting only for room to
 * write would deadlock with it.  Once the answer is complete, the rest of
 * the body is moot and is not sent. */
apr_status_t fcgp_response_send(fcgp_resp_t *rs, struct iovec *vec, int n)
{
    apr_socket_timeout_set(rs->w.sock, 0);
    while (n > 0 && !fcgp_response_ended(rs)) {
        apr_size_t len = 0;
        apr_pollfd_t pfd;
        apr_int32_t nready = 0;
        fcgp_fail_e which;
        apr_status_t rv = apr_socket_sendv(rs->w.sock, vec, n, &len);

        fcgp_iov_skip(&vec, &n, len);
        if (rv == APR_SUCCESS || n == 0) {
            continue;
        }
        if (!APR_STATUS_IS_EAGAIN(rv)) {
            /* The app may have answered and closed: let the reader say. */
            if (drain(rs) != FCGP_FAIL_NONE || fcgp_response_ended(rs)) {
                return APR_SUCCESS;
            }
            return rv;
        }
        memset(&pfd, 0, sizeof(pfd));
        pfd.p = rs->w.r->pool;
        pfd.desc_type = APR_POLL_SOCKET;
        pfd.desc.s = rs->w.sock;
        pfd.reqevents = APR_POLLIN | APR_POLLOUT;
        rv = apr_poll(&pfd, 1, &nready, fcgp_timer_next(rs->w.timer, &which));
        if (APR_STATUS_IS_TIMEUP(rv) || (rv == APR_SUCCESS && !nready)) {
            return APR_TIMEUP;
        }
        if (rv == APR_SUCCESS && (pfd.rtnevents & ~APR_POLLOUT)) {
            drain(rs);   /* a failure is kept in rs */
        }
    }
    return APR_SUCCESS;
}

const fcgp_resp_counts_t *fcgp_response_counts(const fcgp_resp_t *rs)
{
    return &rs->n;
}

/* The slow mark (FcgiProcSlowRequestTimeout) inside a wait of `wait`:
 * once it is reached, say so (once); if it comes before the wait ends,
 * returns the shorter wait up to it and sets *until to when the whole
 * wait would end, so the timeouts are not pushed back.  No timer thread:
 * the wait for the answer is cut in two. */
static apr_interval_time_t slow_mark(resp_t *rs, apr_interval_time_t wait,
                                     apr_time_t *until)
{
    apr_time_t now = apr_time_now();
    if (now >= rs->w.slow_at) {
        rs->w.slow_at = 0;
        rs->w.on_slow(rs->w.ctx);
        return wait;
    }
    if (rs->w.slow_at - now >= wait) {
        return wait;
    }
    *until = now + wait;
    return rs->w.slow_at - now;
}

static fcgp_fail_e read_loop(resp_t *rs)
{
    apr_time_t until = 0;       /* the rest of a wait cut at the slow mark */
    fcgp_fail_e which = FCGP_FAIL_IO_TIMEOUT;

    if (rs->fail) {
        return rs->fail;
    }
    /* The answer is seldom there yet: wait for it before the first read
     * rather than after a read that finds nothing. */
    apr_socket_opt_set(rs->w.sock, APR_INCOMPLETE_READ, 1);
    while (!rs->ended && !rs->fail) {
        apr_size_t n = RESP_BUF;
        apr_interval_time_t wait;
        apr_status_t rv;
        int cut = 0;

        if (until) {
            wait = until - apr_time_now();
            wait = wait > 0 ? wait : 1;
            until = 0;
        }
        else {
            wait = fcgp_timer_next(rs->w.timer, &which);
        }
        if (rs->w.slow_at) {
            wait = slow_mark(rs, wait, &until);
            cut = until != 0;
        }
        apr_socket_timeout_set(rs->w.sock, wait);
        rv = apr_socket_recv(rs->w.sock, rs->buf, &n);
        if (cut && n == 0 && APR_STATUS_IS_TIMEUP(rv)) {
            continue;           /* at the slow mark: slow_mark() says it */
        }
        until = 0;
        rs->fail = received(rs, n, rv, 0, which);
    }
    return rs->fail;
}

fcgp_resp_t *fcgp_response_start(const fcgp_peer_t *peer)
{
    request_rec *r = peer->r;
    resp_t *rs = apr_pcalloc(r->pool, sizeof(*rs));

    rs->w = *peer;
    rs->buf = apr_palloc(r->pool, RESP_BUF);
    rs->outcome = FCGP_OUT_BROKEN;
    fcgp_decoder_init(&rs->dec, 1);
    rs->hbb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    rs->obb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    return rs;
}

void fcgp_response_run(fcgp_resp_t *rs, fcgp_resp_result_t *res)
{
    memset(res, 0, sizeof(*res));
    res->fail = read_loop(rs);
    res->rv = rs->rv;
    res->detail = rs->detail;
    res->redirect = rs->redirect;
    res->outcome = rs->outcome;
    if (res->fail != FCGP_FAIL_NONE) {
        if (res->outcome == FCGP_OUT_OK
            || res->outcome == FCGP_OUT_CLIENT_ABORT) {
            res->outcome = FCGP_OUT_BROKEN;
        }
        return;
    }
    if (res->outcome == FCGP_OUT_CLIENT_ABORT) {
        return;
    }
    rs->outcome = FCGP_OUT_OK;
    check_after_end(rs);
    res->outcome = rs->outcome;
    rs->held = 1;
    res->status = rs->final_status ? rs->final_status : OK;
}

void fcgp_response_finish(fcgp_resp_t *rs)
{
    if (rs->held) {
        rs->held = 0;
        pass_body(rs, 1);   /* a client gone by now is not the worker's fault */
    }
}
