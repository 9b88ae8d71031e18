/* handler.c: the content handler.  read a small body (body.c) -> acquire
 * a worker from the PM -> send BEGIN_REQUEST, PARAMS and STDIN (body.c)
 * -> response.c streams the answer -> release the worker with the
 * outcome; at most one retry (attempts(), worth_retrying()).  Maps every
 * failure to a status and a log line in one place (fail_table,
 * fcgp_fail).  The same path runs an app in the AUTHORIZER role for
 * role.c (fcgp_authorizer_run): no body, the answer captured.  Counts
 * each request's final status, its failure's cause, a retry and a slow
 * request in the worker table's counters of its class (pm/counters.h;
 * count_request(), fcgp_fail(), report(), slow_line()).
 *
 * An external server's request (FcgiProcExternalServer) takes the same
 * path with another source of a connection: acquire picks one of its
 * backends (backend.c) instead of leasing a worker, connect_worker
 * connects to it, and there is nothing to hand back.  A backend that
 * cannot be connected to is skipped and the next one tried; the safe
 * retry goes to the next backend. */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_user.h>
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_script.h"
#include "util_fcgi.h"
#include "unixd.h"
#include "fcgp_log.h"
#include "conf/conf.h"
#include "pm/policy.h"
#include "handler/handler.h"
#include "handler/fcgiproc_handler.h"

FCGP_LOG_MODULE;

/* A PARAMS record carries at most this much; bigger environments simply
 * take more records. */
#define PARAMS_MAX AP_FCGI_MAX_CONTENT_LEN

/* One try at a worker: zeroed for each, so a retry starts clean. */
typedef struct {
    fcgp_lease_t *lease;        /* a worker from the PM, or NULL */
    fcgp_backend_t *be;         /* or an external server's backend */
    int be_index;
    apr_socket_t *sock;         /* to the worker */
    fcgp_resp_t *rs;            /* the answer, read while the body goes */
    fcgp_outcome_e outcome;     /* for the PM */
    fcgp_fail_e cause;          /* why it failed; logged by the loop */
    int abort;                  /* failed after the status line went out */
    const char *detail;         /* extra words for the failure log line */
    apr_status_t rv;            /* the APR error behind a failure */
} attempt_t;

typedef struct {
    request_rec *r;
    const fcgp_srv_conf_t *sc;
    const fcgp_wrapper_t *wrapper;  /* the file's, or NULL: it is the app */
    const fcgp_app_conf_t *appc;    /* what the app runs with here */
    const char *app;            /* command line, for logs */
    int php_cgi;                /* the app is php-cgi (its wrapper says) */
    const apr_finfo_t *program; /* the script that is the app: httpd's
                                 * stat of it; NULL behind a wrapper */
    int tries;
    apr_time_t start;
    const fcgp_app_spec_t *spec;
    apr_interval_time_t waited; /* for a worker, every try together */
    apr_time_t sent;            /* the current try's request went to the
                                 * worker; 0: not (yet) */
    apr_interval_time_t app_time;   /* the last try's: from sent to the
                                     * end of its answer */
    apr_interval_time_t slow;   /* FcgiProcSlowRequestTimeout; 0: off */
    int slow_logged;            /* its line is out (once per request) */
    fcgp_timer_t timer;
    const char *redirect;       /* local Location: to follow */
    fcgp_body_t *body;          /* read before the first try, or NULL */
    const fcgp_authorizer_t *role;  /* AUTHORIZER role, else NULL */
    fcgp_server_t *srv;         /* FcgiProcServer / FcgiProcExternalServer
                                 * whose path this is, or NULL */
    apr_uint64_t tried;         /* external: the backends tried (bits) */
    int safe_retries;           /* external: retries after an answer
                                 * failed (at most one) */
    attempt_t at;               /* the current try */
} fcgp_req_t;

typedef struct {
    int status;
    int level;
    const char *what;
    const char *directive;      /* what to change, or NULL */
    const char *name;           /* fcgiproc_failures_total{cause=...} */
} fail_info_t;

