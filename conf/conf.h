/* conf.h: mod_fcgiproc's directives, their defaults, and the per-server and
 * per-directory configuration.  The handler reads these structs; the PM only
 * ever sees the plain values (pm/pm_types.h) that conf fills in. */
#ifndef FCGP_CONF_H
#define FCGP_CONF_H

#include <apr_hash.h>
#include "httpd.h"
#include "http_config.h"
#include "pm/pm_types.h"
#include "conf/directives.h"
#include "conf/conf_roles.h"
#include "conf/conf_servers.h"

/* One index per directive (conf/directives.h is the table). */
#define FCGP_DIRECTIVE_ENUM(id, ...) FCGP_C_##id,
typedef enum {
    FCGP_DIRECTIVES(FCGP_DIRECTIVE_ENUM)
    FCGP_C_NUM
} fcgp_conf_idx_e;

/* The identity httpd loaded the module as (fcgiproc_module or
 * fcgid_module; mod_fcgiproc.c), and our configuration under it. */
extern module *fcgp_module;
#define FCGP_SRV(s) \
    ((fcgp_srv_conf_t *)ap_get_module_config((s)->module_config, fcgp_module))
#define FCGP_DIR(r) \
    ((fcgp_dir_conf_t *)ap_get_module_config((r)->per_dir_config, \
                                             fcgp_module))

typedef struct {
    const char *cmdline;        /* as written, for logs */
    int argc;
    const char **argv;
    const char *suffix;         /* ".php", or NULL for any file */
    int php_cgi;                /* the command is php-cgi */
    int virtual;                /* the requested file need not exist */
    int htaccess;               /* set in an .htaccess file */
    const char *where;          /* "FcgidWrapper (file:line)" */
} fcgp_wrapper_t;

typedef struct {
    apr_array_header_t *wrappers;   /* fcgp_wrapper_t; later ones win */
    fcgp_roles_conf_t roles;        /* authorizer apps (conf_roles.c) */
} fcgp_dir_conf_t;

/* What a command runs with on one server, resolved at startup from the
 * server's directives and its FcgiProcCmdOptions. */
typedef struct {
    int envc;
    const char **env;               /* base + FcgiProcInitialEnv (+ the
                                     * PHP_FCGI_MAX_REQUESTS we give) */
    const char *php_max_requests;   /* PHP_FCGI_MAX_REQUESTS, or NULL */
    fcgp_app_limits_t limits;
    apr_interval_time_t connect_timeout, io_timeout, busy_timeout;
} fcgp_app_conf_t;

/* FcgiProcCmdOptions for one command, as written. */
typedef struct {
    const char *path;
    const char *where;              /* "FcgidCmdOptions (file:line)" */
    server_rec *defined_in;
    apr_int64_t val[FCGP_C_NUM];
    unsigned char set[FCGP_C_NUM];
    apr_array_header_t *initial_env;/* "NAME=value" */
} fcgp_cmd_opts_t;

/* FcgiProcServer / FcgiProcExternalServer (conf_servers.h). */
struct fcgp_server_t {
    fcgp_server_kind_e kind;
    const char *path;               /* the program (static) or the virtual
                                     * path (external): r->filename */
    const char *directive;          /* as written: "FastCgiServer" */
    const char *where;              /* "FastCgiServer (file:line)" */
    server_rec *defined_in;
    fcgp_cmd_opts_t opts;           /* its options over the server's */
    apr_array_header_t *pass_headers;   /* -pass-header: const char * */
    int flush;                      /* -flush */
    apr_uint32_t processes;         /* static: -processes */
    int priority;                   /* static: -priority (nice) */
    int php_cgi;                    /* static: the program is php-cgi */
    apr_array_header_t *backends;   /* external: fcgp_backend_t */
    apr_uint32_t next;              /* external: where the next request
                                     * starts (atomic) */
    /* Filled in at post_config: */
    const char *vhost;              /* the defining server's */
    const char **argv;              /* { path, NULL } (static and external) */
    fcgp_app_conf_t app;            /* environment, limits, timeouts */
};

