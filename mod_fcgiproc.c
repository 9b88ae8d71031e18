/* mod_fcgiproc.c: the module records and their hooks.  The only file that
 * sees every part: conf/ resolves the configuration, pm/ starts the
 * process manager with the plain values conf/ fills in, and handler/
 * serves requests.
 *
 * One .so, three identities: loaded as fcgiproc_module it is mod_fcgiproc;
 * loaded as fcgid_module (module name "mod_fcgid.c") it takes mod_fcgid's
 * place, so that <IfModule mod_fcgid.c> and <IfModule fcgid_module> are
 * true and a mod_fcgid configuration loads unchanged; loaded as
 * fastcgi_module (module name "mod_fastcgi.c") it takes mod_fastcgi's.
 * The records share the directive table and the hooks; fcgp_module
 * (conf.h) is the one httpd loaded, and only one may be. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <string.h>
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "ap_mpm.h"
#include "mod_status.h"
#include "fcgp_log.h"
#include "conf/conf.h"
#include "pm/pm_boot.h"
#include "pm/pm.h"
#include "handler/fcgiproc_handler.h"

FCGP_LOG_MODULE;

/* Built with -fvisibility=hidden: the module records are our exports. */
#define FCGP_EXPORT __attribute__((visibility("default")))
extern module AP_MODULE_DECLARE_DATA FCGP_EXPORT fcgiproc_module;
extern module AP_MODULE_DECLARE_DATA FCGP_EXPORT fcgid_module;
extern module AP_MODULE_DECLARE_DATA FCGP_EXPORT fastcgi_module;

static void fcgiproc_register_hooks(apr_pool_t *p);
static void fcgid_register_hooks(apr_pool_t *p);
static void fastcgi_register_hooks(apr_pool_t *p);

/* One record per identity, the same but for the module name and the
 * hooks that register it (register_as). */
#define FCGP_RECORD(sym, modname, hooks) \
    module AP_MODULE_DECLARE_DATA sym = { \
        MODULE_MAGIC_NUMBER_MAJOR, MODULE_MAGIC_NUMBER_MINOR, -1, \
        modname, NULL, NULL, MODULE_MAGIC_COOKIE, NULL, \
        fcgp_conf_create_dir, fcgp_conf_merge_dir, \
        fcgp_conf_create_srv, fcgp_conf_merge_srv, \
        fcgp_conf_cmds, hooks, AP_MODULE_FLAG_ALWAYS_MERGE \
    }

FCGP_RECORD(fcgiproc_module, "mod_fcgiproc.c", fcgiproc_register_hooks);

/* mod_fcgid's identity: its module name is what <IfModule mod_fcgid.c>
 * and ap_find_linked_module() look for. */
FCGP_RECORD(fcgid_module, "mod_fcgid.c", fcgid_register_hooks);

/* mod_fastcgi's identity ("mod_fastcgi.c"), for its configurations:
 * FastCgiServer, FastCgiExternalServer, FastCgiConfig, the handler
 * fastcgi-script. */
FCGP_RECORD(fastcgi_module, "mod_fastcgi.c", fastcgi_register_hooks);

/* Our own names for the records.  APR loads modules RTLD_GLOBAL, so with
 * the real mod_fcgid (or mod_fastcgi) loaded first, "fcgid_module" in this
 * file would be its record; these hidden aliases always mean ours. */