static const fail_info_t fail_table[] = {
    [FCGP_FAIL_NONE] = {HTTP_INTERNAL_SERVER_ERROR, APLOG_ERR, "?", NULL,
        "none"},
    [FCGP_FAIL_TOO_LARGE] = {HTTP_REQUEST_ENTITY_TOO_LARGE, APLOG_ERR,
        "request body is larger than allowed", "FcgiProcMaxRequestLen",
        "body_too_large"},
    [FCGP_FAIL_TOO_LARGE_LRB] = {HTTP_REQUEST_ENTITY_TOO_LARGE, APLOG_ERR,
        "request body is larger than allowed", "LimitRequestBody",
        "limit_request_body"},
    [FCGP_FAIL_BODY_READ] = {HTTP_BAD_REQUEST, APLOG_INFO,
        "could not read the request body from the client", NULL, "body_read"},
    [FCGP_FAIL_PM] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "the process manager is not reachable", "FcgiProcIPCDir",
        "pm_unreachable"},
    [FCGP_FAIL_BUSY] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "no worker became free in time", NULL, "queue_timeout"},
    [FCGP_FAIL_SPAWN] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "the application could not be started", "FcgiProcWrapper",
        "spawn_failed"},
    [FCGP_FAIL_BACKOFF] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "the application keeps crashing; spawning is paused", NULL, "backoff"},
    [FCGP_FAIL_REFUSED] = {HTTP_INTERNAL_SERVER_ERROR, APLOG_ERR,
        "the process manager refused the request", NULL, "refused"},
    [FCGP_FAIL_CONNECT] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "cannot connect to the application's socket",
        "FcgiProcConnectTimeout", "connect"},
    [FCGP_FAIL_SEND] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application closed the connection while the request was "
        "being sent (it exited or crashed)", NULL, "send"},
    [FCGP_FAIL_CLOSED] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application closed the connection before finishing its "
        "response", NULL, "closed"},
    [FCGP_FAIL_PROTOCOL] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application sent broken FastCGI records", NULL, "protocol"},
    [FCGP_FAIL_HEADERS] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application sent malformed response headers", NULL, "headers"},
    [FCGP_FAIL_HEADERS_SIZE] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application's response headers are too large", NULL,
        "headers_size"},
    [FCGP_FAIL_END_STATUS] = {HTTP_BAD_GATEWAY, APLOG_ERR,
        "the application refused the request", NULL, "end_status"},
    [FCGP_FAIL_OVERLOADED] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "the application says it is overloaded", NULL, "overloaded"},
    [FCGP_FAIL_IO_TIMEOUT] = {HTTP_GATEWAY_TIME_OUT, APLOG_ERR,
        "the application sent or read nothing for too long; the worker is "
        "killed", "FcgiProcIOTimeout", "io_timeout"},
    [FCGP_FAIL_BUSY_TIMEOUT] = {HTTP_GATEWAY_TIME_OUT, APLOG_ERR,
        "the request took longer than allowed; the worker is killed",
        "FcgiProcBusyTimeout", "busy_timeout"},
    [FCGP_FAIL_SUEXEC] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "suexec refused to start the application", NULL, "suexec_refused"},
    [FCGP_FAIL_WRAPPER] = {HTTP_INTERNAL_SERVER_ERROR, APLOG_ERR,
        "a wrapper set in .htaccess names a command the server does not "
        "allow there", NULL, "wrapper_not_allowed"},
    [FCGP_FAIL_EXT_CONNECT] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "cannot connect to the external application",
        "FcgiProcExternalServer (is the application running?)",
        "external_connect"},
    [FCGP_FAIL_EXT_DOWN] = {HTTP_SERVICE_UNAVAILABLE, APLOG_ERR,
        "every backend of the external application refused a connection "
        "in the last few seconds; not tried again yet",
        "FcgiProcExternalServer (is the application running?)",
        "external_down"},
};

_Static_assert(sizeof(fail_table) / sizeof(fail_table[0]) <= FCGP_CNT_NFAILS,
               "a failure cause has no counter (pm/counters.h)");

const char *fcgp_fail_name(unsigned cause)
{
    return cause < sizeof(fail_table) / sizeof(fail_table[0])
           ? fail_table[cause].name : NULL;
}

/* The counters of the request's class (or of no known class). */
static fcgp_counters_t *counters(const fcgp_req_t *rq)
{
    return fcgp_pm_counters(rq->r->pool, rq->spec);
}

static int is_external(const fcgp_req_t *rq)
{
    return rq->srv && rq->srv->kind == FCGP_SERVER_EXTERNAL;
}

