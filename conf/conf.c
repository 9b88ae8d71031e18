/* conf.c: directives, defaults, merging and startup checks.
 *
 * Numeric directives are rows of one table (fcgp_directives); a directive's
 * command_rec entry points at its row, so one setter serves them all and an
 * alias (a later mod_fcgid-compatible name) is one more AP_INIT line with
 * the same row.  Errors name the directive; httpd adds the file and line. */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_file_info.h>
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "unixd.h"
#include "fcgp_log.h"
#include "conf/conf.h"
#include "conf/conf_parse.h"

APLOG_USE_MODULE(fcgiproc);

extern module AP_MODULE_DECLARE_DATA fcgiproc_module;

typedef enum { KIND_COUNT, KIND_TIME, KIND_BYTES } kind_e;

typedef struct {
    fcgp_conf_idx_e idx;
    const char *name;
    kind_e kind;
    int global_only;
    apr_int64_t min, max, def;  /* seconds for KIND_TIME */
} fcgp_directive_t;

#define SEC(n) ((apr_int64_t)(n))
#define GIB ((apr_int64_t)1024 * 1024 * 1024)

/* Defaults are chosen to outlast PHP's own limits and to fail loudly, not
 * silently: see the README's directive table. */
static const fcgp_directive_t fcgp_directives[FCGP_C_NUM] = {
    {FCGP_C_MAX_PROCS, "FcgiProcMaxProcesses", KIND_COUNT, 1,
     1, 100000, 1000},
    {FCGP_C_MAX_PROCS_CLASS, "FcgiProcMaxProcessesPerClass", KIND_COUNT, 0,
     1, 100000, 100},
    {FCGP_C_MIN_PROCS_CLASS, "FcgiProcMinProcessesPerClass", KIND_COUNT, 0,
     0, 100000, 1},
    {FCGP_C_MAX_REQUESTS, "FcgiProcMaxRequestsPerProcess", KIND_COUNT, 0,
     0, 2000000000, 0},
    {FCGP_C_APP_MAX_REQUESTS, "FcgiProcAppMaxRequests", KIND_COUNT, 0,
     0, 2000000000, 0},
    {FCGP_C_IDLE_TIMEOUT, "FcgiProcIdleTimeout", KIND_TIME, 0,
     0, SEC(86400 * 365), SEC(300)},
    {FCGP_C_LIFETIME, "FcgiProcProcessLifeTime", KIND_TIME, 0,
     0, SEC(86400 * 365), SEC(3600)},
    {FCGP_C_CONNECT_TIMEOUT, "FcgiProcConnectTimeout", KIND_TIME, 0,
     1, SEC(3600), SEC(3)},
    {FCGP_C_IO_TIMEOUT, "FcgiProcIOTimeout", KIND_TIME, 0,
     1, SEC(86400), SEC(300)},
    {FCGP_C_BUSY_TIMEOUT, "FcgiProcBusyTimeout", KIND_TIME, 0,
     1, SEC(86400 * 7), SEC(600)},
    {FCGP_C_QUEUE_TIMEOUT, "FcgiProcQueueTimeout", KIND_TIME, 0,
     0, SEC(3600), SEC(30)},
    {FCGP_C_MAX_REQUEST_LEN, "FcgiProcMaxRequestLen", KIND_BYTES, 0,
     0, (apr_int64_t)1 << 62, GIB},
    {FCGP_C_KILL_TIMEOUT, "FcgiProcKillTimeout", KIND_TIME, 0,
     0, SEC(3600), SEC(3)},
    /* mod_fcgid's FcgidMaxRequestInMem and its default */
    {FCGP_C_MAX_REQUEST_IN_MEM, "FcgiProcMaxRequestInMem", KIND_BYTES, 0,
     0, GIB, 65536},
};