typedef struct {
    apr_int64_t val[FCGP_C_NUM];    /* counts, bytes, or microseconds */
    unsigned char set[FCGP_C_NUM];
    apr_array_header_t *initial_env;/* "NAME=value" in order */
    apr_array_header_t *pass_headers;   /* const char * */
    apr_hash_t *cmd_opts;           /* path -> fcgp_cmd_opts_t */
    const char *ipc_dir;            /* global */
    const char *ipc_dir_where;      /* "FcgiProcIPCDir (file:line)" */
    const char *spool_dir;          /* chunked bodies; NULL: temp dir */
    const char *spool_dir_where;    /* "FcgiProcSpoolDir (file:line)" */
    int fix_pathinfo;               /* global */
    apr_array_header_t *unneeded;   /* main server: "Name (file:line)" and
                                     * row, of directives we do not need */
    apr_array_header_t *allow_wrappers; /* FcgiProcAllowWrapper: programs
                                     * (const char *) .htaccess may name */
    fcgp_servers_conf_t servers;    /* FcgiProcServer, ... (conf_servers.c) */
    /* Filled in at post_config for each server: */
    const char *pm_path;
    const char *vhost;
    fcgp_app_conf_t app[2];         /* [1]: php-cgi's, [0]: any other */
    apr_hash_t *cmd_apps;           /* path -> fcgp_app_conf_t[2] */
    fcgp_identity_t ident;          /* what its requests run as: its
                                     * SuexecUserGroup (suexec 1), or the
                                     * httpd User */
    const char *suexec_log;         /* where suexec says why it refused
                                     * (NULL: suexec is off) */
} fcgp_srv_conf_t;

extern const command_rec fcgp_conf_cmds[];

void *fcgp_conf_create_dir(apr_pool_t *p, char *dir);
void *fcgp_conf_merge_dir(apr_pool_t *p, void *base, void *add);
void *fcgp_conf_create_srv(apr_pool_t *p, server_rec *s);
void *fcgp_conf_merge_srv(apr_pool_t *p, void *base, void *add);

/* post_config: resolve every server's values, check them against each
 * other, warn about settings that defeat the exit-race protection, and
 * fill *settings for the PM.  Returns OK or HTTP_INTERNAL_SERVER_ERROR
 * (after logging which directive is wrong). */
int fcgp_conf_finalize(apr_pool_t *p, server_rec *main_s,
                       fcgp_pm_settings_t *settings);

/* Value of a numeric directive for this server (default if unset). */
apr_int64_t fcgp_conf_val(const fcgp_srv_conf_t *sc, fcgp_conf_idx_e i);

/* The wrapper for a file, by suffix; NULL when the file is the app. */
const fcgp_wrapper_t *fcgp_conf_wrapper_for(const fcgp_dir_conf_t *dc,
                                            const char *filename);

/* May this wrapper run for a request that runs as ident?  One from the
 * server's configuration always may; one from .htaccess only when its
 * program is listed with FcgiProcAllowWrapper, or when the request runs
 * through suexec as the site's own user (its virtual host's
 * SuexecUserGroup, or a ~user request). */
int fcgp_conf_wrapper_allowed(const fcgp_srv_conf_t *sc,
                              const fcgp_wrapper_t *w,
                              const fcgp_identity_t *ident);

/* What the command whose program is `program` runs with on this server
 * (its FcgiProcCmdOptions, if any, over the server's settings). */
const fcgp_app_conf_t *fcgp_conf_app(const fcgp_srv_conf_t *sc,
                                     const char *program, int php_cgi);

/* The FcgiProcServer or FcgiProcExternalServer whose path is `path` (any
 * virtual host's), or NULL. */
fcgp_server_t *fcgp_conf_server_for(const fcgp_srv_conf_t *sc,
                                    const char *path);

#endif
