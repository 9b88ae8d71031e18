/* status.c: "SetHandler fcgiproc-status": the process manager's view of
 * every worker and the last exits, as HTML, or as JSON with ?json, and
 * the counters in Prometheus's text format with ?metrics; and our section
 * of mod_status's /server-status.  The PM sends a snapshot (data);
 * status_format.c writes the page, the metrics and the section. */
#include <string.h>
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

/* Does the query string start with the parameter `word` ("metrics",
 * "metrics=", as Prometheus's params send it, "metrics&...")? */
static int asked(const request_rec *r, const char *word)
{
    apr_size_t n = strlen(word);
    return r->args && strncmp(r->args, word, n) == 0
           && (r->args[n] == '\0' || r->args[n] == '&' || r->args[n] == '=');
}

int fcgp_status_handler(request_rec *r)
{
    const fcgp_srv_conf_t *sc;
    fcgp_status_t *st = NULL;
    const char *err = NULL;
    int json, metrics;
    apr_uint32_t shown;
    apr_status_t rv;

    if (!r->handler || strcmp(r->handler, FCGP_STATUS_HANDLER_NAME) != 0) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    sc = FCGP_SRV(r->server);
    json = r->args && strncmp(r->args, "json", 4) == 0;
    metrics = asked(r, "metrics");
    shown = (apr_uint32_t)fcgp_conf_val(sc, FCGP_C_METRICS_CLASSES);
    rv = fcgp_pm_status(r->pool, sc->pm_path, shown, &st, &err);
    if (rv != APR_SUCCESS && metrics) {
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
    if (metrics) {
        ap_set_content_type(r, METRICS_TYPE);
        ap_rputs(fcgp_status_metrics(r->pool, st, fmt(r)), r);
        return OK;
    }
    if (json) {
        ap_set_content_type(r, "application/json");
        ap_rputs(fcgp_status_json(r->pool, st, fmt(r)), r);
        return OK;
    }
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rputs("<!DOCTYPE html>\n<html><head><title>mod_fcgiproc status"
             "</title></head><body>\n<h1>mod_fcgiproc status</h1>\n", r);
    ap_rputs(fcgp_status_html(r->pool, st, fmt(r)), r);
    ap_rputs("<p><a href=\"?json\">JSON</a></p>\n</body></html>\n", r);
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