apr_int64_t fcgp_conf_val(const fcgp_srv_conf_t *sc, fcgp_conf_idx_e i)
{
    const fcgp_directive_t *d = &fcgp_directives[i];
    if (sc->set[i]) {
        return sc->val[i];
    }
    return d->kind == KIND_TIME ? apr_time_from_sec(d->def) : d->def;
}

static const char *set_numeric(cmd_parms *cmd, void *dummy, const char *arg)
{
    const fcgp_directive_t *d = cmd->info;
    fcgp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                               &fcgiproc_module);
    apr_int64_t v;
    const char *err;

    if (d->global_only
        && (err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) != NULL) {
        return err;
    }
    switch (d->kind) {
    case KIND_TIME: {
        apr_interval_time_t t;
        if (!apr_isdigit(*arg)
            || ap_timeout_parameter_parse(arg, &t, "s") != APR_SUCCESS
            || t < 0) {
            return apr_psprintf(cmd->pool, "%s: '%s' is not a time (seconds, "
                                "or a number with ms, s, mi or h)",
                                cmd->cmd->name, arg);
        }
        if (t < apr_time_from_sec(d->min) && !(d->min == 1 && t > 0)) {
            return apr_psprintf(cmd->pool, "%s: %s is too short; use at "
                                "least %" APR_INT64_T_FMT " s",
                                cmd->cmd->name, arg, d->min);
        }
        if (t > apr_time_from_sec(d->max)) {
            return apr_psprintf(cmd->pool, "%s: %s is too long; use at most "
                                "%" APR_INT64_T_FMT " s", cmd->cmd->name,
                                arg, d->max);
        }
        v = t;
        break;
    }
    case KIND_BYTES:
        err = fcgp_parse_bytes(cmd->pool, cmd->cmd->name, arg, d->min,
                               d->max, &v);
        if (err) {
            return err;
        }
        break;
    case KIND_COUNT:
    default:
        err = fcgp_parse_count(cmd->pool, cmd->cmd->name, arg, d->min,
                               d->max, &v);
        if (err) {
            return err;
        }
        break;
    }
    sc->val[d->idx] = v;
    sc->set[d->idx] = 1;
    return NULL;
}

static const char *set_wrapper(cmd_parms *cmd, void *dconf, const char *cmdline,
                               const char *suffix)
{
    fcgp_dir_conf_t *dc = dconf;
    fcgp_wrapper_t *w;
    const char *err;
    int argc;
    const char **argv;

    err = fcgp_parse_command(cmd->pool, cmd->cmd->name, cmdline, 1, &argc,
                             &argv);
    if (err) {
        return err;
    }
    if (suffix && suffix[0] != '.') {
        return apr_psprintf(cmd->pool, "%s: the suffix '%s' must start with "
                            "a dot, e.g. .php", cmd->cmd->name, suffix);
    }
    w = apr_array_push(dc->wrappers);
    w->cmdline = apr_pstrdup(cmd->pool, cmdline);
    w->argc = argc;
    w->argv = argv;
    w->suffix = suffix ? apr_pstrdup(cmd->pool, suffix) : NULL;
    w->php_cgi = fcgp_is_php_cgi(argv[0]);
    return NULL;
}

static const char *set_initial_env(cmd_parms *cmd, void *dummy,
                                   const char *name, const char *value)
{
    fcgp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                               &fcgiproc_module);
    if (!*name || strchr(name, '=')) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a variable name",
                            cmd->cmd->name, name);
    }
    if (!value) {
        /* Like mod_fcgid: pass on httpd's own value, if it has one. */
        value = getenv(name);
        if (!value) {
            value = "";
        }
    }
    APR_ARRAY_PUSH(sc->initial_env, const char *) =
        apr_pstrcat(cmd->pool, name, "=", value, NULL);
    return NULL;
}

/* "Directive (file:line)", for startup checks that run after parsing. */
static const char *where_set(cmd_parms *cmd)
{
    return apr_psprintf(cmd->pool, "%s (%s:%d)", cmd->cmd->name,
                        cmd->directive->filename, cmd->directive->line_num);
}

