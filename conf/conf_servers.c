/* conf_servers.c: FcgiProcServer, FcgiProcExternalServer, FastCgiConfig
 * and FastCgiWrapper (see conf_servers.h), with mod_fastcgi's option names
 * and checks.  Errors name the directive, the path and the option; httpd
 * adds the file and line.  What is accepted but not needed, or ignored, is
 * said once at startup (fcgp_servers_finalize). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_hash.h>
#include <apr_file_info.h>
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "unixd.h"
#include "fcgp_log.h"
#include "conf/conf.h"
#include "conf/conf_internal.h"
#include "conf/conf_parse.h"
#include "conf/conf_servers.h"

FCGP_LOG_MODULE;

/* Most backends of one external server (a request remembers which it
 * tried in a 64-bit mask). */
#define MAX_BACKENDS 64

/* Something to say once at startup about a directive as written. */
typedef struct {
    int level;                  /* APLOG_INFO: not needed; APLOG_NOTICE:
                                 * ignored, which a user may notice */
    const char *text;
} note_t;

static const char *where_set(cmd_parms *cmd)
{
    return apr_psprintf(cmd->pool, "%s (%s:%d)", cmd->cmd->name,
                        cmd->directive->filename, cmd->directive->line_num);
}

static void add_note(cmd_parms *cmd, int level, const char *text)
{
    fcgp_servers_conf_t *sv = &FCGP_SRV(cmd->server)->servers;
    note_t *n = apr_array_push(sv->notes);
    n->level = level;
    n->text = text;
}

/* The option's value: the next word, or an error naming the option. */
static const char *value_of(cmd_parms *cmd, const char *label,
                            const char *opt, const char **args,
                            const char **val)
{
    *val = ap_getword_conf(cmd->pool, args);
    if (!**val) {
        return apr_psprintf(cmd->pool, "%s: %s needs a value", label, opt);
    }
    return NULL;
}

/* A number of a row's kind and bounds (seconds for times). */
static const char *row_value(cmd_parms *cmd, const char *label,
                             const char *opt, const char *val,
                             fcgp_conf_idx_e idx, apr_int64_t *v)
{
    return fcgp_conf_parse_value(cmd->pool, &fcgp_directives[idx],
                                 apr_pstrcat(cmd->temp_pool, label, " ", opt,
                                             NULL), val, v);
}

static const char *count_value(cmd_parms *cmd, const char *label,
                               const char *opt, const char *val,
                               apr_int64_t min, apr_int64_t max,
                               apr_int64_t *v)
{
    return fcgp_parse_count(cmd->pool, apr_pstrcat(cmd->temp_pool, label,
                                                   " ", opt, NULL),
                            val, min, max, v);
}

/* -initial-env NAME[=[value]]: without "=", httpd's own value (empty when
 * httpd has none), as mod_fastcgi. */
static const char *env_value(cmd_parms *cmd, const char *label,
                             const char *val, apr_array_header_t *env)
{
    const char *eq = strchr(val, '=');
    const char *name = eq ? apr_pstrmemdup(cmd->pool, val, eq - val) : val;
    const char *c;

    for (c = name; *c; c++) {
        if (!apr_isalnum(*c) && *c != '_') {
            break;
        }
    }
    if (!*name || *c) {
        return apr_psprintf(cmd->pool, "%s: -initial-env '%s' is not NAME, "
                            "NAME= or NAME=value", label, val);
    }
    if (!eq) {
        const char *v = getenv(name);
        val = apr_pstrcat(cmd->pool, name, "=", v ? v : "", NULL);
    }
    APR_ARRAY_PUSH(env, const char *) = apr_pstrdup(cmd->pool, val);
    return NULL;
}

static const char *header_value(cmd_parms *cmd, const char *label,
                                const char *val, apr_array_header_t *hdrs)
{
    const char *c;
    for (c = val; *c; c++) {
        if (!apr_isgraph(*c) || *c == ':') {
            return apr_psprintf(cmd->pool, "%s: -pass-header '%s' is not a "
                                "header name", label, val);
        }
    }
    APR_ARRAY_PUSH(hdrs, const char *) = apr_pstrdup(cmd->pool, val);
    return NULL;
}

/* The path as mod_fastcgi makes it: relative to ServerRoot, with no "..",
 * "." or "//" left: the r->filename requests for it will have. */
static const char *canonical(cmd_parms *cmd, const char *arg,
                             const char **out)
{
    char *path = NULL;
    if (apr_filepath_merge(&path, "", arg, 0, cmd->pool) != APR_SUCCESS
        || !(path = ap_server_root_relative(cmd->pool, path))) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid path",
                            cmd->cmd->name, arg);
    }
    ap_getparents(path);
    ap_no2slash(path);
    *out = path;
    return NULL;
}

