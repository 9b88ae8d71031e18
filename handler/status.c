/* status.c: "SetHandler fcgiproc-status": the process manager's view of
 * every worker and the last exits, as HTML, or as JSON with ?json; and our
 * section of mod_status's /server-status.  The PM sends a snapshot (data);
 * status_format.c writes the page and the section. */
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
#include "handler/status_format.h"

FCGP_LOG_MODULE;

int fcgp_status_handler(request_rec *r)
{
    const fcgp_srv_conf_t *sc;
    fcgp_status_t *st = NULL;
    const char *err = NULL;
    int json;
    apr_status_t rv;

    if (!r->handler || strcmp(r->handler, FCGP_STATUS_HANDLER_NAME) != 0) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    sc = FCGP_SRV(r->server);
    json = r->args && strncmp(r->args, "json", 4) == 0;
    rv = fcgp_pm_status(r->pool, sc->pm_path, &st, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, FCGP_LOGNO(02020)
                      "status page: %s", err);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (json) {
        ap_set_content_type(r, "application/json");
        ap_rputs(fcgp_status_json(r->pool, st), r);
        return OK;
    }
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rputs("<!DOCTYPE html>\n<html><head><title>mod_fcgiproc status"
             "</title></head><body>\n<h1>mod_fcgiproc status</h1>\n", r);
    ap_rputs(fcgp_status_html(r->pool, st), r);
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

    rv = fcgp_pm_status(r->pool, sc->pm_path, &st, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, FCGP_LOGNO(02040)
                      "server-status: %s", err);
        st = NULL;
    }
    ap_rputs(fcgp_status_section(r->pool, st, err, flags), r);
    return OK;
}