static const char *set_ipc_dir(cmd_parms *cmd, void *dummy, const char *arg)
{
    fcgp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                               &fcgiproc_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) {
        return err;
    }
    sc->ipc_dir = ap_runtime_dir_relative(cmd->pool, arg);
    sc->ipc_dir_where = where_set(cmd);
    if (!sc->ipc_dir) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, arg);
    }
    /* sun_path holds 108 bytes; leave room for "/w<pid>-<n>.sock". */
    if (strlen(sc->ipc_dir) > 80) {
        return apr_psprintf(cmd->pool, "%s: '%s' is too long for unix "
                            "socket paths (at most 80 characters)",
                            cmd->cmd->name, sc->ipc_dir);
    }
    return NULL;
}

/* Checked at post_config (fcgp_conf_finalize), once User is known. */
static const char *set_spool_dir(cmd_parms *cmd, void *dummy, const char *arg)
{
    fcgp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                               &fcgiproc_module);
    sc->spool_dir = ap_server_root_relative(cmd->pool, arg);
    if (!sc->spool_dir) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, arg);
    }
    sc->spool_dir_where = where_set(cmd);
    return NULL;
}

/* httpd needs the name in the command_rec itself; keep the table and the
 * names in step with fcgp_directives (checked in fcgp_conf_finalize). */
#define NUMERIC_NAMED(name, idx, where, help) \
    AP_INIT_TAKE1(name, set_numeric, (void *)&fcgp_directives[idx], where, \
                  help)