/* A new server of this virtual host, for the path that starts args. */
static const char *new_server(cmd_parms *cmd, fcgp_server_kind_e kind,
                              const char **args, fcgp_server_t **out)
{
    fcgp_servers_conf_t *sv = &FCGP_SRV(cmd->server)->servers;
    const char *arg = ap_getword_conf(cmd->pool, args);
    const char *path = NULL, *err;
    fcgp_server_t *fs;
    int i;

    if (!*arg) {
        return apr_psprintf(cmd->pool, "%s: give the %s path first",
                            cmd->cmd->name, kind == FCGP_SERVER_STATIC
                            ? "application's" : "(virtual) application");
    }
    if ((err = canonical(cmd, arg, &path)) != NULL) {
        return err;
    }
    for (i = 0; i < sv->defs->nelts; i++) {
        const fcgp_server_t *o = APR_ARRAY_IDX(sv->defs, i, fcgp_server_t *);
        if (strcmp(o->path, path) == 0) {
            return apr_psprintf(cmd->pool, "%s %s: already defined by %s",
                                cmd->cmd->name, path, o->where);
        }
    }
    fs = apr_pcalloc(cmd->pool, sizeof(*fs));
    fs->kind = kind;
    fs->path = path;
    fs->directive = cmd->cmd->name;
    fs->where = where_set(cmd);
    fs->defined_in = cmd->server;
    fs->opts.path = path;
    fs->opts.where = fs->where;
    fs->opts.defined_in = cmd->server;
    fs->opts.initial_env = apr_array_make(cmd->pool, 2, sizeof(char *));
    fs->pass_headers = apr_array_make(cmd->pool, 1, sizeof(char *));
    fs->backends = apr_array_make(cmd->pool, 1, sizeof(fcgp_backend_t));
    *out = fs;
    return NULL;
}

static void set_opt(fcgp_server_t *fs, fcgp_conf_idx_e idx, apr_int64_t v)
{
    fs->opts.val[idx] = v;
    fs->opts.set[idx] = 1;
}

/* -idle-timeout, -appConnTimeout, -pass-header, -flush: the options both
 * kinds of server have.  Returns 1 when opt was one of them (err set on a
 * bad value). */
static int common_option(cmd_parms *cmd, fcgp_server_t *fs,
                         const char *label, const char *opt,
                         const char **args, const char **err)
{
    const char *val;
    apr_int64_t v;

    *err = NULL;
    if (strcasecmp(opt, "-flush") == 0) {
        fs->flush = 1;
        return 1;
    }
    if (strcasecmp(opt, "-idle-timeout") != 0
        && strcasecmp(opt, "-appConnTimeout") != 0
        && strcasecmp(opt, "-pass-header") != 0) {
        return 0;
    }
    if ((*err = value_of(cmd, label, opt, args, &val)) != NULL) {
        return 1;
    }
    if (strcasecmp(opt, "-pass-header") == 0) {
        *err = header_value(cmd, label, val, fs->pass_headers);
    }
    else if (strcasecmp(opt, "-idle-timeout") == 0) {
        /* mod_fastcgi's -idle-timeout is how long the application may be
         * silent during a request: our FcgiProcIOTimeout. */
        if (!(*err = row_value(cmd, label, opt, val, FCGP_C_IO_TIMEOUT,
                               &v))) {
            set_opt(fs, FCGP_C_IO_TIMEOUT, v);
        }
    }
    else if (strcmp(val, "0") != 0) {
        /* -appConnTimeout 0 is mod_fastcgi's blocking connect: ours then
         * (FcgiProcConnectTimeout). */
        if (!(*err = row_value(cmd, label, opt, val,
                               FCGP_C_CONNECT_TIMEOUT, &v))) {
            set_opt(fs, FCGP_C_CONNECT_TIMEOUT, v);
        }
    }
    return 1;
}

/* Options that have no use here: -user and -group (suexec), -nph.
 * Returns 1 when opt was one (its value taken), with why in *why. */
static int ignored_option(cmd_parms *cmd, const char *label,
                          const char *opt, const char **args,
                          const char **why, const char **err)
{
    const char *val;
    *err = NULL;
    if (strcasecmp(opt, "-nph") == 0) {
        *why = "-nph (the application's headers are always parsed; an "
               "nph- script's are too)";
        return 1;
    }
    if (strcasecmp(opt, "-user") == 0 || strcasecmp(opt, "-group") == 0) {
        if (!(*err = value_of(cmd, label, opt, args, &val))) {
            *why = apr_psprintf(cmd->pool, "%s %s (this application "
                                "runs as the httpd User; httpd's suexec "
                                "runs dynamic applications of virtual "
                                "hosts with SuexecUserGroup)", opt, val);
        }
        return 1;
    }
    return 0;
}

