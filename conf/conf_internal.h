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

#endif