const command_rec fcgp_conf_cmds[] = {
    AP_INIT_TAKE12("FcgiProcWrapper", set_wrapper, NULL,
                   RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                   "command line of the FastCGI application that runs "
                   "files with this suffix (e.g. /usr/bin/php-cgi .php)"),
    AP_INIT_TAKE12("FcgiProcInitialEnv", set_initial_env, NULL, RSRC_CONF,
                   "an environment variable for the application's "
                   "processes: NAME [value]"),
    AP_INIT_TAKE1("FcgiProcIPCDir", set_ipc_dir, NULL, RSRC_CONF,
                  "directory for the process manager's and workers' "
                  "sockets (default: <runtime dir>/fcgiproc)"),
    NUMERIC_NAMED("FcgiProcMaxProcesses", FCGP_C_MAX_PROCS, RSRC_CONF,
                  "most application processes in all (default 1000)"),
    NUMERIC_NAMED("FcgiProcMaxProcessesPerClass", FCGP_C_MAX_PROCS_CLASS,
                  RSRC_CONF, "most processes per application (default 100)"),
    NUMERIC_NAMED("FcgiProcMinProcessesPerClass", FCGP_C_MIN_PROCS_CLASS,
                  RSRC_CONF, "processes kept when idle (default 1)"),
    NUMERIC_NAMED("FcgiProcMaxRequestsPerProcess", FCGP_C_MAX_REQUESTS,
                  RSRC_CONF, "retire a process after this many requests; "
                  "0 = only the application's own limit (default 0)"),
    NUMERIC_NAMED("FcgiProcAppMaxRequests", FCGP_C_APP_MAX_REQUESTS,
                  RSRC_CONF, "the application exits by itself after this "
                  "many requests; we retire it first (default 0 = unknown)"),
    NUMERIC_NAMED("FcgiProcIdleTimeout", FCGP_C_IDLE_TIMEOUT, RSRC_CONF,
                  "retire a process idle this long (default 300 s)"),
    NUMERIC_NAMED("FcgiProcProcessLifeTime", FCGP_C_LIFETIME, RSRC_CONF,
                  "retire a process this old once idle (default 3600 s)"),
    NUMERIC_NAMED("FcgiProcConnectTimeout", FCGP_C_CONNECT_TIMEOUT,
                  RSRC_CONF, "connect to a process (default 3 s)"),
    NUMERIC_NAMED("FcgiProcIOTimeout", FCGP_C_IO_TIMEOUT, RSRC_CONF,
                  "most time between two reads or writes (default 300 s)"),
    NUMERIC_NAMED("FcgiProcBusyTimeout", FCGP_C_BUSY_TIMEOUT, RSRC_CONF,
                  "most time for a whole request (default 600 s)"),
    NUMERIC_NAMED("FcgiProcQueueTimeout", FCGP_C_QUEUE_TIMEOUT, RSRC_CONF,
                  "wait this long for a free process, then 503 "
                  "(default 30 s)"),
    NUMERIC_NAMED("FcgiProcMaxRequestLen", FCGP_C_MAX_REQUEST_LEN, RSRC_CONF,
                  "largest request body, then 413 (default 1G)"),
    NUMERIC_NAMED("FcgiProcKillTimeout", FCGP_C_KILL_TIMEOUT, RSRC_CONF,
                  "SIGKILL a retiring process this long after SIGTERM "
                  "(default 3 s)"),
    NUMERIC_NAMED("FcgiProcMaxRequestInMem", FCGP_C_MAX_REQUEST_IN_MEM,
                  RSRC_CONF, "request bodies up to this size are read into "
                  "memory before a process is taken (default 64K)"),
    AP_INIT_TAKE1("FcgiProcSpoolDir", set_spool_dir, NULL, RSRC_CONF,
                  "directory for chunked request bodies larger than "
                  "FcgiProcMaxRequestInMem (default: the temporary "
                  "directory, $TMPDIR or /tmp)"),
    /* ---- authorizer roles (conf_roles.c): FcgiProc*, then mod_fcgid's
     * Fcgid* and deprecated FastCgi* names for the same setters. ---- */
#define ROLE_APP(name, phase, help) \
    AP_INIT_TAKE1(name, fcgp_roles_set_app, (void *)(phase), \
                  ACCESS_CONF | OR_FILEINFO, help)
#define ROLE_FLAG(name, phase, help) \
    AP_INIT_FLAG(name, fcgp_roles_set_authoritative, (void *)(phase), \
                 ACCESS_CONF | OR_FILEINFO, help)
    ROLE_APP("FcgiProcAuthenticator", FCGP_PHASE_AUTHN,
             "command line of a FastCGI app that checks Basic credentials"),
    ROLE_FLAG("FcgiProcAuthenticatorAuthoritative", FCGP_PHASE_AUTHN,
              "Off: when the authenticator denies or fails, other modules "
              "decide (default On)"),
    ROLE_APP("FcgiProcAuthorizer", FCGP_PHASE_AUTHZ,
             "command line of a FastCGI app that decides whether the user "
             "may have the resource"),
    ROLE_FLAG("FcgiProcAuthorizerAuthoritative", FCGP_PHASE_AUTHZ,
              "Off: when the authorizer denies or fails, other modules "
              "decide (default On)"),
    ROLE_APP("FcgiProcAccessChecker", FCGP_PHASE_ACCESS,
             "command line of a FastCGI app that decides access before "
             "authentication"),
    ROLE_FLAG("FcgiProcAccessCheckerAuthoritative", FCGP_PHASE_ACCESS,
              "Off: when the access checker denies or fails, other modules "
              "decide (default On)"),
    ROLE_APP("FcgidAuthenticator", FCGP_PHASE_AUTHN,
             "same as FcgiProcAuthenticator"),
    ROLE_FLAG("FcgidAuthenticatorAuthoritative", FCGP_PHASE_AUTHN,
              "same as FcgiProcAuthenticatorAuthoritative"),
    ROLE_APP("FcgidAuthorizer", FCGP_PHASE_AUTHZ,
             "same as FcgiProcAuthorizer"),
    ROLE_FLAG("FcgidAuthorizerAuthoritative", FCGP_PHASE_AUTHZ,
              "same as FcgiProcAuthorizerAuthoritative"),
    ROLE_APP("FcgidAccessChecker", FCGP_PHASE_ACCESS,
             "same as FcgiProcAccessChecker"),
    ROLE_FLAG("FcgidAccessCheckerAuthoritative", FCGP_PHASE_ACCESS,
              "same as FcgiProcAccessCheckerAuthoritative"),
    ROLE_APP("FastCgiAuthenticator", FCGP_PHASE_AUTHN,
             "same as FcgiProcAuthenticator"),
    ROLE_FLAG("FastCgiAuthenticatorAuthoritative", FCGP_PHASE_AUTHN,
              "same as FcgiProcAuthenticatorAuthoritative"),
    ROLE_APP("FastCgiAuthorizer", FCGP_PHASE_AUTHZ,
             "same as FcgiProcAuthorizer"),
    ROLE_FLAG("FastCgiAuthorizerAuthoritative", FCGP_PHASE_AUTHZ,
              "same as FcgiProcAuthorizerAuthoritative"),
    ROLE_APP("FastCgiAccessChecker", FCGP_PHASE_ACCESS,
             "same as FcgiProcAccessChecker"),
    ROLE_FLAG("FastCgiAccessCheckerAuthoritative", FCGP_PHASE_ACCESS,
              "same as FcgiProcAccessCheckerAuthoritative"),
#undef ROLE_FLAG
#undef ROLE_APP
    /* ---- end of authorizer roles ---- */
    {NULL}
};