/* Who served (or failed) this try, for log lines. */
static const char *who(const fcgp_req_t *rq)
{
    const attempt_t *a = &rq->at;
    if (is_external(rq)) {
        return apr_psprintf(rq->r->pool, "external app %s, backend %s",
                            rq->srv->path, a->be ? a->be->name : "none");
    }
    return apr_psprintf(rq->r->pool, "%s%s %s, worker pid %u",
                        rq->role ? rq->role->phase : "",
                        rq->role ? " app" : "app", rq->app ? rq->app : "?",
                        a->lease ? a->lease->grant.pid : 0);
}

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
    const fcgp_authorizer_t *role = rq->role;
    request_rec *r = rq->r;
    const char *change = "";
    const char *directive = f->directive;

    fcgp_cnt_inc(counters(rq), FCGP_CNT_FAIL + cause);
    if (role && cause == FCGP_FAIL_SPAWN) {
        directive = role->directive;
    }
    if (directive) {
        change = apr_psprintf(r->pool, "; see %s", directive);
    }
    if (cause == FCGP_FAIL_BUSY) {
        change = "; raise FcgiProcMaxProcessesPerClass (or "
                 "FcgiProcMaxProcesses) if the machine has room, or "
                 "FcgiProcQueueTimeout to wait longer";
    }
    if (cause == FCGP_FAIL_SUEXEC) {
        change = "; fix what suexec's log names (the command's and its "
                 "directory's owner and mode, or its place: `suexec -V` "
                 "shows AP_DOC_ROOT)";
    }
    if (cause == FCGP_FAIL_WRAPPER && rq->wrapper) {
        change = apr_psprintf(r->pool, "; add \"FcgiProcAllowWrapper %s\" "
                              "to the server or virtual host configuration "
                              "to allow it", rq->wrapper->argv[0]);
    }
    if (role && role->declined) {
        change = apr_pstrcat(r->pool, change, "; ", role->declined, NULL);
    }
    /* One line: status, request, cause (and its details), who, how long,
     * and what to change. */
    ap_log_rerror(APLOG_MARK, f->level, a->rv, r, FCGP_LOGNO(02001)
                  "%s: %s %s: %s%s%s (%s, %" APR_TIME_T_FMT " ms)%s",
                  ap_get_status_line(f->status) + 4,
                  r->method, r->uri, f->what, a->detail ? ": " : "",
                  a->detail ? a->detail : "", who(rq),
                  apr_time_as_msec(apr_time_now() - rq->start), change);
    if (f->status == HTTP_SERVICE_UNAVAILABLE && !(role && role->declined)) {
        /* (an external server's: be_index is minus its wait) */
        apr_uint32_t ra = a->lease ? a->lease->grant.retry_after
                          : a->be_index < 0 ? (apr_uint32_t)-a->be_index : 0;
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_psprintf(r->pool, "%u", ra ? ra : 5));
    }
}

/* ---- what the request took: the slow line and the request notes ------- */

/* FcgiProcSlowRequestTimeout passed: the one line for this request (the
 * answer's reader calls this as the time passes, else the handler does at
 * the end), and the class's count. */
static void slow_line(fcgp_req_t *rq, apr_time_t now, int running)
{
    const attempt_t *a = &rq->at;
    request_rec *r = rq->r;

    if (rq->slow_logged) {
        return;
    }
    rq->slow_logged = 1;
    fcgp_cnt_inc(counters(rq), FCGP_CNT_SLOW);
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, FCGP_LOGNO(02070)
                  "%s %s: slow request: worker pid %u of %s %s %"
                  APR_TIME_T_FMT " ms%s (FcgiProcSlowRequestTimeout %"
                  APR_TIME_T_FMT " ms)", r->method, r->uri,
                  a->lease ? a->lease->grant.pid : 0, rq->app,
                  running ? "has worked on it for" : "took",
                  apr_time_as_msec(now - rq->sent),
                  running ? " so far" : "", apr_time_as_msec(rq->slow));
}

static void on_slow(void *ctx)
{
    slow_line(ctx, apr_time_now(), 1);
}

/* The try's answer ended (or failed) at now. */
static void answer_ended(fcgp_req_t *rq, apr_time_t now)
{
    if (!rq->sent) {
        return;
    }
    rq->app_time = now > rq->sent ? now - rq->sent : 0;
    if (rq->slow && rq->app_time > rq->slow) {
        slow_line(rq, now, 0);
    }
}

/* For LogFormat's %{name}n: the last try's worker and application time,
 * the wait for workers and the tries, as far as the request got. */
