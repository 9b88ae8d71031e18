/* conf_finalize.c: post_config.  Resolves what each command runs with on
 * each server (environment, class limits, timeouts: the server's
 * directives, with a command's FcgiProcCmdOptions over them), checks the
 * values against each other and the file system, says once what a
 * switching mod_fcgid admin should know, and fills the PM's settings. */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_file_info.h>
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_core.h"
#include "http_main.h"
#include "http_request.h"
#include "unixd.h"
#include "fcgp_log.h"
#include "conf/conf.h"
#include "conf/conf_internal.h"
#include "conf/conf_parse.h"
#include "pm/policy.h"

FCGP_LOG_MODULE;

/* A numeric setting: the command's option, else the server's value. */
static apr_int64_t val_for(const fcgp_srv_conf_t *sc,
                           const fcgp_cmd_opts_t *o, fcgp_conf_idx_e i)
{
    if (o && o->set[i]) {
        return o->val[i];
    }
    return fcgp_conf_val(sc, i);
}

/* Base environment of every app process: nothing leaks from httpd's. */
static const char *const base_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
};

/* Put "NAME=value" into env, replacing an entry of the same name. */
static void env_put(apr_array_header_t *env, const char *entry)
{
    apr_size_t nlen = strchr(entry, '=') - entry + 1;
    const char **e = (const char **)env->elts;
    int k;
    for (k = 0; k < env->nelts; k++) {
        if (strncmp(e[k], entry, nlen) == 0) {
            e[k] = entry;
            return;
        }
    }
    APR_ARRAY_PUSH(env, const char *) = entry;
}

void fcgp_conf_resolve_app(apr_pool_t *p, const fcgp_srv_conf_t *sc,
                           const fcgp_cmd_opts_t *o, int php_cgi,
                           fcgp_app_conf_t *a)
{
    apr_array_header_t *env = apr_array_make(p, 8, sizeof(const char *));
    fcgp_app_limits_t *l = &a->limits;
    fcgp_limit_source_e src;
    apr_size_t i;
    int j, php_children;

    for (i = 0; i < sizeof(base_env) / sizeof(base_env[0]); i++) {
        APR_ARRAY_PUSH(env, const char *) = base_env[i];
    }
    /* A later one of the same name replaces the earlier; a command's own
     * InitialEnv comes last. */
    for (j = 0; j < sc->initial_env->nelts; j++) {
        env_put(env, APR_ARRAY_IDX(sc->initial_env, j, const char *));
    }
    for (j = 0; o && j < o->initial_env->nelts; j++) {
        env_put(env, APR_ARRAY_IDX(o->initial_env, j, const char *));
    }
    a->php_max_requests = NULL;
    php_children = 0;
    for (j = 0; j < env->nelts; j++) {
        const char *e = APR_ARRAY_IDX(env, j, const char *);
        if (strncmp(e, "PHP_FCGI_MAX_REQUESTS=", 22) == 0) {
            a->php_max_requests = e + 22;
        }
        php_children |= strncmp(e, "PHP_FCGI_CHILDREN=", 18) == 0;
    }
    l->max_procs = (apr_uint32_t)val_for(sc, o, FCGP_C_MAX_PROCS_CLASS);
    l->min_procs = (apr_uint32_t)val_for(sc, o, FCGP_C_MIN_PROCS_CLASS);
    if (l->min_procs > l->max_procs) {
        l->min_procs = l->max_procs;
    }
    l->max_requests = fcgp_effective_limit(
        val_for(sc, o, FCGP_C_MAX_REQUESTS),
        val_for(sc, o, FCGP_C_APP_MAX_REQUESTS), a->php_max_requests,
        php_cgi, &src);
    l->limit_source = src;
    l->idle_timeout = val_for(sc, o, FCGP_C_IDLE_TIMEOUT);
    l->lifetime = val_for(sc, o, FCGP_C_LIFETIME);
    l->queue_timeout = val_for(sc, o, FCGP_C_QUEUE_TIMEOUT);
    l->kill_timeout = val_for(sc, o, FCGP_C_KILL_TIMEOUT);
    a->connect_timeout = val_for(sc, o, FCGP_C_CONNECT_TIMEOUT);
    a->io_timeout = val_for(sc, o, FCGP_C_IO_TIMEOUT);
    a->busy_timeout = val_for(sc, o, FCGP_C_BUSY_TIMEOUT);
    /* php-cgi is told the limit we retire it at, unless the admin said. */
    if (php_cgi && !a->php_max_requests) {
        APR_ARRAY_PUSH(env, const char *) =
            apr_psprintf(p, "PHP_FCGI_MAX_REQUESTS=%u", l->max_requests);
    }
    /* and runs in its parent mode, unless the admin said: the parent
     * keeps the listening socket and the opcode cache, and forks a warm
     * child each time the last one reached that limit (the process
     * manager renews the worker instead of starting a cold one,
     * pm/pm_view.c).  One child while one request comes at a time; when
     * more come at once, the process manager starts a pool of as many
     * children on one socket, one opcode cache (php_pools,
     * pm_add_worker). */
    l->php_pools = php_cgi && !php_children;
    if (php_cgi && !php_children) {
        APR_ARRAY_PUSH(env, const char *) = "PHP_FCGI_CHILDREN=1";
    }
    a->envc = env->nelts;
    APR_ARRAY_PUSH(env, const char *) = NULL;
    a->env = (const char **)env->elts;
}

