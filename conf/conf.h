/* conf.h: mod_fcgiproc's directives, their defaults, and the per-server and
 * per-directory configuration.  The handler reads these structs; the PM only
 * ever sees the plain values (pm/pm_types.h) that conf fills in. */
#ifndef FCGP_CONF_H
#define FCGP_CONF_H

#include "httpd.h"
#include "http_config.h"
#include "pm/pm_types.h"
#include "conf/conf_roles.h"

/* Numeric directives, one index each.  The table in conf.c gives each its
 * name, kind, range and default; adding one is one enum entry and one
 * table row (and an alias is one more AP_INIT line). */
typedef enum {
    FCGP_C_MAX_PROCS = 0,       /* global */
    FCGP_C_MAX_PROCS_CLASS,
    FCGP_C_MIN_PROCS_CLASS,
    FCGP_C_MAX_REQUESTS,
    FCGP_C_APP_MAX_REQUESTS,
    FCGP_C_IDLE_TIMEOUT,
    FCGP_C_LIFETIME,
    FCGP_C_CONNECT_TIMEOUT,
    FCGP_C_IO_TIMEOUT,
    FCGP_C_BUSY_TIMEOUT,
    FCGP_C_QUEUE_TIMEOUT,
    FCGP_C_MAX_REQUEST_LEN,
    FCGP_C_KILL_TIMEOUT,
    FCGP_C_MAX_REQUEST_IN_MEM,
    FCGP_C_NUM
} fcgp_conf_idx_e;

typedef struct {
    const char *cmdline;        /* as written, for logs */
    int argc;
    const char **argv;
    const char *suffix;         /* ".php", or NULL for any file */
    int php_cgi;                /* the command is php-cgi */
} fcgp_wrapper_t;

typedef struct {
    apr_array_header_t *wrappers;   /* fcgp_wrapper_t; later ones win */
    fcgp_roles_conf_t roles;        /* authorizer apps (conf_roles.c) */
} fcgp_dir_conf_t;

typedef struct {
    apr_int64_t val[FCGP_C_NUM];    /* counts, bytes, or microseconds */
    unsigned char set[FCGP_C_NUM];
    apr_array_header_t *initial_env;/* "NAME=value" in order */
    const char *ipc_dir;            /* global */
    const char *ipc_dir_where;      /* "FcgiProcIPCDir (file:line)" */
    const char *spool_dir;          /* chunked bodies; NULL: temp dir */
    const char *spool_dir_where;    /* "FcgiProcSpoolDir (file:line)" */
    /* Filled in at post_config for each server: */
    const char *pm_path;
    const char *vhost;
    int envc;
    const char **env;               /* base + FcgiProcInitialEnv */
    const char *php_max_requests;   /* PHP_FCGI_MAX_REQUESTS, or NULL */
    int php_envc;
    const char **php_env;           /* php-cgi's: env + the limit we give */
    fcgp_app_limits_t limits[2];    /* [1]: php-cgi's, [0]: any other */
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

/* The environment a command starts with on this server. */
void fcgp_conf_env(const fcgp_srv_conf_t *sc, int php_cgi,
                   int *envc, const char *const **env);

/* The class limits for a command, resolved for this server at startup. */
const fcgp_app_limits_t *fcgp_conf_limits(const fcgp_srv_conf_t *sc,
                                          int php_cgi);

#endif
