/* handler.h: state of one request in the content handler, shared by
 * handler.c (acquire, send) and response.c (decode, stream).  Handler
 * only; everything lives in r->pool. */
#ifndef FCGP_HANDLER_H
#define FCGP_HANDLER_H

#include "httpd.h"
#include "conf/conf.h"
#include "pm/pm.h"
#include "fcgi_proto/fcgi_proto.h"

/* Every way a request can fail, each with one status and one log line
 * (fcgp_fail() in handler.c is the only place that maps them). */
typedef enum {
    FCGP_FAIL_NONE = 0,
    FCGP_FAIL_TOO_LARGE,        /* 413 */
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
    FCGP_FAIL_BUSY_TIMEOUT      /* 504: FcgiProcBusyTimeout */
} fcgp_fail_e;

typedef struct fcgp_resp_t fcgp_resp_t;

typedef struct {
    request_rec *r;
    fcgp_resp_t *rs;            /* the answer, read while the body goes */
    const fcgp_srv_conf_t *sc;
    const char *app;            /* command line, for logs */
    int php_cgi;                /* the app is php-cgi (its wrapper says) */
    fcgp_lease_t *lease;
    apr_socket_t *sock;         /* to the worker */
    apr_time_t start;
    apr_time_t deadline;        /* FcgiProcBusyTimeout */
    apr_interval_time_t io_timeout;
    apr_off_t body_sent;        /* STDIN bytes sent */
    apr_off_t resp_bytes;       /* STDOUT bytes received */
    apr_off_t recv_bytes;       /* every byte received from the worker */
    int headers_sent;           /* response headers went to the client */
    int may_retry;              /* idempotent, no body: one retry allowed */
    int retry;                  /* the attempt failed and may be retried */
    const char *redirect;       /* local Location: to follow */
    const char *detail;         /* extra words for the failure log line */
    apr_status_t rv;            /* the APR error behind a failure */
} fcgp_req_t;

/* Log one line for a failed request and give the status to return. */
int fcgp_fail(fcgp_req_t *rq, fcgp_fail_e cause);

/* A socket operation's timeout: the IO timeout or what is left of the
 * busy timeout, whichever is sooner.  Sets *which to the cause if it
 * expires. */
apr_interval_time_t fcgp_req_timeout(fcgp_req_t *rq, fcgp_fail_e *which);

/* The answer's reader (response.c).  Start it before sending the body:
 * fcgp_response_drain() reads whatever the worker has sent so far without
 * waiting (an app may answer before it has read its stdin), and
 * fcgp_response_run() reads the rest and streams it to the client.
 * run returns OK (also after an internal redirect) or an HTTP status via
 * fcgp_fail(), and sets *outcome for the PM.  It keeps the last piece of
 * a complete answer: fcgp_response_finish() sends it, once the worker is
 * handed back, so that the worker need not wait for the client. */
fcgp_resp_t *fcgp_response_start(fcgp_req_t *rq);
int fcgp_response_drain(fcgp_resp_t *rs);
int fcgp_response_ended(const fcgp_resp_t *rs);
int fcgp_response_run(fcgp_resp_t *rs, fcgp_outcome_e *outcome);
void fcgp_response_finish(fcgp_resp_t *rs);

#endif