const fcgp_app_conf_t *fcgp_conf_app(const fcgp_srv_conf_t *sc,
                                     const char *program, int php_cgi)
{
    const fcgp_app_conf_t *a;
    if (apr_hash_count(sc->cmd_apps)
        && (a = apr_hash_get(sc->cmd_apps, program, APR_HASH_KEY_STRING))) {
        return &a[php_cgi ? 1 : 0];
    }
    return &sc->app[php_cgi ? 1 : 0];
}

static void warn_env(server_rec *s, const fcgp_srv_conf_t *sc,
                     const fcgp_app_conf_t *a)
{
    int k;
    for (k = 0; k < a->envc; k++) {
        if (strncmp(a->env[k], "PHP_FCGI_CHILDREN=", 18) == 0
            && atoi(a->env[k] + 18) > 1
            && (apr_uint32_t)atoi(a->env[k] + 18) > a->limits.max_procs) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, FCGP_LOGNO(01001)
                         "FcgiProcInitialEnv %s (server %s): each php-cgi "
                         "worker is a pool of that many children on one "
                         "socket, but FcgiProcMaxProcessesPerClass %u lets "
                         "a class serve only that many requests at once: "
                         "the other children only take memory.  Lower "
                         "PHP_FCGI_CHILDREN to it, or raise "
                         "FcgiProcMaxProcessesPerClass",
                         a->env[k], sc->vhost, a->limits.max_procs);
        }
        if (strncmp(a->env[k], "PHP_FCGI_CHILDREN=", 18) == 0) {
            break;      /* getenv() finds the first */
        }
    }
    if (a->php_max_requests && sc->set[FCGP_C_MAX_REQUESTS]
        && atoi(a->php_max_requests) > 0
        && sc->val[FCGP_C_MAX_REQUESTS] > atoi(a->php_max_requests)) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, FCGP_LOGNO(01002)
                     "FcgiProcMaxRequestsPerProcess %" APR_INT64_T_FMT
                     " is above PHP_FCGI_MAX_REQUESTS %s (server %s): "
                     "php-cgi's processes are retired after %s requests",
                     sc->val[FCGP_C_MAX_REQUESTS], a->php_max_requests,
                     sc->vhost, a->php_max_requests);
    }
}

/* mod_fcgid gives an option FcgidCmdOptions leaves out its compile-time
 * default, not the server's setting; we give the server's.  Say so where
 * that makes a difference: the server set the directive, to another
 * value than mod_fcgid's default. */
