/* conf_roles.c: FcgiProcAuthenticator, FcgiProcAuthorizer,
 * FcgiProcAccessChecker and their *Authoritative flags (see conf_roles.h).
 * The command must exist and be executable when the configuration is read
 * (like FcgiProcWrapper; mod_fcgid checks the same); errors name the
 * directive, httpd adds the file and line. */
#include <strings.h>
#include <apr_strings.h>
#include "httpd.h"
#include "http_config.h"
#include "conf/conf.h"
#include "conf/conf_internal.h"
#include "conf/conf_parse.h"
#include "conf/conf_roles.h"

/* The phase of the directive's row (conf/directives.h). */
static fcgp_phase_e phase_of(const cmd_parms *cmd)
{
    const fcgp_directive_t *d = cmd->info;
    switch (d->idx) {
    case FCGP_C_AUTHORIZER:
    case FCGP_C_AUTHORIZER_AUTH:
        return FCGP_PHASE_AUTHZ;
    case FCGP_C_ACCESS_CHECKER:
    case FCGP_C_ACCESS_CHECKER_AUTH:
        return FCGP_PHASE_ACCESS;
    default:
        return FCGP_PHASE_AUTHN;
    }
}

/* mod_fastcgi's "filename [-compat]": -compat asks for the FastCGI
 * specification's behaviour (only Variable-* headers exported), which is
 * the only one here.  Under mod_fastcgi's names (FastCgi*), as
 * mod_fastcgi has them: a relative filename is relative to ServerRoot,
 * and one that does not exist may be an external server's virtual path
 * (checked at post_config); under ours and mod_fcgid's, the command must
 * be an absolute path to an executable file. */
const char *fcgp_roles_set_app(cmd_parms *cmd, void *dconf, const char *arg,
                               const char *compat)
{
    fcgp_roles_conf_t *rc = &((fcgp_dir_conf_t *)dconf)->roles;
    fcgp_role_app_t *app = apr_pcalloc(cmd->pool, sizeof(*app));
    int fastcgi = strncasecmp(cmd->cmd->name, "FastCgi", 7) == 0;
    const char *err;

    if (compat && strcasecmp(compat, "-compat") != 0) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an option (the only "
                            "one is -compat)", cmd->cmd->name, compat);
    }
    if (fastcgi && *arg && *arg != '/' && *arg != '"' && *arg != '\'') {
        const char *abs = ap_server_root_relative(cmd->pool, arg);
        arg = abs ? abs : arg;
    }
    err = fcgp_parse_command(cmd->pool, cmd->cmd->name, arg, 1, &app->argc,
                             &app->argv);
    if (err && fastcgi
        && fcgp_parse_command(cmd->pool, cmd->cmd->name, arg, 0,
                                  &app->argc, &app->argv) == NULL
        && app->argc == 1 && fcgp_servers_later(cmd, app->argv[0])) {
        err = NULL;     /* maybe an external server's virtual path */
    }
    if (err) {
        return err;
    }
    app->cmdline = apr_pstrdup(cmd->pool, arg);
    app->php_cgi = fcgp_is_php_cgi(app->argv[0]);
    app->directive = cmd->cmd->name;
    rc->app[phase_of(cmd)] = app;
    return NULL;
}

const char *fcgp_roles_set_authoritative(cmd_parms *cmd, void *dconf, int on)
{
    fcgp_roles_conf_t *rc = &((fcgp_dir_conf_t *)dconf)->roles;
    rc->authoritative[phase_of(cmd)] = on ? 1 : 0;
    return NULL;
}

void fcgp_roles_init(fcgp_roles_conf_t *rc)
{
    int i;
    for (i = 0; i < FCGP_PHASE_NUM; i++) {
        rc->app[i] = NULL;
        rc->authoritative[i] = -1;
    }
}

void fcgp_roles_merge(fcgp_roles_conf_t *out, const fcgp_roles_conf_t *base,
                      const fcgp_roles_conf_t *add)
{
    int i;
    for (i = 0; i < FCGP_PHASE_NUM; i++) {
        out->app[i] = add->app[i] ? add->app[i] : base->app[i];
        out->authoritative[i] = add->authoritative[i] >= 0
                                ? add->authoritative[i]
                                : base->authoritative[i];
    }
}

const fcgp_role_app_t *fcgp_roles_app(const fcgp_roles_conf_t *rc,
                                      fcgp_phase_e phase, int *authoritative)
{
    *authoritative = rc->authoritative[phase] != 0;
    return rc->app[phase];
}
