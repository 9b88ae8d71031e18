/* conf_servers.h: applications at a fixed path, as mod_fastcgi has them.
 *
 *   FcgiProcServer /path/app [options]       (FastCgiServer, AppClass):
 *       a static server: its processes are started with httpd and kept
 *       at -processes n by the process manager (a class whose minimum and
 *       maximum are n, never retired for idleness);
 *   FcgiProcExternalServer /virtual/path -host h:p[,h:p] | -socket path
 *       (FastCgiExternalServer, ExternalAppClass): an application someone
 *       else runs; we only connect to it (handler/backend.c);
 *   FastCgiConfig options: mod_fastcgi's settings for dynamic
 *       applications, each mapped to our directive or said to be unneeded;
 *   FastCgiWrapper / FastCgiSuexec: accepted; suexec is not done here
 *       (said once at startup).
 *
 * A request whose r->filename is a server's path is that server's, from
 * any virtual host (as mod_fastcgi: the definitions are global); its
 * handler is set to ours in the fixups hook, and neither Options ExecCGI
 * nor the file's existence is asked for.  Part of fcgp_srv_conf_t
 * (conf.h); conf_finalize.c resolves them at post_config. */
#ifndef FCGP_CONF_SERVERS_H
#define FCGP_CONF_SERVERS_H

#include <apr_hash.h>
#include <apr_network_io.h>
#include "httpd.h"
#include "http_config.h"

typedef enum {
    FCGP_SERVER_STATIC = 1,     /* FcgiProcServer */
    FCGP_SERVER_EXTERNAL        /* FcgiProcExternalServer */
} fcgp_server_kind_e;

/* One address of an external server.  down_until and logged are shared by
 * the threads of an httpd child (atomics); each child has its own. */
typedef struct {
    const char *name;           /* "127.0.0.1:9000", "[::1]:9000" or the
                                 * socket's path: for logs */
    apr_sockaddr_t *addr;       /* resolved when httpd starts */
    apr_uint32_t down_until;    /* apr_time_sec(): skipped until then */
    apr_uint32_t up_logged;     /* 1 while "answers again" is still due */
} fcgp_backend_t;

/* How long a backend that refused a connection is skipped. */
#define FCGP_BACKEND_SKIP_SEC 5

typedef struct fcgp_server_t fcgp_server_t;

typedef struct {
    apr_array_header_t *defs;   /* fcgp_server_t *: this server's own */
    apr_hash_t *by_path;        /* every server's, by path (post_config) */
    apr_array_header_t *notes;  /* main server: fcgp_server_note_t, said
                                 * once at startup */
    const char *wrapper_where;  /* FastCgiWrapper set: "Name (file:line)" */
    const char *auto_update_where;  /* FastCgiConfig -autoUpdate */
    apr_array_header_t *later;  /* role apps that do not exist: an
                                 * external server's path? (post_config) */
} fcgp_servers_conf_t;

/* Setters for the command table (conf/directives.h). */
const char *fcgp_servers_set_static(cmd_parms *cmd, void *dummy,
                                    const char *args);
const char *fcgp_servers_set_external(cmd_parms *cmd, void *dummy,
                                      const char *args);
const char *fcgp_servers_set_config(cmd_parms *cmd, void *dummy,
                                    const char *args);
const char *fcgp_servers_set_wrapper(cmd_parms *cmd, void *dummy,
                                     const char *arg);

/* An authorizer app (conf_roles.c) that is not there: returns 1 when it
 * may yet be an external server's virtual path (no such file at all),
 * which fcgp_servers_finalize checks; 0: refuse it now. */
int fcgp_servers_later(cmd_parms *cmd, const char *path);

void fcgp_servers_init(apr_pool_t *p, fcgp_servers_conf_t *sv);
void fcgp_servers_merge(fcgp_servers_conf_t *out,
                        const fcgp_servers_conf_t *base,
                        const fcgp_servers_conf_t *add);

#endif