static const struct {
    const char *option;
    fcgp_conf_idx_e idx;
    apr_int64_t fcgid_default;  /* seconds for times */
} fcgid_cmd_defaults[] = {
    {"ConnectTimeout", FCGP_C_CONNECT_TIMEOUT, 3},
    {"IdleTimeout", FCGP_C_IDLE_TIMEOUT, 300},
    {"IOTimeout", FCGP_C_IO_TIMEOUT, 40},
    {"MaxProcesses", FCGP_C_MAX_PROCS_CLASS, 100},
    {"MaxProcessLifetime", FCGP_C_LIFETIME, 3600},
    {"MaxRequestsPerProcess", FCGP_C_MAX_REQUESTS, 0},
    {"MinProcesses", FCGP_C_MIN_PROCS_CLASS, 3},
};

static void note_cmd_options(apr_pool_t *p, server_rec *s,
                             const fcgp_srv_conf_t *sc,
                             const fcgp_cmd_opts_t *o)
{
    const char *diff = "";
    apr_size_t i;

    for (i = 0; i < sizeof(fcgid_cmd_defaults)
                    / sizeof(fcgid_cmd_defaults[0]); i++) {
        fcgp_conf_idx_e k = fcgid_cmd_defaults[i].idx;
        apr_int64_t def = fcgid_cmd_defaults[i].fcgid_default;
        apr_int64_t ours = sc->val[k];
        if (o->set[k] || !sc->set[k]) {
            continue;
        }
        if (fcgp_directives[k].kind == KIND_TIME) {
            def = apr_time_from_sec(def);
        }
        if (ours == def) {
            continue;
        }
        diff = apr_psprintf(p, "%s%s%s %s (mod_fcgid: %" APR_INT64_T_FMT
                            "; we use the server's %" APR_INT64_T_FMT ")",
                            diff, *diff ? ", " : "",
                            fcgid_cmd_defaults[i].option,
                            fcgp_directives[k].name,
                            fcgp_directives[k].kind == KIND_TIME
                                ? apr_time_sec(def) : def,
                            fcgp_directives[k].kind == KIND_TIME
                                ? apr_time_sec(ours) : ours);
    }
    if (sc->initial_env->nelts && !o->initial_env->nelts) {
        diff = apr_psprintf(p, "%s%sInitialEnv (mod_fcgid: none of the "
                            "server's %d FcgidInitialEnv; we pass them)",
                            diff, *diff ? ", " : "",
                            sc->initial_env->nelts);
    }
    if (*diff) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, FCGP_LOGNO(01012)
                     "%s %s (server %s): options it leaves out would be "
                     "mod_fcgid's compile-time defaults under mod_fcgid; "
                     "here they are the server's settings: %s",
                     o->where, o->path, sc->vhost, diff);
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

/* Lines for the admin are said in the pass that serves (or in a
 * configuration test), not twice at each start. */
static int say_now(void)
{
    return !(ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG
             && ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_NORMAL);
}

/* mod_fcgid's knobs we do not need: one INFO line each, with why. */
static void note_unneeded(server_rec *s, const fcgp_srv_conf_t *sc)
{
    const fcgp_unneeded_t *u = (const fcgp_unneeded_t *)sc->unneeded->elts;
    int i, j;
    for (i = 0; i < sc->unneeded->nelts; i++) {
        for (j = 0; j < i && u[j].row != u[i].row; j++) {
        }
        if (j == i) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, FCGP_LOGNO(01011)
                         "%s is accepted for mod_fcgid's sake and %s",
                         u[i].where, u[i].row->fcgid);
        }
    }
}

/* ---- suexec ----------------------------------------------------------
 * suexec is on when httpd's own check says so (mod_unixd: the wrapper
 * exists, is setuid root, and httpd starts as root), as for mod_cgi and
 * mod_fcgid. */
static int suexec_on(void)
{
    return ap_unixd_config.suexec_enabled && geteuid() == 0;
}

/* The identity this server's requests get from mod_suexec
 * (SuexecUserGroup), asked through the hook the handler uses
 * (ap_run_get_suexec_identity) with a request that carries nothing but the
 * server's own configuration.  SuexecUserGroup is not allowed inside
 * <Directory> and the like, so the server's configuration is all there
 * is; mod_userdir's identity comes from the request (a ~user URL), never
 * from this one. */
