/* conf.c: the directives' setters, the command table and merging.
 *
 * Every directive is a row of conf/directives.h; the command table below
 * has one command_rec per name of a row (ours, mod_fcgid's, mod_fcgid's
 * deprecated one), each pointing at its row, so one setter serves every
 * numeric directive under all its names.  Errors name the directive as
 * written; httpd adds the file and line.  conf_finalize.c resolves the
 * values at post_config. */
#include <errno.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_hash.h>
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "fcgp_log.h"
#include "conf/conf.h"
#include "conf/conf_internal.h"
#include "conf/conf_parse.h"

#define D_ROW(id, names, how, func, where, global, kind, min, max, def, ...) \
    [FCGP_C_##id] = {FCGP_C_##id, FCGP_FIRST names, kind, global, min, max, \
                     def, FCGP_LAST(__VA_ARGS__)},
#define FCGP_FIRST(a, ...) a
#define FCGP_LAST(syntax, deftext, help, doc, fcgid) fcgid

const fcgp_directive_t fcgp_directives[FCGP_C_NUM] = {
    FCGP_DIRECTIVES(D_ROW)
};

apr_int64_t fcgp_conf_val(const fcgp_srv_conf_t *sc, fcgp_conf_idx_e i)
{
    const fcgp_directive_t *d = &fcgp_directives[i];
    if (sc->set[i]) {
        return sc->val[i];
    }
    return d->kind == KIND_TIME ? apr_time_from_sec(d->def) : d->def;
}

/* A numeric row's value, checked against its bounds; name is the
 * directive (or FcgiProcCmdOptions option) as written. */
const char *fcgp_conf_parse_value(apr_pool_t *p, const fcgp_directive_t *d,
                                  const char *name, const char *arg,
                                  apr_int64_t *v)
{
    if (d->min < 0 && strcmp(arg, "-1") == 0) {
        *v = 0;                 /* mod_fcgid's "no limit" */
        return NULL;
    }
    switch (d->kind) {
    case KIND_TIME: {
        apr_interval_time_t t;
        if (!apr_isdigit(*arg)
            || ap_timeout_parameter_parse(arg, &t, "s") != APR_SUCCESS
            || t < 0) {
            return apr_psprintf(p, "%s: '%s' is not a time (seconds, or a "
                                "number with ms, s, mi or h)", name, arg);
        }
        if (t < apr_time_from_sec(d->min) && !(d->min == 1 && t > 0)) {
            return apr_psprintf(p, "%s: %s is too short; use at least %"
                                APR_INT64_T_FMT " s", name, arg, d->min);
        }
        if (t > apr_time_from_sec(d->max)) {
            return apr_psprintf(p, "%s: %s is too long; use at most %"
                                APR_INT64_T_FMT " s", name, arg, d->max);
        }
        *v = t;
        return NULL;
    }
    case KIND_BYTES:
        return fcgp_parse_bytes(p, name, arg, d->min > 0 ? d->min : 0,
                                d->max, v);
    case KIND_COUNT:
    default:
        return fcgp_parse_count(p, name, arg, d->min > 0 ? d->min : 0,
                                d->max, v);
    }
}

static const char *set_numeric(cmd_parms *cmd, void *dummy, const char *arg)
{
    const fcgp_directive_t *d = cmd->info;
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
    apr_int64_t v;
    const char *err;

    if (d->global_only
        && (err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) != NULL) {
        return err;
    }
    if ((err = fcgp_conf_parse_value(cmd->pool, d, cmd->cmd->name, arg,
                                     &v)) != NULL) {
        return err;
    }
    sc->val[d->idx] = v;
    sc->set[d->idx] = 1;
    return NULL;
}

static const char *set_wrapper(cmd_parms *cmd, void *dconf, const char *cmdline,
                               const char *suffix, const char *flag)
{
    fcgp_dir_conf_t *dc = dconf;
    fcgp_wrapper_t *w;
    const char *err;
    int argc;
    const char **argv;

    /* As mod_fcgid: "cmd virtual" is "cmd" for any file, virtual. */
    if (!flag && suffix && strcasecmp(suffix, "virtual") == 0) {
        flag = suffix;
        suffix = NULL;
    }
    if (flag && strcasecmp(flag, "virtual") != 0) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a flag; the only "
                            "one is 'virtual'", cmd->cmd->name, flag);
    }
    err = fcgp_parse_command(cmd->pool, cmd->cmd->name, cmdline, 1, &argc,
                             &argv);
    if (err) {
        return err;
    }
    if (suffix && (suffix[0] != '.' || !suffix[1] || strchr(suffix, '/'))) {
        return apr_psprintf(cmd->pool, "%s: the suffix '%s' must start with "
                            "a dot, e.g. .php", cmd->cmd->name, suffix);
    }
    w = apr_array_push(dc->wrappers);
    w->cmdline = apr_pstrdup(cmd->pool, cmdline);
    w->argc = argc;
    w->argv = argv;
    w->suffix = suffix ? apr_pstrdup(cmd->pool, suffix) : NULL;
    w->php_cgi = fcgp_is_php_cgi(argv[0]);
    w->virtual = flag != NULL;
    w->htaccess = ap_check_cmd_context(cmd, NOT_IN_HTACCESS) != NULL;
    w->where = apr_psprintf(cmd->pool, "%s (%s:%d)", cmd->cmd->name,
                            cmd->directive->filename,
                            cmd->directive->line_num);
    return NULL;
}

