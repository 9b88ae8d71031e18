/* mod_fcgiproc.c: the module record and its hooks.  The only file that
 * sees every part: conf/ resolves the configuration, pm/ starts the
 * process manager with the plain values conf/ fills in, and handler/
 * serves requests. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "ap_mpm.h"
#include "fcgp_log.h"
#include "conf/conf.h"
#include "pm/pm_boot.h"
#include "pm/pm.h"
#include "handler/fcgiproc_handler.h"

/* Built with -fvisibility=hidden: the module record is our one export. */
extern module AP_MODULE_DECLARE_DATA __attribute__((visibility("default")))
    fcgiproc_module;

static int fcgp_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    fcgp_pm_settings_t settings;
    fcgp_srv_conf_t *sc;
    int st;

    if ((st = fcgp_conf_finalize(pconf, s, &settings)) != OK) {
        return st;
    }
    /* The first pass only checks the configuration; "-t" never serves. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG
        || ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_NORMAL) {
        return OK;
    }
    sc = ap_get_module_config(s->module_config, &fcgiproc_module);
    if (fcgp_pm_boot(pconf, s, &settings, sc->pm_path) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static void fcgp_child_init(apr_pool_t *pchild, server_rec *s)
{
    fcgp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                               &fcgiproc_module);
    int threads = 1;
    apr_status_t rv;

    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    rv = fcgp_pm_child_init(pchild, sc->pm_path, threads > 0 ? threads : 1);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, FCGP_LOGNO(04009)
                     "cannot keep connections to the process manager; "
                     "connecting for each request instead");
    }
}

static void fcgp_register_hooks(apr_pool_t *p)
{
    /* The authenticator goes before mod_auth_basic, whatever the order of
     * the LoadModule lines: so that mod_auth_basic (with AuthUserFile)
     * can decide after it when FcgiProcAuthenticatorAuthoritative is Off,
     * and so that it needs no AuthBasicAuthoritative Off to run at all. */
    static const char *const before_basic[] = {"mod_auth_basic.c", NULL};

    ap_hook_child_init(fcgp_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(fcgp_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(fcgp_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(fcgp_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_authn(fcgp_role_authn, NULL, before_basic,
                        APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authz(fcgp_role_authz, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_access(fcgp_role_access, NULL, NULL, APR_HOOK_MIDDLE,
                         AP_AUTH_INTERNAL_PER_CONF);
}

AP_DECLARE_MODULE(fcgiproc) = {
    STANDARD20_MODULE_STUFF,
    fcgp_conf_create_dir,
    fcgp_conf_merge_dir,
    fcgp_conf_create_srv,
    fcgp_conf_merge_srv,
    fcgp_conf_cmds,
    fcgp_register_hooks,
    AP_MODULE_FLAG_ALWAYS_MERGE
};