static void set_notes(const fcgp_req_t *rq)
{
    request_rec *r = rq->r;
    const attempt_t *a = &rq->at;

    apr_table_setn(r->notes, "fcgiproc-attempts",
                   apr_itoa(r->pool, rq->tries));
    apr_table_setn(r->notes, "fcgiproc-wait-us",
                   apr_psprintf(r->pool, "%" APR_TIME_T_FMT, rq->waited));
    if (a->lease && a->lease->grant.pid) {
        apr_table_setn(r->notes, "fcgiproc-pid",
                       apr_psprintf(r->pool, "%u", a->lease->grant.pid));
    }
    if (rq->sent) {
        apr_table_setn(r->notes, "fcgiproc-app-us",
                       apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                    rq->app_time));
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

/* Queue one record for a writev: its header, then its content if any. */
static void push_rec(apr_array_header_t *vec, unsigned char type,
                     void *body, apr_size_t len)
{
    struct iovec *v = apr_array_push(vec);
    v->iov_base = apr_palloc(vec->pool, AP_FCGI_HEADER_LEN);
    v->iov_len = AP_FCGI_HEADER_LEN;
    fcgp_rec_header(v->iov_base, type, len);
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

    ap_fcgi_fill_in_request_body(&brb, rq->role ? AP_FCGI_AUTHORIZER
                                                : AP_FCGI_RESPONDER, 0);
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

/* ---- acquire and connect ------------------------------------------------- */

/* The words for a suexec refusal: the wrapper, who it was to run as,
 * suexec's status and where suexec wrote why. */
static const char *suexec_refusal(const fcgp_req_t *rq,
                                  const fcgp_app_spec_t *spec,
                                  apr_uint32_t code, apr_uint32_t retry)
{
    apr_pool_t *p = rq->r->pool;
    char *user = NULL, *group = NULL;
    const char *what = fcgp_policy_suexec_refusal((int)code);

    apr_uid_name_get(&user, (apr_uid_t)spec->ident.uid, p);
    apr_gid_name_get(&group, (apr_gid_t)spec->ident.gid, p);
    return apr_psprintf(p, "%s as %suser %s (%u), group %s (%u): suexec "
                        "exited with status %u (%s); suexec wrote why in "
                        "%s; not starting it again for %u s (see "
                        "FCGP03060)", spec->argv[0],
                        spec->ident.userdir ? "~" : "",
                        user ? user : "?", spec->ident.uid,
                        group ? group : "?", spec->ident.gid, code,
                        what ? what : "?",
                        rq->sc->suexec_log ? rq->sc->suexec_log
                                           : "suexec's log",
                        retry);
}

/* An external server's try: the next backend in turn that this request
 * has not tried and that is not being skipped. */
static int acquire_backend(fcgp_req_t *rq)
{
    attempt_t *a = &rq->at;
    apr_uint32_t retry_after = 0;
    int k = fcgp_backend_pick(rq->srv, rq->tried, &retry_after);

    if (k < 0) {
        const char *names = "";
        int i;
        for (i = 0; i < rq->srv->backends->nelts; i++) {
            names = apr_pstrcat(rq->r->pool, names, i ? ", " : "",
                                APR_ARRAY_IDX(rq->srv->backends, i,
                                              fcgp_backend_t).name, NULL);
        }
        a->be_index = -(int)retry_after;    /* for Retry-After */
        a->detail = rq->tried ? "no other backend is left to try"
                    : apr_pstrcat(rq->r->pool, "backends ", names, NULL);
        return attempt_failed(rq, rq->tried ? FCGP_FAIL_EXT_CONNECT
                                            : FCGP_FAIL_EXT_DOWN);
    }
    rq->tried |= (apr_uint64_t)1 << k;
    a->be_index = k;
    a->be = &APR_ARRAY_IDX(rq->srv->backends, k, fcgp_backend_t);
    return OK;
}

static int acquire(fcgp_req_t *rq, const fcgp_app_spec_t *spec)
{
    attempt_t *a = &rq->at;
    request_rec *r = rq->r;
    const char *err = NULL;
    apr_status_t rv;

    if (is_external(rq)) {
        return acquire_backend(rq);
    }

    rv = fcgp_pm_acquire(r->pool, rq->sc->pm_path, spec,
                         &rq->appc->limits, rq->program,
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
        if (a->lease->grant.refused && spec->ident.suexec) {
            a->detail = suexec_refusal(rq, spec, a->lease->grant.refused,
                                       a->lease->grant.retry_after);
            return attempt_failed(rq, FCGP_FAIL_SUEXEC);
        }
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
    apr_os_sock_t fd;

    if (a->be) {
        a->rv = fcgp_backend_connect(r->pool, a->be,
                                     rq->appc->connect_timeout, &a->sock);
        if (a->rv != APR_SUCCESS) {
            a->sock = NULL;
            a->detail = a->be->name;
            fcgp_backend_refused(r, rq->srv, a->be, a->rv);
            return attempt_failed(rq, FCGP_FAIL_EXT_CONNECT);
        }
        apr_socket_timeout_set(a->sock, rq->timer.io_timeout);
        return OK;
    }

    if ((a->rv = apr_sockaddr_info_get(&sa, a->lease->grant.path,
                                       APR_UNIX, 0, 0, r->pool))
        != APR_SUCCESS
        || (a->rv = apr_socket_create(&a->sock, APR_UNIX, SOCK_STREAM, 0,
                                      r->pool)) != APR_SUCCESS) {
        return attempt_failed(rq, FCGP_FAIL_CONNECT);
    }
    apr_socket_timeout_set(a->sock, rq->appc->connect_timeout);
    a->rv = apr_socket_connect(a->sock, sa);
    if (a->rv != APR_SUCCESS) {
        a->detail = a->lease->grant.path;
        return attempt_failed(rq, FCGP_FAIL_CONNECT);
    }
    if (apr_os_sock_get(&fd, a->sock) == APR_SUCCESS) {
        fcgp_pm_lease_connected(a->lease, fd);
    }
    apr_socket_timeout_set(a->sock, rq->timer.io_timeout);
    return OK;
}

/* ---- the handler ---------------------------------------------------------- */

/* FcgiProcPassHeader: a header httpd does not pass (Authorization), both
 * under its own name and as HTTP_NAME, as mod_fcgid does.
 * FcgiProcFixPathinfo: SCRIPT_NAME as the file's path, for PHP's
 * cgi.fix_pathinfo=1 (mod_fcgid's FcgidFixPathinfo). */
static void pass_headers(request_rec *r, const apr_array_header_t *hdrs)
{
    apr_table_t *e = r->subprocess_env;
    int i;

    for (i = 0; i < hdrs->nelts; i++) {
        const char *h = APR_ARRAY_IDX(hdrs, i, const char *);
        const char *v = apr_table_get(r->headers_in, h);
        char *env, *raw, *c;
        if (!v) {
            continue;
        }
        env = apr_pstrcat(r->pool, "HTTP_", h, NULL);
        for (c = env + 5; *c; c++) {
            *c = apr_isalnum(*c) ? apr_toupper(*c) : '_';
        }
        raw = apr_pstrdup(r->pool, h);
        /* its own name, as httpd makes names for an environment */
        for (c = raw; *c; c++) {
            *c = apr_isalnum(*c) ? *c : '_';
        }
        apr_table_setn(e, raw, v);
        apr_table_setn(e, env, v);
    }
}

static void add_fcgid_vars(request_rec *r, const fcgp_srv_conf_t *sc,
                           const fcgp_server_t *srv)
{
    apr_table_t *e = r->subprocess_env;

    pass_headers(r, sc->pass_headers);
    if (srv) {
        pass_headers(r, srv->pass_headers);    /* -pass-header */
    }
    /* As mod_fcgid: no hop-by-hop headers, and "Connection: close" (the
     * app is not to keep anything open for the client). */
    apr_table_unset(e, "HTTP_KEEP_ALIVE");
    apr_table_unset(e, "HTTP_TE");
    apr_table_unset(e, "HTTP_TRAILER");
    apr_table_unset(e, "HTTP_TRANSFER_ENCODING");
    apr_table_unset(e, "HTTP_UPGRADE");
    apr_table_setn(e, "HTTP_CONNECTION", "close");
    if (sc->fix_pathinfo) {
        const char *root = apr_table_get(e, "DOCUMENT_ROOT");
        const char *name = apr_table_get(e, "SCRIPT_NAME");
        char *merged;
        if (root && name && apr_filepath_merge(&merged, root, name, 0,
                                               r->pool) == APR_SUCCESS) {
            apr_table_setn(e, "SCRIPT_NAME", merged);
        }
    }
}

/* A ScriptAlias'ed directory needs no Options ExecCGI (as mod_cgi and
 * mod_fcgid). */
static int is_scriptaliased(const request_rec *r)
{
    const char *t = apr_table_get(r->notes, "alias-forced-type");
    return t && strcasecmp(t, "cgi-script") == 0;
}

static int check_request(fcgp_req_t *rq)
{
    request_rec *r = rq->r;

    /* A static or external server's path is served as mod_fastcgi does:
     * whether the file exists or not, without Options ExecCGI. */
    if (rq->srv) {
        return OK;
    }
    /* A virtual wrapper runs whether the file exists or not. */
    if (!(rq->wrapper && rq->wrapper->virtual)) {
        if (r->finfo.filetype == APR_NOFILE) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, FCGP_LOGNO(02002)
                          "script not found: %s", r->filename);
            return HTTP_NOT_FOUND;
        }
        if (r->finfo.filetype == APR_DIR) {
            return HTTP_FORBIDDEN;
        }
    }
    if (!(ap_allow_options(r) & OPT_EXECCGI) && !is_scriptaliased(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, FCGP_LOGNO(02003)
                      "Options ExecCGI is off in this directory, so %s may "
                      "not run as a FastCGI application; add "
                      "\"Options +ExecCGI\"", r->filename);
        return HTTP_FORBIDDEN;
    }
    return OK;
}

/* A body failure becomes the attempt's: its cause, and the client read's
 * own status (408 from mod_reqtimeout...) or the cause's. */
static int body_failed(fcgp_req_t *rq, const fcgp_body_fail_t *f)
{
    attempt_t *a = &rq->at;
    a->rv = f->rv;
    a->detail = f->detail;
    attempt_failed(rq, f->cause);
    return f->status ? f->status : fail_table[f->cause].status;
}

/* Failed before a worker answered: whatever is left of the body is not
 * read, when the status closes the connection anyway (a 413 body of a
 * GiB), else thrown away so the connection can be kept. */
static void drop_body(request_rec *r, int status)
{
    if (ap_status_drops_connection(status)) {
        r->connection->keepalive = AP_CONN_CLOSE;
    }
    ap_discard_request_body(r);
}

/* Who the app runs as: through suexec, the identity httpd's suexec hook
 * gives the request (mod_suexec's SuexecUserGroup, mod_userdir's ~user),
 * as mod_cgi and mod_fcgid ask it; else the httpd User. */
static void request_identity(request_rec *r, fcgp_identity_t *id)
{
    ap_unix_identity_t *u;

    memset(id, 0, sizeof(*id));
    if (!ap_unixd_config.suexec_enabled || !FCGP_SRV(r->server)->suexec_log
        || !(u = ap_run_get_suexec_identity(r))) {
        return;
    }
    id->suexec = 1;
    id->userdir = u->userdir != 0;
    id->uid = (apr_uint32_t)u->uid;
    id->gid = (apr_uint32_t)u->gid;
}

static void make_spec(fcgp_req_t *rq, fcgp_app_spec_t *spec)
{
    request_rec *r = rq->r;
    const fcgp_wrapper_t *w = rq->wrapper;
    memset(spec, 0, sizeof(*spec));
    spec->vhost = rq->sc->vhost;
    if (rq->srv) {
        /* Its class is the one the PM started (static), whichever virtual
         * host the request came to; an external one has none. */
        spec->vhost = rq->srv->vhost;
        spec->argc = 1;
        spec->argv = rq->srv->argv;
        spec->envc = rq->srv->app.envc;
        spec->env = rq->srv->app.env;
        rq->app = rq->srv->path;
        rq->appc = &rq->srv->app;
        rq->timer.io_timeout = rq->appc->io_timeout;
        return;
    }
    request_identity(r, &spec->ident);
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
        rq->program = &r->finfo;    /* who runs it knows if it changed */
    }
    /* A file run as the app itself is never php-cgi (which lives outside
     * the document tree, behind FcgiProcWrapper). */
    rq->appc = fcgp_conf_app(rq->sc, spec->argv[0], rq->php_cgi);
    spec->envc = rq->appc->envc;
    spec->env = rq->appc->env;
    rq->timer.io_timeout = rq->appc->io_timeout;
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
    fcgp_body_fail_t f;
    int st;

    if ((st = connect_worker(rq)) != OK) {
        return st;
    }
    rq->sent = apr_time_now();
    if ((st = send_begin_and_params(rq, rq->body != NULL)) != OK) {
        return st;
    }
    a->rs = fcgp_response_start(&(fcgp_peer_t){
        .r = r, .sock = a->sock, .timer = &rq->timer,
        .pid = a->lease ? a->lease->grant.pid : 0,
        .app = a->be ? apr_pstrcat(r->pool, rq->app, " (backend ",
                                   a->be->name, ")", NULL)
                     : rq->app,
        .flush_each = fcgp_conf_val(rq->sc, FCGP_C_OUTPUT_BUFFER) == 0
                      || (rq->srv && rq->srv->flush),
        .capture = rq->role != NULL,
        .slow_at = rq->slow && !rq->slow_logged ? rq->sent + rq->slow : 0,
        .on_slow = on_slow, .ctx = rq});
    if (rq->body && fcgp_body_send(rq->body, a->rs, &f) != FCGP_FAIL_NONE) {
        if (fcgp_response_ended(a->rs)) {
            return read_answer(rq);   /* the reader saw it first */
        }
        st = body_failed(rq, &f);
        if (st == HTTP_GATEWAY_TIME_OUT) {
            a->outcome = FCGP_OUT_TIMEOUT;
        }
        return st;
    }
    return read_answer(rq);
}