static void server_identity(apr_pool_t *p, server_rec *s, fcgp_identity_t *id)
{
    request_rec r;
    ap_unix_identity_t *u;

    memset(id, 0, sizeof(*id));
    if (!suexec_on()) {
        return;
    }
    memset(&r, 0, sizeof(r));
    r.pool = p;
    r.server = s;
    r.per_dir_config = s->lookup_defaults;
    r.request_config = ap_create_request_config(p); /* mod_userdir's */
    r.notes = apr_table_make(p, 1);
    r.headers_in = apr_table_make(p, 1);
    r.subprocess_env = apr_table_make(p, 1);
    r.uri = "/";
    if ((u = ap_run_get_suexec_identity(&r)) != NULL) {
        id->suexec = 1;
        id->userdir = u->userdir != 0;
        id->uid = (apr_uint32_t)u->uid;
        id->gid = (apr_uint32_t)u->gid;
    }
}

/* Where suexec writes why it refused: what `suexec -V` says it was built
 * with (AP_LOG_EXEC, or AP_LOG_SYSLOG), asked once per httpd process (the
 * parent is root here, which suexec -V requires); httpd's own build
 * setting when that cannot be read. */
static const char *suexec_log_place(apr_pool_t *pp)
{
    static const char key[] = "fcgiproc-suexec-log";
    const char *const argv[] = { SUEXEC_BIN, "-V", NULL };
    const char *place = NULL;
    apr_procattr_t *attr;
    apr_proc_t proc;
    apr_pool_t *tp;
    char buf[4096];
    apr_size_t n = 0, len;
    int code;
    apr_exit_why_e why;

    apr_pool_userdata_get((void **)&place, key, pp);
    if (place) {
        return place;
    }
    apr_pool_create(&tp, pp);
    if (apr_procattr_create(&attr, tp) == APR_SUCCESS
        && apr_procattr_io_set(attr, APR_NO_PIPE, APR_NO_PIPE,
                               APR_FULL_BLOCK) == APR_SUCCESS
        && apr_procattr_cmdtype_set(attr, APR_PROGRAM) == APR_SUCCESS
        && apr_proc_create(&proc, SUEXEC_BIN, argv, NULL, attr, tp)
           == APR_SUCCESS) {
        while (n < sizeof(buf) - 1) {
            len = sizeof(buf) - 1 - n;
            if (apr_file_read(proc.err, buf + n, &len) != APR_SUCCESS) {
                break;
            }
            n += len;
        }
        apr_proc_wait(&proc, &code, &why, APR_WAIT);
    }
    buf[n] = '\0';
    {
        char *at = strstr(buf, "AP_LOG_EXEC=\""), *end;
        if (at && (end = strchr(at + 13, '"')) != NULL) {
            place = apr_pstrndup(pp, at + 13, end - (at + 13));
        }
        else if (strstr(buf, "AP_LOG_SYSLOG")) {
            place = "the system log (syslog, authpriv)";
        }
    }
    apr_pool_destroy(tp);
    if (!place) {
#ifdef AP_LOG_EXEC
        place = AP_LOG_EXEC;
#else
        place = "suexec's log (suexec -V names it)";
#endif
    }
    apr_pool_userdata_set(place, key, apr_pool_cleanup_null, pp);
    return place;
}

static void add_profiles(apr_array_header_t *profiles, const char *vhost,
                         const fcgp_app_conf_t *a,
                         const fcgp_identity_t *ident)
{
    int php;
    for (php = 0; php < 2; php++) {
        fcgp_app_profile_t *pr = apr_array_push(profiles);
        pr->vhost = vhost;
        pr->envc = a[php].envc;
        pr->env = a[php].env;
        pr->limits = a[php].limits;
        pr->ident = *ident;
        /* ~user requests run as their user: mod_userdir decides which
         * users have one (its configuration is its own); suexec confines
         * each to that user's UserDir. */
        pr->userdir_ok = suexec_on()
                         && ap_find_linked_module("mod_userdir.c") != NULL;
    }
}