#define FCGP_SELF(name) \
    extern module fcgp_##name##_rec \
        __attribute__((alias(#name "_module"), visibility("hidden")))
FCGP_SELF(fcgiproc);
FCGP_SELF(fcgid);
FCGP_SELF(fastcgi);

module *fcgp_module;            /* the identity httpd loaded us as */
int fcgp_log_index = APLOG_NO_MODULE;
static module *fcgp_second;     /* a second identity that was loaded too */

/* The file a module record was loaded from, for the double-load error. */
static const char *so_of(const void *sym)
{
    Dl_info info;
    if (sym && dladdr(sym, &info) && info.dli_fname) {
        return info.dli_fname;
    }
    return "?";
}

static int is_ours(const module *m)
{
    return m == &fcgp_fcgiproc_rec || m == &fcgp_fcgid_rec
           || m == &fcgp_fastcgi_rec;
}

static const char *symbol_of(const module *m)
{
    return m == &fcgp_fcgid_rec ? "fcgid_module"
         : m == &fcgp_fcgiproc_rec ? "fcgiproc_module"
         : m == &fcgp_fastcgi_rec ? "fastcgi_module"
         : strcmp(m->name, "mod_fastcgi.c") == 0
           ? "fastcgi_module (the real mod_fastcgi)"
         : strcmp(m->name, "mod_fcgid.c") == 0
           ? "fcgid_module (the real mod_fcgid)"
         : "fcgiproc_module (another copy of mod_fcgiproc)";
}

/* The real mod_fcgid or mod_fastcgi (or another copy of us), loaded
 * beside us; NULL when none is. */
static module *a_rival(void)
{
    module *m;
    for (m = ap_top_module; m; m = m->next) {
        if (!is_ours(m) && (strcmp(m->name, "mod_fcgid.c") == 0
                            || strcmp(m->name, "mod_fastcgi.c") == 0
                            || strcmp(m->name, "mod_fcgiproc.c") == 0)) {
            return m;
        }
    }
    return NULL;
}

/* Two of us, or us beside the real mod_fcgid or mod_fastcgi, would each
 * run a process manager and fight over the same directives: httpd does
 * not start.  Also registers our section of /server-status: mod_status's
 * optional hook (a no-op when mod_status is not loaded; loaded before or
 * after us alike), at each pre_config as mod_fcgid does. */
static int fcgp_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    module *other = fcgp_second ? fcgp_second : a_rival();

    APR_OPTIONAL_HOOK(ap, status_hook, fcgp_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);

    if (other) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                     FCGP_LOGNO(04020) "mod_fcgiproc is loaded as %s from "
                     "%s, and %s is loaded from %s as well: keep one of the "
                     "two LoadModule lines (LoadModule fcgid_module %s "
                     "takes over mod_fcgid's configuration, LoadModule "
                     "fastcgi_module %s mod_fastcgi's)",
                     symbol_of(fcgp_module), so_of(fcgp_module),
                     symbol_of(other), so_of(other), so_of(fcgp_module),
                     so_of(fcgp_module));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static int fcgp_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    fcgp_pm_settings_t settings;
    int st;

    if ((st = fcgp_conf_finalize(pconf, s, &settings)) != OK) {
        return st;
    }
    /* The first pass only checks the configuration; "-t" never serves. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG
        || ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_NORMAL) {
        return OK;
    }
    if (fcgp_pm_boot(pconf, s, &settings, FCGP_SRV(s)->pm_path)
        != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static void fcgp_child_init(apr_pool_t *pchild, server_rec *s)
{
    int threads = 1;
    apr_status_t rv;

    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    rv = fcgp_pm_child_init(pchild, FCGP_SRV(s)->pm_path,
                            threads > 0 ? threads : 1);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, FCGP_LOGNO(04009)
                     "cannot keep connections to the process manager; "
                     "connecting for each request instead");
    }
}

static apr_status_t forget_identity(void *unused)
{
    fcgp_module = NULL;
    fcgp_second = NULL;
    fcgp_log_index = APLOG_NO_MODULE;
    return APR_SUCCESS;
}

/* Called by httpd as it loads a record (LoadModule), before any of our
 * directives is read.  The first identity loaded is ours; a second one
 * is remembered for fcgp_pre_config to refuse. */
static void register_as(module *m, apr_pool_t *p)
{
    if (fcgp_module) {
        fcgp_second = m;
        return;
    }
    fcgp_module = m;
    fcgp_log_index = m->module_index;
    apr_pool_cleanup_register(p, NULL, forget_identity,
                              apr_pool_cleanup_null);
    ap_hook_pre_config(fcgp_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(fcgp_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(fcgp_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(fcgp_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(fcgp_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(fcgp_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(fcgp_ready_handler, NULL, NULL, APR_HOOK_MIDDLE);
    /* The authenticator sits where mod_fcgid's does: among the other
     * authentication modules in LoadModule order (Debian loads
     * mod_auth_basic first; with AuthBasicAuthoritative Off it passes the
     * users it does not know on to us, as under mod_fcgid). */
    ap_hook_check_authn(fcgp_role_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authz(fcgp_role_authz, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_access(fcgp_role_access, NULL, NULL, APR_HOOK_MIDDLE,
                         AP_AUTH_INTERNAL_PER_CONF);
}

static void fcgiproc_register_hooks(apr_pool_t *p)
{
    register_as(&fcgp_fcgiproc_rec, p);
}

static void fcgid_register_hooks(apr_pool_t *p)
{
    register_as(&fcgp_fcgid_rec, p);
}

static void fastcgi_register_hooks(apr_pool_t *p)
{
    register_as(&fcgp_fastcgi_rec, p);
}