void *fcgp_conf_create_dir(apr_pool_t *p, char *dir)
{
    fcgp_dir_conf_t *dc = apr_pcalloc(p, sizeof(*dc));
    dc->wrappers = apr_array_make(p, 2, sizeof(fcgp_wrapper_t));
    fcgp_roles_init(&dc->roles);
    return dc;
}

void *fcgp_conf_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    fcgp_dir_conf_t *base = basev, *add = addv;
    fcgp_dir_conf_t *dc = apr_pcalloc(p, sizeof(*dc));
    /* Inner sections come last, and the last match wins. */
    dc->wrappers = apr_array_append(p, base->wrappers, add->wrappers);
    fcgp_roles_merge(&dc->roles, &base->roles, &add->roles);
    return dc;
}

void *fcgp_conf_create_srv(apr_pool_t *p, server_rec *s)
{
    fcgp_srv_conf_t *sc = apr_pcalloc(p, sizeof(*sc));
    sc->initial_env = apr_array_make(p, 4, sizeof(const char *));
    return sc;
}

void *fcgp_conf_merge_srv(apr_pool_t *p, void *basev, void *addv)
{
    fcgp_srv_conf_t *base = basev, *add = addv;
    fcgp_srv_conf_t *sc = apr_pcalloc(p, sizeof(*sc));
    int i;
    /* A virtual host inherits every value it does not set itself, never a
     * compile-time default (mod_fcgid's FcgidCmdOptions trap). */
    for (i = 0; i < FCGP_C_NUM; i++) {
        sc->set[i] = add->set[i] || base->set[i];
        sc->val[i] = add->set[i] ? add->val[i] : base->val[i];
    }
    sc->initial_env = apr_array_append(p, base->initial_env,
                                       add->initial_env);
    sc->ipc_dir = base->ipc_dir;
    sc->ipc_dir_where = base->ipc_dir_where;
    sc->spool_dir = add->spool_dir ? add->spool_dir : base->spool_dir;
    sc->spool_dir_where = add->spool_dir ? add->spool_dir_where
                                         : base->spool_dir_where;
    return sc;
}

const fcgp_wrapper_t *fcgp_conf_wrapper_for(const fcgp_dir_conf_t *dc,
                                            const char *filename)
{
    const fcgp_wrapper_t *w = (const fcgp_wrapper_t *)dc->wrappers->elts;
    apr_size_t flen = strlen(filename);
    int i;
    for (i = dc->wrappers->nelts - 1; i >= 0; i--) {
        const char *sfx = w[i].suffix;
        if (!sfx) {
            return &w[i];
        }
        if (flen >= strlen(sfx)
            && strcasecmp(filename + flen - strlen(sfx), sfx) == 0) {
            return &w[i];
        }
    }
    return NULL;
}