/* FcgiProcAllowWrapper path ...: programs a wrapper in .htaccess may
 * name (checked for each request: fcgp_conf_wrapper_allowed). */
static const char *set_allow_wrapper(cmd_parms *cmd, void *dummy,
                                     const char *arg)
{
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
    if (arg[0] != '/') {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an absolute path",
                            cmd->cmd->name, arg);
    }
    APR_ARRAY_PUSH(sc->allow_wrappers, const char *) =
        apr_pstrdup(cmd->pool, arg);
    return NULL;
}

/* "NAME=value"; without a value, httpd's own (as mod_fcgid). */
static const char *env_entry(apr_pool_t *p, const char *directive,
                             const char *name, const char *value)
{
    if (!*name || strchr(name, '=')) {
        return NULL;
    }
    if (!value) {
        value = getenv(name);
    }
    return apr_pstrcat(p, name, "=", value ? value : "", NULL);
}

static const char *set_initial_env(cmd_parms *cmd, void *dummy,
                                   const char *name, const char *value)
{
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
    const char *e = env_entry(cmd->pool, cmd->cmd->name, name, value);
    if (!e) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a variable name",
                            cmd->cmd->name, name);
    }
    APR_ARRAY_PUSH(sc->initial_env, const char *) = e;
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
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
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
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
    sc->spool_dir = ap_server_root_relative(cmd->pool, arg);
    if (!sc->spool_dir) {
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                            cmd->cmd->name, arg);
    }
    sc->spool_dir_where = where_set(cmd);
    return NULL;
}

static const char *set_pass_header(cmd_parms *cmd, void *dummy,
                                   const char *arg)
{
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
    const char *c;
    for (c = arg; *c; c++) {
        if (!apr_isgraph(*c) || *c == ':') {
            break;
        }
    }
    if (!*arg || *c) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a header name",
                            cmd->cmd->name, arg);
    }
    APR_ARRAY_PUSH(sc->pass_headers, const char *) =
        apr_pstrdup(cmd->pool, arg);
    return NULL;
}

/* A whole number, as mod_fcgid's atol() reads it but without accepting
 * garbage; negative numbers too. */
static const char *parse_int(apr_pool_t *p, const char *name,
                             const char *arg, apr_int64_t *v)
{
    char *end;
    errno = 0;
    *v = apr_strtoi64(arg, &end, 10);
    if (errno || end == arg || *end) {
        return apr_psprintf(p, "%s: '%s' is not a whole number", name, arg);
    }
    return NULL;
}

static const char *set_fix_pathinfo(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
    apr_int64_t v;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err || (err = parse_int(cmd->pool, cmd->cmd->name, arg, &v))) {
        return err;
    }
    sc->fix_pathinfo = v != 0;
    return NULL;
}

/* mod_fcgid's knobs that our design does not need: the value is checked
 * as mod_fcgid would (main server only; a number, or a path), and one INFO
 * line at startup says why it is not needed (fcgp_conf_finalize). */
static const char *set_unneeded(cmd_parms *cmd, void *dummy, const char *arg)
{
    const fcgp_directive_t *d = cmd->info;
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
    fcgp_unneeded_t *u;
    apr_int64_t v;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (err) {
        return err;
    }
    if (d->idx == FCGP_C_TABLE_FILE) {
        if (!ap_server_root_relative(cmd->temp_pool, arg)) {
            return apr_psprintf(cmd->pool, "%s: invalid path '%s'",
                                cmd->cmd->name, arg);
        }
    }
    else if ((err = parse_int(cmd->pool, cmd->cmd->name, arg, &v))) {
        return err;
    }
    u = apr_array_push(sc->unneeded);
    u->name = cmd->cmd->name;
    u->where = where_set(cmd);
    u->row = d;
    return NULL;
}