static const char *join(apr_pool_t *p, const char *list, const char *item)
{
    return *list ? apr_pstrcat(p, list, "; ", item, NULL) : item;
}

/* The options both kinds of server take or ignore (common_option,
 * ignored_option); what is ignored is added to *ignored.  Returns 1 when
 * opt was one of them (*err set on a bad value). */
static int shared_option(cmd_parms *cmd, fcgp_server_t *fs,
                         const char *label, const char *opt,
                         const char **args, const char **ignored,
                         const char **err)
{
    const char *why;

    if (common_option(cmd, fs, label, opt, args, err)) {
        return 1;
    }
    if (ignored_option(cmd, label, opt, args, &why, err)) {
        if (!*err) {
            *ignored = join(cmd->pool, *ignored, why);
        }
        return 1;
    }
    return 0;
}

static void say_ignored(cmd_parms *cmd, const char *label, const char *what)
{
    if (*what) {
        add_note(cmd, APLOG_NOTICE,
                 apr_psprintf(cmd->pool, "%s (%s:%d): ignored: %s", label,
                              cmd->directive->filename,
                              cmd->directive->line_num, what));
    }
}

static void say_unneeded(cmd_parms *cmd, const char *label, const char *what)
{
    if (*what) {
        add_note(cmd, APLOG_INFO,
                 apr_psprintf(cmd->pool, "%s (%s:%d): accepted for "
                              "mod_fastcgi's sake, not needed: %s", label,
                              cmd->directive->filename,
                              cmd->directive->line_num, what));
    }
}

const char *fcgp_servers_set_static(cmd_parms *cmd, void *dummy,
                                    const char *args)
{
    fcgp_server_t *fs;
    const char *err, *label, *ignored = "", *unneeded = "";
    struct stat st;

    if ((err = new_server(cmd, FCGP_SERVER_STATIC, &args, &fs)) != NULL) {
        return err;
    }
    label = apr_pstrcat(cmd->pool, cmd->cmd->name, " ", fs->path, NULL);
    /* As mod_fastcgi: the program must be there when httpd starts. */
    if (stat(fs->path, &st) != 0) {
        return apr_psprintf(cmd->pool, "%s: %s", label, strerror(errno));
    }
    if (!S_ISREG(st.st_mode) || access(fs->path, X_OK) != 0) {
        return apr_psprintf(cmd->pool, "%s: not an executable file", label);
    }
    fs->processes = 1;
    fs->php_cgi = fcgp_is_php_cgi(fs->path);
    while (*args) {
        const char *opt = ap_getword_conf(cmd->pool, &args);
        const char *val;
        apr_int64_t v;

        if (shared_option(cmd, fs, label, opt, &args, &ignored, &err)) {
            if (err) {
                return err;
            }
        }
        else if (strcasecmp(opt, "-initial-env") == 0) {
            if ((err = value_of(cmd, label, opt, &args, &val))
                || (err = env_value(cmd, label, val,
                                    fs->opts.initial_env))) {
                return err;
            }
        }
        else if (strcasecmp(opt, "-processes") == 0) {
            if ((err = value_of(cmd, label, opt, &args, &val))
                || (err = count_value(cmd, label, opt, val, 1, 100000,
                                      &v))) {
                return err;
            }
            fs->processes = (apr_uint32_t)v;
        }
        else if (strcasecmp(opt, "-priority") == 0) {
            if ((err = value_of(cmd, label, opt, &args, &val))
                || (err = count_value(cmd, label, opt, val, 0, 19, &v))) {
                return err;
            }
            fs->priority = (int)v;
        }
        else if (strcasecmp(opt, "-port") == 0
                 || strcasecmp(opt, "-socket") == 0) {
            if ((err = value_of(cmd, label, opt, &args, &val))) {
                return err;
            }
            if (opt[1] == 'p' || opt[1] == 'P') {
                if ((err = count_value(cmd, label, opt, val, 1, 65535, &v))) {
                    return err;
                }
            }
            ignored = join(cmd->pool, ignored, apr_psprintf(
                cmd->pool, "%s %s (each process listens on a socket of its "
                "own in FcgiProcIPCDir, which only httpd uses; run the "
                "application yourself and use FcgiProcExternalServer if "
                "other programs must reach it)", opt, val));
        }
        else if (strcasecmp(opt, "-listen-queue-depth") == 0
                 || strcasecmp(opt, "-restart-delay") == 0
                 || strcasecmp(opt, "-init-start-delay") == 0
                 || strcasecmp(opt, "-min-server-life") == 0) {
            int depth = strcasecmp(opt, "-listen-queue-depth") == 0;
            if ((err = value_of(cmd, label, opt, &args, &val))
                || (err = count_value(cmd, label, opt, val, depth ? 1 : 0,
                                      2000000000, &v))) {
                return err;
            }
            unneeded = join(cmd->pool, unneeded, apr_psprintf(
                cmd->pool, "%s %s (%s)", opt, val, depth
                ? "each process has a socket of its own and is given one "
                  "request at a time; requests wait in line in httpd, for "
                  "FcgiProcQueueTimeout"
                : "a process that exits is replaced at once; one that keeps "
                  "dying right after it starts pauses the application "
                  "(the rapid-failure back-off, FCGP03013)"));
        }
        else {
            return apr_psprintf(cmd->pool, "%s: unknown option '%s' (use "
                                "-processes, -initial-env, -idle-timeout, "
                                "-appConnTimeout, -pass-header, -flush, "
                                "-priority, -listen-queue-depth, "
                                "-restart-delay, -init-start-delay, "
                                "-min-server-life, -port, -socket, -nph, "
                                "-user, -group)", label, opt);
        }
    }
    /* Started with httpd and kept at n: never retired for idleness or
     * age (a request limit, the app's or ours, still retires one, and its
     * replacement is started ahead). */
    set_opt(fs, FCGP_C_MIN_PROCS_CLASS, fs->processes);
    set_opt(fs, FCGP_C_MAX_PROCS_CLASS, fs->processes);
    set_opt(fs, FCGP_C_IDLE_TIMEOUT, 0);
    set_opt(fs, FCGP_C_LIFETIME, 0);
    say_ignored(cmd, label, ignored);
    say_unneeded(cmd, label, unneeded);
    APR_ARRAY_PUSH(FCGP_SRV(cmd->server)->servers.defs, fcgp_server_t *) = fs;
    return NULL;
}