static void resolve_limits(const fcgp_srv_conf_t *sc, int php_cgi,
                           fcgp_app_limits_t *l)
{
    fcgp_limit_source_e src;
    l->max_procs = (apr_uint32_t)fcgp_conf_val(sc, FCGP_C_MAX_PROCS_CLASS);
    l->min_procs = (apr_uint32_t)fcgp_conf_val(sc, FCGP_C_MIN_PROCS_CLASS);
    if (l->min_procs > l->max_procs) {
        l->min_procs = l->max_procs;
    }
    l->max_requests = fcgp_effective_limit(
        fcgp_conf_val(sc, FCGP_C_MAX_REQUESTS),
        fcgp_conf_val(sc, FCGP_C_APP_MAX_REQUESTS), sc->php_max_requests,
        php_cgi, &src);
    l->limit_source = src;
    l->idle_timeout = fcgp_conf_val(sc, FCGP_C_IDLE_TIMEOUT);
    l->lifetime = fcgp_conf_val(sc, FCGP_C_LIFETIME);
    l->queue_timeout = fcgp_conf_val(sc, FCGP_C_QUEUE_TIMEOUT);
    l->kill_timeout = fcgp_conf_val(sc, FCGP_C_KILL_TIMEOUT);
}

const fcgp_app_limits_t *fcgp_conf_limits(const fcgp_srv_conf_t *sc,
                                          int php_cgi)
{
    return &sc->limits[php_cgi ? 1 : 0];
}

/* Base environment of every app process: nothing leaks from httpd's. */
static const char *const base_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
};

static void build_env(apr_pool_t *p, fcgp_srv_conf_t *sc)
{
    apr_array_header_t *env = apr_array_make(p, 8, sizeof(const char *));
    const char **ie = (const char **)sc->initial_env->elts;
    apr_size_t i;
    int j, k;

    for (i = 0; i < sizeof(base_env) / sizeof(base_env[0]); i++) {
        APR_ARRAY_PUSH(env, const char *) = base_env[i];
    }
    /* A later FcgiProcInitialEnv of the same name replaces the earlier. */
    for (j = 0; j < sc->initial_env->nelts; j++) {
        apr_size_t nlen = strchr(ie[j], '=') - ie[j] + 1;
        const char **e = (const char **)env->elts;
        for (k = 0; k < env->nelts; k++) {
            if (strncmp(e[k], ie[j], nlen) == 0) {
                break;
            }
        }
        if (k < env->nelts) {
            e[k] = ie[j];
        }
        else {
            APR_ARRAY_PUSH(env, const char *) = ie[j];
        }
    }
    sc->envc = env->nelts;
    APR_ARRAY_PUSH(env, const char *) = NULL;
    sc->env = (const char **)env->elts;
    sc->php_max_requests = NULL;
    for (k = 0; k < sc->envc; k++) {
        if (strncmp(sc->env[k], "PHP_FCGI_MAX_REQUESTS=", 22) == 0) {
            sc->php_max_requests = sc->env[k] + 22;
        }
    }
    /* php-cgi is told the limit we retire it at, unless the admin said. */
    sc->php_envc = sc->envc;
    sc->php_env = sc->env;
    resolve_limits(sc, 0, &sc->limits[0]);
    resolve_limits(sc, 1, &sc->limits[1]);
    if (!sc->php_max_requests) {
        const char **pe = apr_palloc(p, (sc->envc + 2) * sizeof(*pe));
        memcpy(pe, sc->env, sc->envc * sizeof(*pe));
        pe[sc->envc] = apr_psprintf(p, "PHP_FCGI_MAX_REQUESTS=%u",
                                    sc->limits[1].max_requests);
        pe[sc->envc + 1] = NULL;
        sc->php_envc = sc->envc + 1;
        sc->php_env = pe;
    }
}