/* FcgiProcCmdOptions command option value ...: mod_fcgid's options (and
 * two of ours); see conf/directives.h.  What it leaves out comes from the
 * server's settings at post_config, not from compile-time defaults. */
static const struct {
    const char *name;
    fcgp_conf_idx_e idx;
} cmd_options[] = {
    {"ConnectTimeout", FCGP_C_CONNECT_TIMEOUT},
    {"IdleTimeout", FCGP_C_IDLE_TIMEOUT},
    {"IOTimeout", FCGP_C_IO_TIMEOUT},
    {"MaxProcesses", FCGP_C_MAX_PROCS_CLASS},
    {"MaxProcessLifetime", FCGP_C_LIFETIME},
    {"MaxRequestsPerProcess", FCGP_C_MAX_REQUESTS},
    {"MinProcesses", FCGP_C_MIN_PROCS_CLASS},
    {"BusyTimeout", FCGP_C_BUSY_TIMEOUT},
    {"AppMaxRequests", FCGP_C_APP_MAX_REQUESTS},
};

static const char *set_cmd_options(cmd_parms *cmd, void *dummy,
                                   const char *args)
{
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
    fcgp_cmd_opts_t *o = apr_pcalloc(cmd->pool, sizeof(*o));
    const char *path = ap_getword_conf(cmd->pool, &args);
    const char *err;
    int argc;
    const char **argv;

    if (!*path) {
        return apr_psprintf(cmd->pool, "%s: name a command first",
                            cmd->cmd->name);
    }
    /* mod_fcgid keys it by the program's path as written: the first word
     * of a wrapper, or the requested file. */
    if ((err = fcgp_parse_command(cmd->pool, cmd->cmd->name, path, 0, &argc,
                                  &argv)) != NULL) {
        return err;
    }
    o->path = argv[0];
    o->where = where_set(cmd);
    o->defined_in = cmd->server;
    o->initial_env = apr_array_make(cmd->pool, 2, sizeof(const char *));
    if (!*args) {
        return apr_psprintf(cmd->pool, "%s %s: give at least one option",
                            cmd->cmd->name, path);
    }
    while (*args) {
        const char *opt = ap_getword_conf(cmd->pool, &args);
        const char *val = ap_getword_conf(cmd->pool, &args);
        apr_size_t i;

        if (!*val) {
            return apr_psprintf(cmd->pool, "%s %s: %s needs a value",
                                cmd->cmd->name, path, opt);
        }
        if (strcasecmp(opt, "InitialEnv") == 0) {
            char *name = apr_pstrdup(cmd->pool, val);
            char *eq = strchr(name, '=');
            const char *e;
            if (eq) {
                *eq++ = '\0';
            }
            if (!(e = env_entry(cmd->pool, cmd->cmd->name, name, eq))) {
                return apr_psprintf(cmd->pool, "%s %s: InitialEnv '%s' is "
                                    "not NAME or NAME=value", cmd->cmd->name,
                                    path, val);
            }
            APR_ARRAY_PUSH(o->initial_env, const char *) = e;
            continue;
        }
        for (i = 0; i < sizeof(cmd_options) / sizeof(cmd_options[0]); i++) {
            if (strcasecmp(opt, cmd_options[i].name) == 0) {
                break;
            }
        }
        if (i == sizeof(cmd_options) / sizeof(cmd_options[0])) {
            return apr_psprintf(cmd->pool, "%s %s: unknown option '%s' (use "
                                "ConnectTimeout, IdleTimeout, InitialEnv, "
                                "IOTimeout, MaxProcesses, MaxProcessLifetime, "
                                "MaxRequestsPerProcess, MinProcesses, "
                                "BusyTimeout or AppMaxRequests)",
                                cmd->cmd->name, path, opt);
        }
        err = fcgp_conf_parse_value(cmd->pool,
                                    &fcgp_directives[cmd_options[i].idx],
                                    apr_pstrcat(cmd->pool, cmd->cmd->name,
                                                " ", path, " ", opt, NULL),
                                    val, &o->val[cmd_options[i].idx]);
        if (err) {
            return err;
        }
        o->set[cmd_options[i].idx] = 1;
    }
    apr_hash_set(sc->cmd_opts, o->path, APR_HASH_KEY_STRING, o);
    return NULL;
}