/* A -host or -socket list ("a,b"): each a backend.  Names are resolved
 * now (an IPv4 address preferred, as mod_fastcgi used); socket paths at
 * post_config, when FcgiProcIPCDir is known. */
static const char *add_backends(cmd_parms *cmd, fcgp_server_t *fs,
                                const char *label, const char *opt,
                                const char *list)
{
    int is_host = strcasecmp(opt, "-host") == 0;
    char *copy = apr_pstrdup(cmd->temp_pool, list), *last = NULL, *item;
    const char *err;

    for (item = apr_strtok(copy, ",", &last); item;
         item = apr_strtok(NULL, ",", &last)) {
        fcgp_backend_t *be;
        if (fs->backends->nelts >= MAX_BACKENDS) {
            return apr_psprintf(cmd->pool, "%s: more than %d backends",
                                label, MAX_BACKENDS);
        }
        be = apr_array_push(fs->backends);
        memset(be, 0, sizeof(*be));
        be->name = apr_pstrdup(cmd->pool, item);
        if (is_host) {
            const char *host;
            apr_port_t port;
            apr_sockaddr_t *sa, *v4;
            apr_status_t rv;
            if ((err = fcgp_parse_host_port(cmd->pool, apr_pstrcat(
                     cmd->temp_pool, label, " -host", NULL), item, &host,
                     &port)) != NULL) {
                return err;
            }
            rv = apr_sockaddr_info_get(&sa, host, APR_UNSPEC, port, 0,
                                       cmd->pool);
            if (rv != APR_SUCCESS) {
                char buf[120];
                return apr_psprintf(cmd->pool, "%s: -host %s: cannot "
                                    "resolve %s (%s)", label, item, host,
                                    apr_strerror(rv, buf, sizeof(buf)));
            }
            for (v4 = sa; v4 && v4->family != APR_INET; v4 = v4->next) {
            }
            be->addr = v4 ? v4 : sa;
        }
        else if (!*item) {
            return apr_psprintf(cmd->pool, "%s: -socket needs a path", label);
        }
    }
    return NULL;
}