/* The retry rule: a GET, HEAD or OPTIONS without a body (idempotent, and
 * nothing we would have to send twice), or an authorizer's request (no
 * body either), is tried once more, on another worker, when its worker
 * could not be reached or closed before sending a single byte of its
 * answer. */
static int worth_retrying(const fcgp_req_t *rq)
{
    const attempt_t *a = &rq->at;
    const fcgp_resp_counts_t *n = a->rs ? fcgp_response_counts(a->rs) : NULL;
    int replayable = rq->role
                     || ((rq->r->method_number == M_GET || rq->r->header_only
                          || rq->r->method_number == M_OPTIONS)
                         && !ap_request_has_body(rq->r));

    if (is_external(rq)) {
        /* Nothing was sent: the next backend, whatever the request. */
        if (a->cause == FCGP_FAIL_EXT_CONNECT && a->be) {
            return fcgp_backend_left(rq->srv, rq->tried);
        }
        /* The safe retry, once, on the next backend. */
        if (!replayable || rq->safe_retries
            || (a->cause != FCGP_FAIL_SEND && a->cause != FCGP_FAIL_CLOSED)
            || (n && (n->headers_sent || n->recv_bytes))
            || !fcgp_backend_left(rq->srv, rq->tried)) {
            return 0;
        }
        return 2;
    }
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

    if (retry && is_external(rq)) {
        /* (a refused connection was said by fcgp_backend_refused) */
        if (retry == 2) {
            fcgp_cnt_inc(counters(rq), FCGP_CNT_RETRIES);
            ap_log_rerror(APLOG_MARK, APLOG_NOTICE, a->rv, r,
                          FCGP_LOGNO(02092) "%s %s: backend %s of %s failed "
                          "before answering (%s%s%s); retrying once on the "
                          "next backend", r->method, r->uri, a->be->name,
                          rq->srv->where, fail_table[a->cause].what,
                          a->detail ? ": " : "", a->detail ? a->detail : "");
        }
        return;
    }
    if (retry) {
        fcgp_cnt_inc(counters(rq), FCGP_CNT_RETRIES);
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
        apr_time_t t0 = apr_time_now(), now;
        memset(a, 0, sizeof(*a));
        a->outcome = FCGP_OUT_BROKEN;
        rq->tries++;
        rq->sent = 0;
        st = acquire(rq, spec);
        now = apr_time_now();
        rq->waited += now - t0;
        if (st != OK) {
            set_notes(rq);
            report(rq, 0);
            if (!rq->role) {
                /* (an authorizer's caller leaves the body to httpd) */
                drop_body(rq->r, st);
            }
            return st;
        }
        if (a->lease) {
            fcgp_pm_lease_request(a->lease, rq->r->method, rq->r->uri,
                                  rq->r->args, now);
        }
        st = serve(rq);
        answer_ended(rq, apr_time_now());
        retry = worth_retrying(rq);
        rq->safe_retries += retry == 2;
        report(rq, retry);
        if (a->sock) {
            apr_os_sock_t fd;
            if (a->lease && (a->outcome == FCGP_OUT_TIMEOUT
                             || a->outcome == FCGP_OUT_BROKEN)
                && apr_os_sock_get(&fd, a->sock) == APR_SUCCESS) {
                fcgp_pm_lease_failed(a->lease, fd);
            }
            /* First: the app waits for our close before it accepts the
             * next connection. */
            apr_socket_close(a->sock);
        }
        if (a->lease) {
            fcgp_pm_release(a->lease, a->outcome);
        }
        else if (a->be && a->outcome == FCGP_OUT_OK) {
            fcgp_backend_answered(rq->r, rq->srv, a->be);
        }
    } while (retry);
    set_notes(rq);
    if (a->rs) {
        fcgp_response_finish(a->rs);
    }
    return st;
}

