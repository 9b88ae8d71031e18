/* conf_internal.h: what conf.c (the setters) and conf_finalize.c (the
 * post_config resolution) share.  conf/ only. */
#ifndef FCGP_CONF_INTERNAL_H
#define FCGP_CONF_INTERNAL_H

#include "conf/conf.h"

typedef enum { KIND_NONE, KIND_COUNT, KIND_TIME, KIND_BYTES } fcgp_kind_e;

/* A row of conf/directives.h, as the setters need it. */
typedef struct {
    fcgp_conf_idx_e idx;
    const char *name;           /* ours */
    fcgp_kind_e kind;
    int global_only;
    apr_int64_t min, max, def;  /* seconds for KIND_TIME */
    const char *fcgid;          /* vs mod_fcgid; for unneeded rows: why */
} fcgp_directive_t;

extern const fcgp_directive_t fcgp_directives[FCGP_C_NUM];

/* A directive of mod_fcgid's that we accept but do not need. */
typedef struct {
    const char *name;           /* as written */
    const char *where;          /* "Name (file:line)" */
    const fcgp_directive_t *row;
} fcgp_unneeded_t;

/* A numeric row's value from arg, checked against its bounds; name is
 * what the error message calls it. */
const char *fcgp_conf_parse_value(apr_pool_t *p, const fcgp_directive_t *d,
                                  const char *name, const char *arg,
                                  apr_int64_t *v);

/* What a command runs with on server sc: the server's settings with the
 * command's options o (NULL: none) over them (conf_finalize.c). */
void fcgp_conf_resolve_app(apr_pool_t *p, const fcgp_srv_conf_t *sc,
                           const fcgp_cmd_opts_t *o, int php_cgi,
                           fcgp_app_conf_t *a);

/* post_config, after every server's own values are resolved: the
 * FcgiProcServer / FcgiProcExternalServer definitions of every server
 * (conf_servers.c): checked, resolved, indexed by path for every server;
 * a static server adds a profile (fcgp_app_profile_t) and an
 * fcgp_static_t; ipc_dir: FcgiProcIPCDir when set (relative -socket paths
 * are under it), else NULL; say: log the startup notes. */
int fcgp_servers_finalize(apr_pool_t *p, server_rec *main_s,
                          const char *ipc_dir, apr_array_header_t *profiles,
                          apr_array_header_t *statics, int say);

#endif