const char *fcgp_servers_set_external(cmd_parms *cmd, void *dummy,
                                      const char *args)
{
    fcgp_server_t *fs;
    const char *err, *label, *ignored = "";

    if ((err = new_server(cmd, FCGP_SERVER_EXTERNAL, &args, &fs)) != NULL) {
        return err;
    }
    label = apr_pstrcat(cmd->pool, cmd->cmd->name, " ", fs->path, NULL);
    while (*args) {
        const char *opt = ap_getword_conf(cmd->pool, &args);
        const char *val;

        if (shared_option(cmd, fs, label, opt, &args, &ignored, &err)) {
            if (err) {
                return err;
            }
        }
        else if (strcasecmp(opt, "-host") == 0
                 || strcasecmp(opt, "-socket") == 0) {
            if ((err = value_of(cmd, label, opt, &args, &val))
                || (err = add_backends(cmd, fs, label, opt, val))) {
                return err;
            }
        }
        else {
            return apr_psprintf(cmd->pool, "%s: unknown option '%s' (use "
                                "-host, -socket, -idle-timeout, "
                                "-appConnTimeout, -pass-header, -flush, "
                                "-nph, -user, -group)", label, opt);
        }
    }
    if (!fs->backends->nelts) {
        return apr_psprintf(cmd->pool, "%s: give -host host:port or -socket "
                            "path", label);
    }
    say_ignored(cmd, label, ignored);
    APR_ARRAY_PUSH(FCGP_SRV(cmd->server)->servers.defs, fcgp_server_t *) = fs;
    return NULL;
}

/* FastCgiConfig: mod_fastcgi's options for dynamic applications, mapped
 * to our directives (set on the main server, which virtual hosts
 * inherit), or not needed (said why at startup). */
static const struct {
    const char *opt;
    fcgp_conf_idx_e idx;        /* FCGP_C_NUM: not needed */
    const char *why;            /* not needed: why */
} config_options[] = {
    {"-maxProcesses", FCGP_C_MAX_PROCS, NULL},
    {"-maxClassProcesses", FCGP_C_MAX_PROCS_CLASS, NULL},
    {"-idle-timeout", FCGP_C_IO_TIMEOUT, NULL},
    {"-appConnTimeout", FCGP_C_CONNECT_TIMEOUT, NULL},
    {"-minProcesses", FCGP_C_NUM,
     "it is a floor over all dynamic applications together; here each "
     "application keeps FcgiProcMinProcessesPerClass (1) of its processes "
     "once started, as mod_fastcgi keeps an application's last process "
     "(-singleThreshold 0)"},
    {"-killInterval", FCGP_C_NUM,
     "idle processes are retired when FcgiProcIdleTimeout passes, "
     "without a periodic kill policy"},
    {"-updateInterval", FCGP_C_NUM,
     "no load statistics are kept: processes are started for the "
     "requests waiting in line and retired when idle"},
    {"-gainValue", FCGP_C_NUM,
     "no load statistics are kept: processes are started for the "
     "requests waiting in line and retired when idle"},
    {"-singleThreshold", FCGP_C_NUM,
     "an application's processes go after FcgiProcIdleTimeout, down to "
     "FcgiProcMinProcessesPerClass"},
    {"-singleThreshhold", FCGP_C_NUM,
     "an application's processes go after FcgiProcIdleTimeout, down to "
     "FcgiProcMinProcessesPerClass"},
    {"-multiThreshold", FCGP_C_NUM,
     "an application's processes go after FcgiProcIdleTimeout, down to "
     "FcgiProcMinProcessesPerClass"},
    {"-multiThreshhold", FCGP_C_NUM,
     "an application's processes go after FcgiProcIdleTimeout, down to "
     "FcgiProcMinProcessesPerClass"},
    {"-processSlack", FCGP_C_NUM,
     "FcgiProcMaxProcesses is the bound; idle processes go after "
     "FcgiProcIdleTimeout"},
    {"-startDelay", FCGP_C_NUM,
     "a request waits in line while a process starts, and another is "
     "started for each waiting request, up to the class's maximum"},
    {"-listen-queue-depth", FCGP_C_NUM,
     "each process has a socket of its own and is given one request at a "
     "time; requests wait in line in httpd, for FcgiProcQueueTimeout"},
    {"-restart-delay", FCGP_C_NUM,
     "a process that exits is replaced when needed; one that keeps dying "
     "right after it starts pauses the application (the rapid-failure "
     "back-off, FCGP03013)"},
    {"-min-server-life", FCGP_C_NUM,
     "one that keeps dying right after it starts pauses the application "
     "(the rapid-failure back-off, FCGP03013)"},
    {"-init-start-delay", FCGP_C_NUM,
     "processes are started as requests need them"},
};

