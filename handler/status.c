/* status.c: "SetHandler fcgiproc-status": the process manager's view of
 * every worker and the last exits, as HTML (status_page.c; ?refresh=N
 * reloads it), or as JSON with ?json (?json&full: with each worker's
 * current request); and our section of mod_status's /server-status.  The
 * PM sends a snapshot (data); status_format.c writes the JSON and the
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
#include "handler/status_format.h"
#include "handler/status_page.h"

FCGP_LOG_MODULE;

/* The query: "json", "full" (with json: the current requests), and
 * "refresh=N" (the HTML page reloads every N s, 1 to
 * FCGP_STATUS_REFRESH_MAX; anything else: no reload), '&'-separated. */
typedef struct {
    int json, full, refresh;
} status_query_t;

static status_query_t parse_query(apr_pool_t *p, const char *args)
{
    status_query_t q = {0, 0, 0};
    char *copy, *tok, *last;

    if (!args) {
        return q;
    }
    copy = apr_pstrdup(p, args);
    for (tok = apr_strtok(copy, "&", &last); tok;
         tok = apr_strtok(NULL, "&", &last)) {
        if (strcmp(tok, "json") == 0) {
            q.json = 1;
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
    apr_status_t rv;

    if (!r->handler || strcmp(r->handler, FCGP_STATUS_HANDLER_NAME) != 0) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    sc = FCGP_SRV(r->server);
    q = parse_query(r->pool, r->args);
    rv = fcgp_pm_status(r->pool, sc->pm_path, &st, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, FCGP_LOGNO(02020)
                      "status page: %s", err);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (q.json) {
        ap_set_content_type(r, "application/json");
        ap_rputs(q.full ? fcgp_status_json_full(r->pool, st)
                        : fcgp_status_json(r->pool, st), r);
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

    rv = fcgp_pm_status(r->pool, sc->pm_path, &st, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, FCGP_LOGNO(02040)
                      "server-status: %s", err);
        st = NULL;
    }
    ap_rputs(fcgp_status_section(r->pool, st, err, flags), r);
    return OK;
}
