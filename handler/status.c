/* status.c: "SetHandler fcgiproc-status": the process manager's view of
 * every worker and the last exits, as HTML (status_page.c; ?refresh=N
 * reloads it), or as JSON with ?json (?json&full: with each worker's
 * current request), and the counters in Prometheus's text format with
 * ?metrics; and our section of mod_status's /server-status.  The PM sends
 * a snapshot (data); status_format.c writes the JSON, the metrics and the
 * section. */
#include <string.h>
#include <apr_strings.h>
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_status.h"
#include "fcgp_log.h"
#include "conf/conf.h"
#include "pm/pm.h"
#include "handler/fcgiproc_handler.h"
#include "handler/handler.h"
#include "handler/status_format.h"
#include "handler/status_page.h"

FCGP_LOG_MODULE;

/* The Prometheus text exposition format's media type. */
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The failure causes' names and the time, for the counters' formats. */
static const fcgp_fmt_t *fmt(request_rec *r)
{
    fcgp_fmt_t *f = apr_pcalloc(r->pool, sizeof(*f));
    const char **names = apr_pcalloc(r->pool, sizeof(*names)
                                              * (FCGP_CNT_NFAILS + 1));
    unsigned k;
    for (k = 0; k < FCGP_CNT_NFAILS && fcgp_fail_name(k); k++) {
        names[k] = fcgp_fail_name(k);
    }
    f->fail_names = names;
    f->now = apr_time_now();
    return f;
}

/* The query: "json", "full" (with json: the current requests),
 * "metrics" ("metrics=" too, as Prometheus's params send it), and
 * "refresh=N" (the HTML page reloads every N s, 1 to
 * FCGP_STATUS_REFRESH_MAX; anything else: no reload), '&'-separated. */
typedef struct {
    int json, full, metrics, refresh;
} status_query_t;

static status_query_t parse_query(apr_pool_t *p, const char *args)
{
    status_query_t q = {0, 0, 0, 0};
    char *copy, *tok, *last;

    if (!args) {
        return q;
    }
    copy = apr_pstrdup(p, args);
    for (tok = apr_strtok(copy, "&", &last); tok;
         tok = apr_strtok(NULL, "&", &last)) {
        if (strcmp(tok, "json") == 0 || strncmp(tok, "json=", 5) == 0) {
            q.json = 1;
        }
        else if (strcmp(tok, "metrics") == 0
                 || strncmp(tok, "metrics=", 8) == 0) {
            q.metrics = 1;
        }
        else if (strcmp(tok, "full") == 0) {
            q.full = 1;
        }
        else if (strncmp(tok, "refresh=", 8) == 0) {
            char *end;
            apr_int64_t n = apr_strtoi64(tok + 8, &end, 10);
            q.refresh = *end == '\0' && end != tok + 8 && n >= 1
                        ? (int)(n < FCGP_STATUS_REFRESH_MAX
                                ? n : FCGP_STATUS_REFRESH_MAX)
                        : 0;
        }
    }
    return q;
}

int fcgp_status_handler(request_rec *r)
{
    const fcgp_srv_conf_t *sc;
    fcgp_status_t *st = NULL;
    const char *err = NULL;
    status_query_t q;
    apr_uint32_t shown;
    apr_status_t rv;

    if (!r->handler || strcmp(r->handler, FCGP_STATUS_HANDLER_NAME) != 0) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    sc = FCGP_SRV(r->server);
    q = parse_query(r->pool, r->args);
    shown = (apr_uint32_t)fcgp_conf_val(sc, FCGP_C_METRICS_CLASSES);
    rv = fcgp_pm_status(r->pool, sc->pm_path, shown, &st, &err);
    if (rv != APR_SUCCESS && q.metrics) {
        /* A scraper polls: one line at INFO, and fcgiproc_up 0. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, FCGP_LOGNO(02060)
                      "status page ?metrics: %s", err);
        ap_set_content_type(r, METRICS_TYPE);
        ap_rputs(fcgp_status_metrics(r->pool, NULL, fmt(r)), r);
        return OK;
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, FCGP_LOGNO(02020)
                      "status page: %s", err);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (q.metrics) {
        ap_set_content_type(r, METRICS_TYPE);
        ap_rputs(fcgp_status_metrics(r->pool, st, fmt(r)), r);
        return OK;
    }
    if (q.json) {
        ap_set_content_type(r, "application/json");
        ap_rputs(q.full ? fcgp_status_json_full(r->pool, st, fmt(r))
                        : fcgp_status_json(r->pool, st, fmt(r)), r);
        return OK;
    }
    ap_set_content_type(r, "text/html; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_rputs(fcgp_status_page(r->pool, st, q.refresh, apr_time_now()), r);
    return OK;
}

_Static_assert(FCGP_SECTION_SHORT == AP_STATUS_SHORT
               && FCGP_SECTION_NOTABLE == AP_STATUS_NOTABLE
               && FCGP_SECTION_EXTENDED == AP_STATUS_EXTENDED,
               "status_format.h's flags are mod_status's");

/* mod_status runs this for every /server-status request, also when no
 * FastCGI application was ever used.  A process manager that cannot be
 * reached is said in the section and logged at INFO only: a monitor
 * polling the page would otherwise flood the log (the parent already
 * logs the PM's death, FCGP04001). */
int fcgp_status_hook(request_rec *r, int flags)
{
    const fcgp_srv_conf_t *sc = FCGP_SRV(r->server);
    fcgp_status_t *st = NULL;
    const char *err = NULL;
    apr_status_t rv;

    rv = fcgp_pm_status(r->pool, sc->pm_path, 0, &st, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, FCGP_LOGNO(02040)
                      "server-status: %s", err);
        st = NULL;
    }
    ap_rputs(fcgp_status_section(r->pool, st, err, flags), r);
    return OK;
}