const char *fcgp_servers_set_config(cmd_parms *cmd, void *dummy,
                                    const char *args)
{
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
    const char *label = cmd->cmd->name;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *mapped = "", *ignored = "";

    if (err) {
        return err;
    }
    if (!*args) {
        return apr_psprintf(cmd->pool, "%s: give at least one option",
                            label);
    }
    while (*args) {
        const char *opt = ap_getword_conf(cmd->pool, &args);
        const char *val;
        apr_int64_t v;
        apr_size_t i;

        if (strcasecmp(opt, "-flush") == 0) {
            sc->val[FCGP_C_OUTPUT_BUFFER] = 0;
            sc->set[FCGP_C_OUTPUT_BUFFER] = 1;
            mapped = join(cmd->pool, mapped,
                          "-flush is FcgiProcOutputBufferSize 0");
            continue;
        }
        if (strcasecmp(opt, "-restart") == 0) {
            say_unneeded(cmd, label, "-restart (a dynamic application's "
                         "process that exits is replaced when requests "
                         "need it, and its class is topped up to "
                         "FcgiProcMinProcessesPerClass)");
            continue;
        }
        if (strcasecmp(opt, "-autoUpdate") == 0) {
            sc->servers.auto_update_where = where_set(cmd);
            continue;
        }
        if ((err = value_of(cmd, label, opt, &args, &val)) != NULL) {
            return err;
        }
        if (strcasecmp(opt, "-initial-env") == 0) {
            if ((err = env_value(cmd, label, val, sc->initial_env))) {
                return err;
            }
            mapped = join(cmd->pool, mapped, apr_psprintf(
                cmd->pool, "-initial-env %s is FcgiProcInitialEnv", val));
            continue;
        }
        if (strcasecmp(opt, "-pass-header") == 0) {
            if ((err = header_value(cmd, label, val, sc->pass_headers))) {
                return err;
            }
            mapped = join(cmd->pool, mapped, apr_psprintf(
                cmd->pool, "-pass-header %s is FcgiProcPassHeader", val));
            continue;
        }
        if (strcasecmp(opt, "-priority") == 0) {
            if ((err = count_value(cmd, label, opt, val, 0, 19, &v))) {
                return err;
            }
            ignored = join(cmd->pool, ignored, apr_psprintf(
                cmd->pool, "-priority %s (for dynamic applications; "
                "FcgiProcServer -priority sets a static server's)", val));
            continue;
        }
        for (i = 0; i < sizeof(config_options) / sizeof(config_options[0]);
             i++) {
            if (strcasecmp(opt, config_options[i].opt) == 0) {
                break;
            }
        }
        if (i == sizeof(config_options) / sizeof(config_options[0])) {
            return apr_psprintf(cmd->pool, "%s: unknown option '%s'", label,
                                opt);
        }
        if (config_options[i].idx == FCGP_C_NUM) {
            /* Checked as mod_fastcgi does (a number; -gainValue from 0
             * to 1). */
            if (strcasecmp(opt, "-gainValue") == 0) {
                char *end;
                double g = strtod(val, &end);
                if (*end || end == val || g < 0 || g > 1) {
                    return apr_psprintf(cmd->pool, "%s: -gainValue '%s' is "
                                        "not a number from 0 to 1", label,
                                        val);
                }
            }
            else if ((err = count_value(cmd, label, opt, val, 0,
                                        2000000000, &v))) {
                return err;
            }
            say_unneeded(cmd, label, apr_psprintf(
                cmd->pool, "%s %s (%s)", opt, val, config_options[i].why));
            continue;
        }
        if (config_options[i].idx == FCGP_C_CONNECT_TIMEOUT
            && strcmp(val, "0") == 0) {
            mapped = join(cmd->pool, mapped, "-appConnTimeout 0 (a blocking "
                          "connect) is FcgiProcConnectTimeout's default");
            continue;
        }
        if ((err = row_value(cmd, label, opt, val, config_options[i].idx,
                             &v))) {
            return err;
        }
        sc->val[config_options[i].idx] = v;
        sc->set[config_options[i].idx] = 1;
        mapped = join(cmd->pool, mapped, apr_psprintf(
            cmd->pool, "%s %s is %s %s", opt, val,
            fcgp_directives[config_options[i].idx].name, val));
    }
    if (*mapped) {
        add_note(cmd, APLOG_INFO, apr_psprintf(
            cmd->pool, "%s (%s:%d): %s", label, cmd->directive->filename,
            cmd->directive->line_num, mapped));
    }
    say_ignored(cmd, label, ignored);
    return NULL;
}