/* The request is over: its final status (after a local redirect, the
 * redirected request's, as the access log's %>s).  (A slow request is
 * counted with its line, slow_line().) */
static void count_request(const fcgp_req_t *rq, int st)
{
    const request_rec *last = rq->r;
    fcgp_counters_t *c = counters(rq);

    while (last->next) {
        last = last->next;
    }
    fcgp_cnt_inc(c, fcgp_cnt_status_id(st == OK || st == DONE ? last->status
                                                               : st));
}

static int handle(fcgp_req_t *rq);

static fcgp_req_t *new_req(request_rec *r)
{
    fcgp_req_t *rq = apr_pcalloc(r->pool, sizeof(*rq));
    rq->r = r;
    rq->start = apr_time_now();
    rq->sc = FCGP_SRV(r->server);
    return rq;
}

int fcgp_authorizer_run(request_rec *r, const fcgp_authorizer_t *a)
{
    fcgp_req_t *rq = new_req(r);
    fcgp_app_spec_t spec;

    rq->role = a;
    rq->wrapper = a->cmd;
    /* An app that is a static or external server is that server's (as
     * mod_fastcgi). */
    if (a->cmd->argc == 1) {
        rq->srv = fcgp_conf_server_for(rq->sc, a->cmd->argv[0]);
    }
    make_spec(rq, &spec);
    rq->spec = &spec;
    rq->timer.deadline = apr_time_now() + rq->appc->busy_timeout;
    return attempts(rq, &spec);
}