void fcgp_conf_env(const fcgp_srv_conf_t *sc, int php_cgi,
                   int *envc, const char *const **env)
{
    *envc = php_cgi ? sc->php_envc : sc->envc;
    *env = php_cgi ? sc->php_env : sc->env;
}

static void warn_env(server_rec *s, fcgp_srv_conf_t *sc)
{
    int k;
    for (k = 0; k < sc->envc; k++) {
        if (strncmp(sc->env[k], "PHP_FCGI_CHILDREN=", 18) == 0
            && atoi(sc->env[k] + 18) > 0) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, FCGP_LOGNO(01001)
                         "FcgiProcInitialEnv %s (server %s:%u): php-cgi "
                         "would fork that many children behind one socket, "
                         "but we send one request at a time to each process, "
                         "so only one child would ever be used.  Remove it "
                         "and raise FcgiProcMaxProcessesPerClass instead",
                         sc->env[k], s->server_hostname, s->port);
        }
    }
    if (sc->php_max_requests && sc->set[FCGP_C_MAX_REQUESTS]
        && atoi(sc->php_max_requests) > 0
        && sc->val[FCGP_C_MAX_REQUESTS] > atoi(sc->php_max_requests)) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, FCGP_LOGNO(01002)
                     "FcgiProcMaxRequestsPerProcess %" APR_INT64_T_FMT
                     " is above PHP_FCGI_MAX_REQUESTS %s (server %s:%u): "
                     "php-cgi's processes are retired after %s requests",
                     sc->val[FCGP_C_MAX_REQUESTS], sc->php_max_requests,
                     s->server_hostname, s->port, sc->php_max_requests);
    }
}

/* Is gid one of the httpd User's groups (as initgroups gives them)? */
static int user_in_group(apr_pool_t *p, gid_t gid)
{
    int n = 64, i;
    gid_t *groups = apr_palloc(p, n * sizeof(gid_t));
    if (gid == ap_unixd_config.group_id) {
        return 1;
    }
    if (getgrouplist(ap_unixd_config.user_name, ap_unixd_config.group_id,
                     groups, &n) < 0) {
        groups = apr_palloc(p, n * sizeof(gid_t));
        if (getgrouplist(ap_unixd_config.user_name,
                         ap_unixd_config.group_id, groups, &n) < 0) {
            return 0;
        }
    }
    for (i = 0; i < n; i++) {
        if (groups[i] == gid) {
            return 1;
        }
    }
    return 0;
}