/* One command_rec per name of each row (FCGP_EACH walks a row's names). */
#define FCGP_UNPAREN(...) __VA_ARGS__
#define FCGP_NARGS(...) FCGP_NARGS_(__VA_ARGS__, 4, 3, 2, 1, 0)
#define FCGP_NARGS_(a, b, c, d, n, ...) n
#define FCGP_CAT(a, b) FCGP_CAT_(a, b)
#define FCGP_CAT_(a, b) a##b
#define FCGP_EACH(m, x, ...) \
    FCGP_CAT(FCGP_EACH_, FCGP_NARGS(__VA_ARGS__))(m, x, __VA_ARGS__)
#define FCGP_EACH_1(m, x, a) m(x, a)
#define FCGP_EACH_2(m, x, a, ...) m(x, a) FCGP_EACH_1(m, x, __VA_ARGS__)
#define FCGP_EACH_3(m, x, a, ...) m(x, a) FCGP_EACH_2(m, x, __VA_ARGS__)
#define FCGP_EACH_4(m, x, a, ...) m(x, a) FCGP_EACH_3(m, x, __VA_ARGS__)

#define CMD_ONE(x, name) CMD_ONE_(name, FCGP_UNPAREN x)
#define CMD_ONE_(...) CMD_ONE__(__VA_ARGS__)
#define CMD_ONE__(name, how, func, id, where, help) \
    AP_INIT_##how(name, func, (void *)&fcgp_directives[FCGP_C_##id], \
                  where, help),
#define CMD_ROW(id, names, how, func, where, global, kind, min, max, def, \
                syntax, deftext, help, ...) \
    FCGP_EACH(CMD_ONE, (how, func, id, where, help), FCGP_UNPAREN names)

const command_rec fcgp_conf_cmds[] = {
    FCGP_DIRECTIVES(CMD_ROW)
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
    sc->pass_headers = apr_array_make(p, 2, sizeof(const char *));
    sc->cmd_opts = apr_hash_make(p);
    sc->unneeded = apr_array_make(p, 2, sizeof(fcgp_unneeded_t));
    sc->allow_wrappers = apr_array_make(p, 2, sizeof(const char *));
    fcgp_servers_init(p, &sc->servers);
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
    sc->pass_headers = apr_array_append(p, base->pass_headers,
                                        add->pass_headers);
    sc->allow_wrappers = apr_array_append(p, base->allow_wrappers,
                                          add->allow_wrappers);
    /* A virtual host's options for a command replace the main server's
     * for that command (as mod_fcgid). */
    sc->cmd_opts = apr_hash_overlay(p, add->cmd_opts, base->cmd_opts);
    sc->ipc_dir = base->ipc_dir;
    sc->ipc_dir_where = base->ipc_dir_where;
    sc->fix_pathinfo = base->fix_pathinfo;
    sc->unneeded = base->unneeded;
    sc->spool_dir = add->spool_dir ? add->spool_dir : base->spool_dir;
    sc->spool_dir_where = add->spool_dir ? add->spool_dir_where
                                         : base->spool_dir_where;
    fcgp_servers_merge(&sc->servers, &base->servers, &add->servers);
    return sc;
}

int fcgp_conf_wrapper_allowed(const fcgp_srv_conf_t *sc,
                              const fcgp_wrapper_t *w,
                              const fcgp_identity_t *ident)
{
    int i;
    if (!w || !w->htaccess) {
        return 1;
    }
    /* The site's own user, through suexec: the command runs as the
     * author of the .htaccess file's site, confined by suexec. */
    if (ident->suexec
        && (ident->userdir
            || (sc->ident.suexec && ident->uid == sc->ident.uid
                && ident->gid == sc->ident.gid))) {
        return 1;
    }
    for (i = 0; i < sc->allow_wrappers->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(sc->allow_wrappers, i, const char *),
                   w->argv[0]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* As mod_fcgid: the wrapper for the file's suffix if there is one (the
 * latest, or an inner section's), else the latest without a suffix. */
const fcgp_wrapper_t *fcgp_conf_wrapper_for(const fcgp_dir_conf_t *dc,
                                            const char *filename)
{
    const fcgp_wrapper_t *w = (const fcgp_wrapper_t *)dc->wrappers->elts;
    apr_size_t flen = strlen(filename);
    int i;
    for (i = dc->wrappers->nelts - 1; i >= 0; i--) {
        const char *sfx = w[i].suffix;
        if (sfx && flen >= strlen(sfx)
            && strcasecmp(filename + flen - strlen(sfx), sfx) == 0) {
            return &w[i];
        }
    }
    for (i = dc->wrappers->nelts - 1; i >= 0; i--) {
        if (!w[i].suffix) {
            return &w[i];
        }
    }
    return NULL;
}