const char *fcgp_servers_set_wrapper(cmd_parms *cmd, void *dummy,
                                     const char *arg)
{
    fcgp_srv_conf_t *sc = FCGP_SRV(cmd->server);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) {
        return err;
    }
    sc->servers.wrapper_where = strcasecmp(arg, "Off") == 0 ? NULL
        : apr_psprintf(cmd->pool, "%s %s (%s:%d)", cmd->cmd->name, arg,
                       cmd->directive->filename, cmd->directive->line_num);
    return NULL;
}

typedef struct {
    const char *path;
    const char *where;
} later_t;

int fcgp_servers_later(cmd_parms *cmd, const char *path)
{
    fcgp_servers_conf_t *sv = &FCGP_SRV(cmd->server)->servers;
    struct stat st;
    later_t *l;

    if (stat(path, &st) == 0 || errno != ENOENT) {
        return 0;                   /* there, and not executable */
    }
    l = apr_array_push(sv->later);
    l->path = path;
    l->where = where_set(cmd);
    return 1;
}

void fcgp_servers_init(apr_pool_t *p, fcgp_servers_conf_t *sv)
{
    sv->defs = apr_array_make(p, 1, sizeof(fcgp_server_t *));
    sv->by_path = NULL;
    sv->notes = apr_array_make(p, 1, sizeof(note_t));
    sv->wrapper_where = NULL;
    sv->auto_update_where = NULL;
    sv->later = apr_array_make(p, 1, sizeof(later_t));
}

/* A virtual host's definitions are its own (every server's are found
 * through by_path); the global settings are the main server's. */
void fcgp_servers_merge(fcgp_servers_conf_t *out,
                        const fcgp_servers_conf_t *base,
                        const fcgp_servers_conf_t *add)
{
    out->defs = add->defs;
    out->by_path = NULL;
    out->notes = add->notes;
    out->wrapper_where = base->wrapper_where;
    out->auto_update_where = base->auto_update_where;
    out->later = add->later;
}

fcgp_server_t *fcgp_conf_server_for(const fcgp_srv_conf_t *sc,
                                    const char *path)
{
    if (!path || !sc->servers.by_path) {
        return NULL;
    }
    return apr_hash_get(sc->servers.by_path, path, APR_HASH_KEY_STRING);
}

/* An external server's -socket paths: relative to FcgiProcIPCDir
 * (FastCgiIpcDir) when set, as mod_fastcgi, else to mod_fastcgi's default
 * directory, DefaultRuntimeDir/fastcgi. */
static int resolve_sockets(apr_pool_t *p, server_rec *s, fcgp_server_t *fs,
                           const char *ipc_dir)
{
    int i;
    for (i = 0; i < fs->backends->nelts; i++) {
        fcgp_backend_t *be = &APR_ARRAY_IDX(fs->backends, i, fcgp_backend_t);
        const char *path = be->name;
        apr_status_t rv;
        if (be->addr) {
            continue;                   /* -host */
        }
        if (*path != '/') {
            path = apr_pstrcat(p, ipc_dir ? ipc_dir
                               : ap_runtime_dir_relative(p, "fastcgi"),
                               "/", path, NULL);
        }
        if (strlen(path) > 107
            || (rv = apr_sockaddr_info_get(&be->addr, path, APR_UNIX, 0, 0,
                                           p)) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, FCGP_LOGNO(01055)
                         "%s: -socket %s: %s cannot be a unix socket's path "
                         "(at most 107 characters)", fs->where, be->name,
                         path);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        be->name = path;
    }
    return OK;
}

