/* handler.h: what handler.c (acquire, send, the failure table),
 * body.c (the request body), response.c (decode, stream) and role.c (the
 * authorizer apps) share.
 * body.c and response.c report failures as an fcgp_fail_e with their
 * details; handler.c alone maps a failure to a status and a log line.
 * Handler only; everything lives in r->pool. */
#ifndef FCGP_HANDLER_H
#define FCGP_HANDLER_H

#include "httpd.h"
#include "util_fcgi.h"
#include "conf/conf.h"
#include "pm/pm.h"
#include "fcgi_proto/fcgi_proto.h"

/* Every way a request can fail, each with one status and one log line
 * (fail_table in handler.c is the only place that maps them; fcgp_fail()
 * there writes the line). */
typedef enum {
    FCGP_FAIL_NONE = 0,
    FCGP_FAIL_TOO_LARGE,        /* 413: FcgiProcMaxRequestLen */
    FCGP_FAIL_TOO_LARGE_LRB,    /* 413: httpd's LimitRequestBody */
    FCGP_FAIL_BODY_READ,        /* client's body could not be read */
    FCGP_FAIL_PM,               /* 503: the PM could not be reached */
    FCGP_FAIL_BUSY,             /* 503: queue timeout */
    FCGP_FAIL_SPAWN,            /* 503: app could not be started */
    FCGP_FAIL_BACKOFF,          /* 503: app keeps crashing */
    FCGP_FAIL_REFUSED,          /* 500: PM refused the request */
    FCGP_FAIL_CONNECT,          /* 502: cannot connect to the worker */
    FCGP_FAIL_SEND,             /* 502: worker closed while we sent */
    FCGP_FAIL_CLOSED,           /* 502: worker closed before END_REQUEST */
    FCGP_FAIL_PROTOCOL,         /* 502: broken FastCGI records */
    FCGP_FAIL_HEADERS,          /* 502: malformed response headers */
    FCGP_FAIL_HEADERS_SIZE,     /* 502: response headers too large */
    FCGP_FAIL_END_STATUS,       /* 502: END_REQUEST protocolStatus */
    FCGP_FAIL_OVERLOADED,       /* 503: END_REQUEST OVERLOADED */
    FCGP_FAIL_IO_TIMEOUT,       /* 504: FcgiProcIOTimeout */
    FCGP_FAIL_BUSY_TIMEOUT,     /* 504: FcgiProcBusyTimeout */
    FCGP_FAIL_SUEXEC,           /* 503: suexec refused to start the app */
    FCGP_FAIL_WRAPPER,          /* 500: .htaccess names a wrapper the
                                 * admin did not allow */
    FCGP_FAIL_EXT_CONNECT,      /* 503: no backend of an external server
                                 * could be connected to */
    FCGP_FAIL_EXT_DOWN          /* 503: every backend is being skipped */
} fcgp_fail_e;

/* A cause's name in the metrics (fcgiproc_failures_total{cause}), or
 * NULL past the last cause. */
const char *fcgp_fail_name(unsigned cause);

/* How long the worker may keep us waiting: FcgiProcIOTimeout between two
 * reads or writes, within FcgiProcBusyTimeout for the whole request. */
typedef struct {
    apr_time_t deadline;        /* FcgiProcBusyTimeout */
    apr_interval_time_t io_timeout;
} fcgp_timer_t;

/* A socket operation's timeout: the IO timeout or what is left of the
 * busy timeout, whichever is sooner.  Sets *which to the cause if it
 * expires. */
static APR_INLINE apr_interval_time_t fcgp_timer_next(const fcgp_timer_t *t,
                                                      fcgp_fail_e *which)
{
    apr_interval_time_t left = t->deadline - apr_time_now();
    if (left < t->io_timeout) {
        *which = FCGP_FAIL_BUSY_TIMEOUT;
        return left > 0 ? left : 1;
    }
    *which = FCGP_FAIL_IO_TIMEOUT;
    return t->io_timeout;
}

