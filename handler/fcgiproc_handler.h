/* fcgiproc_handler.h: what mod_fcgiproc.c needs from handler/. */
#ifndef FCGP_FCGIPROC_HANDLER_H
#define FCGP_FCGIPROC_HANDLER_H

#include "httpd.h"

#define FCGP_HANDLER_NAME "fcgiproc-script"
#define FCGP_STATUS_HANDLER_NAME "fcgiproc-status"

/* The content handler (hook: handler, APR_HOOK_MIDDLE). */
int fcgp_handler(request_rec *r);

/* The status page handler (SetHandler fcgiproc-status). */
int fcgp_status_handler(request_rec *r);

/* The authorizer apps (role.c): FcgiProcAuthenticator (hook check_authn),
 * FcgiProcAuthorizer (check_authz), FcgiProcAccessChecker (check_access). */
int fcgp_role_authn(request_rec *r);
int fcgp_role_authz(request_rec *r);
int fcgp_role_access(request_rec *r);

#endif