/* As mod_fastcgi: a request for a static or external server's path, or
 * below it, is that server's, whatever handler the configuration gave it.
 * httpd stops its walk of the file system at the first part of the path
 * that does not exist, which may be above an external server's virtual
 * path (FcgiProcExternalServer /fastcgiext/app, with no /fastcgiext):
 * the path is then split again, at the server's path, so that the
 * application gets the PATH_INFO and SCRIPT_NAME it expects. */
int fcgp_fixups(request_rec *r)
{
    const fcgp_srv_conf_t *sc = FCGP_SRV(r->server);
    char *full, *c;

    if (!r->filename || !sc->servers.by_path) {
        return DECLINED;
    }
    if (fcgp_conf_server_for(sc, r->filename)) {
        r->handler = FCGP_HANDLER_NAME;
        return OK;
    }
    if (!r->path_info || r->path_info[0] != '/'
        || r->finfo.filetype != APR_NOFILE) {
        return DECLINED;
    }
    full = apr_pstrcat(r->pool, r->filename, r->path_info, NULL);
    for (c = full + strlen(r->filename) + 1;; c++) {
        if (*c == '/' || !*c) {
            char keep = *c;
            *c = '\0';
            if (fcgp_conf_server_for(sc, full)) {
                *c = keep;
                r->path_info = apr_pstrdup(r->pool, c);
                r->filename = apr_pstrmemdup(r->pool, full, c - full);
                r->handler = FCGP_HANDLER_NAME;
                return OK;
            }
            *c = keep;
            if (!keep) {
                return DECLINED;
            }
        }
    }
}