/* Step past the first len bytes of the n pieces at *vec. */
static APR_INLINE void fcgp_iov_skip(struct iovec **vec, int *n,
                                     apr_size_t len)
{
    while (*n > 0 && len >= (*vec)->iov_len) {
        len -= (*vec)->iov_len;
        (*vec)++;
        (*n)--;
    }
    if (*n > 0 && len) {
        (*vec)->iov_base = (char *)(*vec)->iov_base + len;
        (*vec)->iov_len -= len;
    }
}

/* The one FastCGI request id we use (one request per connection). */
#define FCGP_REQUEST_ID 1

/* The 8-byte header of a record of ours. */
static APR_INLINE void fcgp_rec_header(unsigned char *out, unsigned char type,
                                       apr_size_t len)
{
    ap_fcgi_header h;
    ap_fcgi_fill_in_header(&h, type, FCGP_REQUEST_ID, (apr_uint16_t)len, 0);
    ap_fcgi_header_to_array(&h, out);
}

/* The worker whose answer is read, as the reader's log lines name it. */
typedef struct {
    request_rec *r;
    apr_socket_t *sock;         /* connected to the worker */
    const fcgp_timer_t *timer;
    apr_uint32_t pid;           /* the worker's */
    const char *app;            /* command line */
    int flush_each;             /* FcgiProcOutputBufferSize 0: flush the
                                 * client after every read */
    int capture;                /* AUTHORIZER role: the answer is ours, not
                                 * the client's (see fcgp_response_start) */
    apr_time_t slow_at;         /* FcgiProcSlowRequestTimeout: when the
                                 * answer is still awaited then, the
                                 * reader calls on_slow(ctx), once; 0:
                                 * never */
    void (*on_slow)(void *ctx);
    void *ctx;
} fcgp_peer_t;

/* What the reader counted (it alone writes these). */
typedef struct {
    apr_off_t recv_bytes;       /* every byte received from the worker */
    apr_off_t resp_bytes;       /* STDOUT bytes received */
    int headers_sent;           /* the status line went to the client */
} fcgp_resp_counts_t;

/* How the answer ended. */
typedef struct {
    fcgp_fail_e fail;           /* FCGP_FAIL_NONE, or why it failed */
    apr_status_t rv;            /* the APR error behind fail */
    const char *detail;         /* extra words for fail's log line */
    int status;                 /* complete: OK or its own (304, 412, 302) */
    const char *redirect;       /* a local Location: to follow */
    fcgp_outcome_e outcome;     /* for the PM */
} fcgp_resp_result_t;

typedef struct fcgp_resp_t fcgp_resp_t;

/* The answer's reader (response.c).  Start it before sending the body
 * and send the body with fcgp_response_send(), which reads whatever the
 * worker answers meanwhile (an app may answer before it has read its
 * stdin) and keeps a failure for run; fcgp_response_ended() says when the
 * rest of the body is moot.  fcgp_response_run() reads the rest of the
 * answer and streams it to the client.  After a failure with the status
 * line already sent, fcgp_response_abort() makes the client see a broken
 * response.  run keeps the last piece of a complete answer:
 * fcgp_response_finish() sends it, once the worker is handed back, so
 * that the worker need not wait for the client.  With peer->capture,
 * nothing goes to the client: the headers are parsed into r (r->status,
 * headers_out, err_headers_out) as httpd's CGI parser puts them, without
 * the responder's rules for Location and conditional requests, and the
 * body is read and dropped. */
fcgp_resp_t *fcgp_response_start(const fcgp_peer_t *peer);
apr_status_t fcgp_response_send(fcgp_resp_t *rs, struct iovec *vec, int n);
int fcgp_response_ended(const fcgp_resp_t *rs);
void fcgp_response_run(fcgp_resp_t *rs, fcgp_resp_result_t *res);
const fcgp_resp_counts_t *fcgp_response_counts(const fcgp_resp_t *rs);
void fcgp_response_abort(fcgp_resp_t *rs);
void fcgp_response_finish(fcgp_resp_t *rs);