/* May the httpd User create files in dir (by its mode bits)? */
static int user_may_write(apr_pool_t *p, const char *dir,
                          const struct stat *st)
{
    mode_t m = st->st_mode;
    if (geteuid() != 0) {
        return access(dir, W_OK | X_OK) == 0;   /* we are that User */
    }
    if (ap_unixd_config.user_id == 0) {
        return 1;
    }
    if (st->st_uid == ap_unixd_config.user_id) {
        return (m & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR);
    }
    if (user_in_group(p, st->st_gid)) {
        return (m & (S_IWGRP | S_IXGRP)) == (S_IWGRP | S_IXGRP);
    }
    return (m & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

/* FcgiProcSpoolDir (or the temporary directory) must be a directory the
 * httpd User can create files in: a chunked body larger than
 * FcgiProcMaxRequestInMem is spooled there. */
static int check_spool_dir(apr_pool_t *p, server_rec *s, fcgp_srv_conf_t *sc)
{
    struct stat st;
    const char *why = NULL;

    if (!sc->spool_dir) {
        if (apr_temp_dir_get(&sc->spool_dir, p) != APR_SUCCESS) {
            sc->spool_dir = "/tmp";
        }
        sc->spool_dir_where = "FcgiProcSpoolDir (default: the temporary "
                              "directory)";
    }
    if (stat(sc->spool_dir, &st) != 0) {
        why = apr_psprintf(p, "cannot be used (%s)", strerror(errno));
    }
    else if (!S_ISDIR(st.st_mode)) {
        why = "is not a directory";
    }
    else if (!user_may_write(p, sc->spool_dir, &st)) {
        why = apr_psprintf(p, "is not writable by the httpd User %s (owner "
                           "uid %d, mode %04o)", ap_unixd_config.user_name,
                           (int)st.st_uid, (unsigned)(st.st_mode & 07777));
    }
    if (why) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, FCGP_LOGNO(01005)
                     "%s: %s %s; chunked request bodies larger than "
                     "FcgiProcMaxRequestInMem are spooled there (server %s)",
                     sc->spool_dir_where, sc->spool_dir, why, sc->vhost);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

int fcgp_conf_finalize(apr_pool_t *p, server_rec *main_s,
                       fcgp_pm_settings_t *settings)
{
    fcgp_srv_conf_t *msc = ap_get_module_config(main_s->module_config,
                                                &fcgiproc_module);
    apr_array_header_t *profiles;
    server_rec *s;
    int i;

    for (i = 0; fcgp_conf_cmds[i].name; i++) {
        const fcgp_directive_t *d = fcgp_conf_cmds[i].cmd_data;
        if (fcgp_conf_cmds[i].func.take1 == set_numeric
            && strcasecmp(d->name, fcgp_conf_cmds[i].name) != 0) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, main_s, FCGP_LOGNO(01003)
                         "internal error: directive %s is bound to %s",
                         fcgp_conf_cmds[i].name, d->name);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    if (!msc->ipc_dir) {
        msc->ipc_dir = ap_runtime_dir_relative(p, "fcgiproc");
        msc->ipc_dir_where = "FcgiProcIPCDir (default)";
    }
    settings->ipc_dir = msc->ipc_dir;
    settings->ipc_dir_where = msc->ipc_dir_where;
    settings->max_procs = (apr_uint32_t)fcgp_conf_val(msc, FCGP_C_MAX_PROCS);
    settings->kill_timeout = fcgp_conf_val(msc, FCGP_C_KILL_TIMEOUT);
    settings->orphan_pgid = 0;
    profiles = apr_array_make(p, 8, sizeof(fcgp_app_profile_t));
    for (s = main_s; s; s = s->next) {
        fcgp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                                   &fcgiproc_module);
        int php;
        sc->ipc_dir = msc->ipc_dir;
        sc->pm_path = apr_pstrcat(p, msc->ipc_dir, "/pm.sock", NULL);
        sc->vhost = apr_psprintf(p, "%s:%u", s->server_hostname
                                 ? s->server_hostname : "", s->port);
        build_env(p, sc);
        warn_env(s, sc);
        for (php = 0; php < 2; php++) {
            fcgp_app_profile_t *pr = apr_array_push(profiles);
            pr->vhost = sc->vhost;
            fcgp_conf_env(sc, php, &pr->envc, &pr->env);
            pr->limits = *fcgp_conf_limits(sc, php);
        }
        if (check_spool_dir(p, s, sc) != OK) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (fcgp_conf_val(sc, FCGP_C_MIN_PROCS_CLASS)
            > fcgp_conf_val(sc, FCGP_C_MAX_PROCS_CLASS)) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, FCGP_LOGNO(01004)
                         "FcgiProcMinProcessesPerClass %" APR_INT64_T_FMT
                         " is above FcgiProcMaxProcessesPerClass %"
                         APR_INT64_T_FMT " (server %s defined at %s:%d)",
                         fcgp_conf_val(sc, FCGP_C_MIN_PROCS_CLASS),
                         fcgp_conf_val(sc, FCGP_C_MAX_PROCS_CLASS),
                         sc->vhost, s->defn_name ? s->defn_name : "?",
                         s->defn_line_number);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    settings->nprofiles = profiles->nelts;
    settings->profiles = (const fcgp_app_profile_t *)profiles->elts;
    return OK;
}