int fcgp_handler(request_rec *r)
{
    fcgp_req_t *rq;
    fcgp_app_spec_t spec;
    int st;

    if (!r->handler || (strcmp(r->handler, FCGP_HANDLER_NAME) != 0
                        && strcmp(r->handler, FCGP_HANDLER_NAME_FCGID) != 0
                        && strcmp(r->handler, FCGP_HANDLER_NAME_FASTCGI)
                           != 0)) {
        return DECLINED;
    }
    rq = new_req(r);
    if (!(rq->srv = fcgp_conf_server_for(rq->sc, r->filename))) {
        rq->wrapper = fcgp_conf_wrapper_for(FCGP_DIR(r), r->filename);
    }
    make_spec(rq, &spec);
    rq->spec = &spec;
    st = handle(rq);
    count_request(rq, st);
    return st;
}

static int handle(fcgp_req_t *rq)
{
    request_rec *r = rq->r;
    const fcgp_app_spec_t *spec = rq->spec;
    fcgp_body_fail_t bf;
    int st;

    if ((st = check_request(rq)) != OK) {
        report(rq, 0);
        drop_body(r, st);
        return st;
    }
    if (!fcgp_conf_wrapper_allowed(rq->sc, rq->wrapper, &spec->ident)) {
        rq->at.detail = apr_psprintf(r->pool, "%s runs %s", rq->wrapper->where,
                                     rq->wrapper->argv[0]);
        st = attempt_failed(rq, FCGP_FAIL_WRAPPER);
        report(rq, 0);
        drop_body(r, st);
        return st;
    }
    ap_add_common_vars(r);
    ap_add_cgi_vars(r);
    add_fcgid_vars(r, rq->sc, rq->srv);
    /* A small body is in memory (a chunked one spooled) before a worker
     * is taken: a slow client holds none, and its time does not count
     * against FcgiProcBusyTimeout. */
    if (fcgp_body_read(r, rq->sc, &rq->body, &bf) != FCGP_FAIL_NONE) {
        st = body_failed(rq, &bf);
        report(rq, 0);
        drop_body(r, st);
        return st;
    }
    if (!apr_table_get(r->subprocess_env, "CONTENT_LENGTH")) {
        /* as mod_fcgid: the length of the body, 0 too */
        apr_table_setn(r->subprocess_env, "CONTENT_LENGTH", "0");
    }
    rq->timer.deadline = apr_time_now() + rq->appc->busy_timeout;
    rq->slow = fcgp_conf_val(rq->sc, FCGP_C_SLOW_REQUEST);
    st = attempts(rq, spec);
    if (st == OK && rq->redirect) {
        /* CGI/1.1 local redirect, after the worker is back in the pool. */
        r->method = "GET";
        r->method_number = M_GET;
        apr_table_unset(r->headers_in, "Content-Length");
        ap_internal_redirect_handler(rq->redirect, r);
    }
    return st;
}