static int finalize_server(apr_pool_t *p, server_rec *s,
                           const fcgp_srv_conf_t *msc,
                           apr_array_header_t *profiles, int say)
{
    fcgp_srv_conf_t *sc = FCGP_SRV(s);
    apr_hash_index_t *hi;

    sc->ipc_dir = msc->ipc_dir;
    sc->pm_path = apr_pstrcat(p, msc->ipc_dir, "/pm.sock", NULL);
    sc->vhost = apr_psprintf(p, "%s:%u", s->server_hostname
                             ? s->server_hostname : "", s->port);
    fcgp_conf_resolve_app(p, sc, NULL, 0, &sc->app[0]);
    fcgp_conf_resolve_app(p, sc, NULL, 1, &sc->app[1]);
    server_identity(p, s, &sc->ident);
    sc->suexec_log = suexec_on() ? suexec_log_place(s->process->pool) : NULL;
    add_profiles(profiles, sc->vhost, sc->app, &sc->ident);
    if (say) {
        warn_env(s, sc, &sc->app[0]);
    }
    sc->cmd_apps = apr_hash_make(p);
    for (hi = apr_hash_first(p, sc->cmd_opts); hi; hi = apr_hash_next(hi)) {
        const fcgp_cmd_opts_t *o = apr_hash_this_val(hi);
        fcgp_app_conf_t *a = apr_pcalloc(p, 2 * sizeof(*a));
        fcgp_conf_resolve_app(p, sc, o, 0, &a[0]);
        fcgp_conf_resolve_app(p, sc, o, 1, &a[1]);
        apr_hash_set(sc->cmd_apps, o->path, APR_HASH_KEY_STRING, a);
        add_profiles(profiles, sc->vhost, a, &sc->ident);
        if (say && o->defined_in == s) {
            note_cmd_options(p, s, sc, o);
        }
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
    return OK;
}

int fcgp_conf_finalize(apr_pool_t *p, server_rec *main_s,
                       fcgp_pm_settings_t *settings)
{
    fcgp_srv_conf_t *msc = FCGP_SRV(main_s);
    apr_array_header_t *profiles, *statics;
    const char *ipc_dir_set = msc->ipc_dir;
    server_rec *s;
    int say = say_now();

    if (!msc->ipc_dir) {
        msc->ipc_dir = ap_runtime_dir_relative(p, "fcgiproc");
        msc->ipc_dir_where = "FcgiProcIPCDir (default)";
    }
    settings->ipc_dir = msc->ipc_dir;
    settings->ipc_dir_where = msc->ipc_dir_where;
    settings->max_procs = (apr_uint32_t)fcgp_conf_val(msc, FCGP_C_MAX_PROCS);
    settings->kill_timeout = fcgp_conf_val(msc, FCGP_C_KILL_TIMEOUT);
    settings->orphan_pgid = 0;
    settings->sig_helper = -1;
    settings->suexec_bin = suexec_on() ? SUEXEC_BIN : NULL;
    settings->suexec_log = suexec_on()
                           ? suexec_log_place(main_s->process->pool) : NULL;
    settings->max_procs_user = msc->set[FCGP_C_MAX_PROCS_USER]
        ? (apr_uint32_t)msc->val[FCGP_C_MAX_PROCS_USER]
        : fcgp_policy_user_max_default(
              settings->max_procs,
              (apr_uint32_t)fcgp_conf_val(msc, FCGP_C_MAX_PROCS_CLASS));
    if (say) {
        note_unneeded(main_s, msc);
    }
    profiles = apr_array_make(p, 8, sizeof(fcgp_app_profile_t));
    for (s = main_s; s; s = s->next) {
        if (finalize_server(p, s, msc, profiles, say) != OK) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    /* FcgiProcServer, FcgiProcExternalServer (conf_servers.c) */
    statics = apr_array_make(p, 2, sizeof(fcgp_static_t));
    if (fcgp_servers_finalize(p, main_s, ipc_dir_set, profiles, statics,
                              say) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    settings->nstatics = statics->nelts;
    settings->statics = (const fcgp_static_t *)statics->elts;
    settings->nprofiles = profiles->nelts;
    settings->profiles = (const fcgp_app_profile_t *)profiles->elts;
    return OK;
}