/* ---- the AUTHORIZER role (handler.c, for role.c) ---------------------- */

/* A request to an app for an access phase: the environment is
 * r->subprocess_env, which the caller prepares (and restores). */
typedef struct {
    const fcgp_wrapper_t *cmd;  /* the app */
    const char *phase;          /* "authenticator", ...: for log lines */
    const char *directive;      /* that names the app: for log lines */
    const char *declined;       /* non-NULL: a failure is left to other
                                 * modules; these words say so in its line */
} fcgp_authorizer_t;

/* Run the app in the FastCGI AUTHORIZER role through the same path as a
 * request (a worker of its class from the PM, counted and handed back;
 * retried once as a body-less GET would be), with an empty FCGI_STDIN.
 * Returns OK when the app answered: its status in r->status (200 when it
 * sent none) and its headers in r, as fcgp_response_start says; else the
 * failure's status from the failure table, with its one log line (no
 * Retry-After when a->declined). */
int fcgp_authorizer_run(request_rec *r, const fcgp_authorizer_t *a);

/* ---- external servers (backend.c) -------------------------------------- */

/* The backend the next try of a request goes to: the next one in turn
 * that the request has not tried (bit i of tried: backend i) and that is
 * not being skipped.  -1 when none is left; *retry_after then says when
 * the first skipped one will be tried again (seconds). */
int fcgp_backend_pick(fcgp_server_t *fs, apr_uint64_t tried,
                      apr_uint32_t *retry_after);
/* Whether a backend the request has not tried is left to try. */
int fcgp_backend_left(fcgp_server_t *fs, apr_uint64_t tried);
/* A connected socket to the backend (allocated from p). */
apr_status_t fcgp_backend_connect(apr_pool_t *p, fcgp_backend_t *be,
                                  apr_interval_time_t timeout,
                                  apr_socket_t **out);
/* The backend could not be connected to (rv): skipped by this child's
 * requests for FCGP_BACKEND_SKIP_SEC, said once (FCGP02090). */
void fcgp_backend_refused(request_rec *r, const fcgp_server_t *fs,
                          fcgp_backend_t *be, apr_status_t rv);
/* The backend answered a request: after a refusal, said once. */
void fcgp_backend_answered(request_rec *r, const fcgp_server_t *fs,
                           fcgp_backend_t *be);

/* ---- the request body (body.c) ---------------------------------------- */

/* Why reading or sending the body failed. */
typedef struct {
    fcgp_fail_e cause;
    apr_status_t rv;            /* the APR error behind it */
    const char *detail;         /* extra words for its log line */
    int status;                 /* a client read's own status (408, 400),
                                 * else 0: the cause's */
} fcgp_body_fail_t;

typedef struct fcgp_body_t fcgp_body_t;

/* Before a worker is taken.  A body of at most FcgiProcMaxRequestInMem
 * bytes (by Content-Length, or a chunked one that ends within it) is read
 * into memory; a larger chunked body goes on to a spool file in
 * FcgiProcSpoolDir; a larger Content-Length body is left to be streamed.
 * Refuses (413) a body over FcgiProcMaxRequestLen or LimitRequestBody.
 * Sets CONTENT_LENGTH in r->subprocess_env for a chunked body.  *body is
 * NULL for a request without one.  Returns FCGP_FAIL_NONE or the cause
 * (details in *f). */
fcgp_fail_e fcgp_body_read(request_rec *r, const fcgp_srv_conf_t *sc,
                           fcgp_body_t **body, fcgp_body_fail_t *f);

/* With the worker: the whole body as STDIN records, then the empty one,
 * through rs (from memory, from the spool, or from the client as it
 * comes).  Stops early, without failing, once the worker has answered
 * (fcgp_response_ended).  Returns FCGP_FAIL_NONE or the cause. */
fcgp_fail_e fcgp_body_send(fcgp_body_t *body, fcgp_resp_t *rs,
                           fcgp_body_fail_t *f);

#endif