int fcgp_servers_finalize(apr_pool_t *p, server_rec *main_s,
                          const char *ipc_dir, apr_array_header_t *profiles,
                          apr_array_header_t *statics, int say)
{
    const fcgp_srv_conf_t *msc = FCGP_SRV(main_s);
    apr_hash_t *by_path = apr_hash_make(p);
    apr_int64_t max_procs = fcgp_conf_val(msc, FCGP_C_MAX_PROCS);
    server_rec *s;
    int i;

    for (s = main_s; s; s = s->next) {
        fcgp_srv_conf_t *sc = FCGP_SRV(s);
        for (i = 0; i < sc->servers.defs->nelts; i++) {
            fcgp_server_t *fs = APR_ARRAY_IDX(sc->servers.defs, i,
                                              fcgp_server_t *);
            const fcgp_server_t *o = apr_hash_get(by_path, fs->path,
                                                  APR_HASH_KEY_STRING);
            if (o) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, FCGP_LOGNO(01054)
                             "%s and %s both define %s: the definitions "
                             "hold for every virtual host (as with "
                             "mod_fastcgi); keep one", o->where, fs->where,
                             fs->path);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            apr_hash_set(by_path, fs->path, APR_HASH_KEY_STRING, fs);
            fs->vhost = sc->vhost;
            fcgp_conf_resolve_app(p, sc, &fs->opts, fs->php_cgi, &fs->app);
            /* (an external one's too: its requests' counters and logs
             * name it by its path) */
            fs->argv = apr_pcalloc(p, 2 * sizeof(char *));
            fs->argv[0] = fs->path;
            if (fs->kind == FCGP_SERVER_EXTERNAL) {
                if (resolve_sockets(p, s, fs, ipc_dir) != OK) {
                    return HTTP_INTERNAL_SERVER_ERROR;
                }
                continue;
            }
            if (fs->processes > max_procs) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, FCGP_LOGNO(01056)
                             "%s: -processes %u is more than "
                             "FcgiProcMaxProcesses %" APR_INT64_T_FMT
                             " allows", fs->where, fs->processes, max_procs);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            {
                fcgp_app_profile_t *pr = apr_array_push(profiles);
                fcgp_static_t *st = apr_array_push(statics);
                pr->vhost = fs->vhost;
                pr->envc = fs->app.envc;
                pr->env = fs->app.env;
                pr->limits = fs->app.limits;
                st->spec.vhost = fs->vhost;
                st->spec.argc = 1;
                st->spec.argv = fs->argv;
                st->spec.envc = fs->app.envc;
                st->spec.env = fs->app.env;
                st->limits = fs->app.limits;
                st->priority = fs->priority;
                st->where = fs->where;
            }
        }
    }
    for (s = main_s; s; s = s->next) {
        fcgp_srv_conf_t *sc = FCGP_SRV(s);
        for (i = 0; i < sc->servers.later->nelts; i++) {
            const later_t *l = &APR_ARRAY_IDX(sc->servers.later, i, later_t);
            const fcgp_server_t *fs = apr_hash_get(by_path, l->path,
                                                   APR_HASH_KEY_STRING);
            if (!fs || fs->kind != FCGP_SERVER_EXTERNAL) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, FCGP_LOGNO(01057)
                             "%s: the command %s does not exist, and is no "
                             "FcgiProcExternalServer's path", l->where,
                             l->path);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }
    for (s = main_s; s; s = s->next) {
        fcgp_srv_conf_t *sc = FCGP_SRV(s);
        sc->servers.by_path = by_path;
        for (i = 0; say && i < sc->servers.notes->nelts; i++) {
            const note_t *n = &APR_ARRAY_IDX(sc->servers.notes, i, note_t);
            if (n->level == APLOG_NOTICE) {
                ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                             FCGP_LOGNO(01051) "%s", n->text);
            }
            else {
                ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                             FCGP_LOGNO(01050) "%s", n->text);
            }
        }
    }
    if (say && msc->servers.wrapper_where) {
        /* mod_fastcgi's wrapper is httpd's suexec for us: applications of
         * a virtual host with SuexecUserGroup (or under a ~user URL) run
         * through it whenever httpd's suexec is enabled, with this
         * directive or without it. */
        int suexec = ap_unixd_config.suexec_enabled && geteuid() == 0;
        const char *user = ap_unixd_config.user_name
                           ? ap_unixd_config.user_name : "?";
        ap_log_error(APLOG_MARK, suexec ? APLOG_INFO : APLOG_WARNING, 0,
                     main_s, FCGP_LOGNO(01052) "%s: %s",
                     msc->servers.wrapper_where, suexec
                     ? apr_psprintf(p, "httpd's suexec (%s) runs the dynamic "
                                    "applications of virtual hosts with "
                                    "SuexecUserGroup (and of ~user URLs), "
                                    "as it does without this directive; "
                                    "FcgiProcServer applications and the "
                                    "others run as the httpd User %s (a "
                                    "wrapper path other than httpd's "
                                    "suexec is not used)",
                                    SUEXEC_BIN, user)
                     : apr_psprintf(p, "httpd's suexec is not enabled "
                                    "(httpd was not started as root, or "
                                    "its suexec binary is missing or not "
                                    "setuid root): every application runs "
                                    "as the httpd User %s, without a "
                                    "wrapper", user));
    }
    if (say && msc->servers.auto_update_where) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, main_s, FCGP_LOGNO(01053)
                     "%s -autoUpdate: accepted; new processes when the "
                     "program changes on disk (reload-on-change, see "
                     "FCGP03035) is always on, for every application we start",
                     msc->servers.auto_update_where);
    }
    return OK;
}
