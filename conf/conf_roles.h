/* conf_roles.h: the FastCGI authorizer apps of a directory:
 * FcgiProcAuthenticator, FcgiProcAuthorizer and FcgiProcAccessChecker with
 * their *Authoritative flags (mod_fcgid's Fcgid* and FastCgi* names set the
 * same fields).  Part of fcgp_dir_conf_t (conf.h); handler/role.c reads
 * them.  Inner sections override outer ones, each field on its own. */
#ifndef FCGP_CONF_ROLES_H
#define FCGP_CONF_ROLES_H

#include "httpd.h"
#include "http_config.h"

/* The access phases an app can decide, in the order httpd runs them for a
 * request that needs a user: access, then authentication, then
 * authorization. */
typedef enum {
    FCGP_PHASE_AUTHN = 0,       /* FcgiProcAuthenticator (check_authn) */
    FCGP_PHASE_AUTHZ,           /* FcgiProcAuthorizer (check_authz) */
    FCGP_PHASE_ACCESS,          /* FcgiProcAccessChecker (check_access) */
    FCGP_PHASE_NUM
} fcgp_phase_e;

/* One configured app. */
typedef struct {
    const char *cmdline;        /* as written, for logs */
    int argc;
    const char **argv;
    int php_cgi;                /* the command is php-cgi */
    const char *directive;      /* the name it was set with, for logs */
} fcgp_role_app_t;

typedef struct {
    const fcgp_role_app_t *app[FCGP_PHASE_NUM];   /* NULL: none */
    signed char authoritative[FCGP_PHASE_NUM];    /* -1: unset (On) */
} fcgp_roles_conf_t;

/* Setters for the command table (conf/directives.h); cmd->info is the
 * row, which gives the phase. */
const char *fcgp_roles_set_app(cmd_parms *cmd, void *dconf, const char *arg,
                               const char *compat);
const char *fcgp_roles_set_authoritative(cmd_parms *cmd, void *dconf,
                                         int on);

void fcgp_roles_init(fcgp_roles_conf_t *rc);
void fcgp_roles_merge(fcgp_roles_conf_t *out, const fcgp_roles_conf_t *base,
                      const fcgp_roles_conf_t *add);

/* The app for a phase here, or NULL; *authoritative: its flag (On unless
 * set Off). */
const fcgp_role_app_t *fcgp_roles_app(const fcgp_roles_conf_t *rc,
                                      fcgp_phase_e phase,
                                      int *authoritative);

#endif
