/* fcgiproc_handler.h: what mod_fcgiproc.c needs from handler/. */
#ifndef FCGP_FCGIPROC_HANDLER_H
#define FCGP_FCGIPROC_HANDLER_H

#include "httpd.h"

#define FCGP_HANDLER_NAME "fcgiproc-script"
#define FCGP_HANDLER_NAME_FCGID "fcgid-script"  /* mod_fcgid's, the same */
#define FCGP_HANDLER_NAME_FASTCGI "fastcgi-script"  /* mod_fastcgi's */
#define FCGP_STATUS_HANDLER_NAME "fcgiproc-status"
#define FCGP_READY_HANDLER_NAME "fcgiproc-ready"

/* The content handler (hook: handler, APR_HOOK_MIDDLE). */
int fcgp_handler(request_rec *r);

/* Hook fixups: a request for a FcgiProcServer's or
 * FcgiProcExternalServer's path gets our handler (as mod_fastcgi). */
int fcgp_fixups(request_rec *r);

/* The status page handler (SetHandler fcgiproc-status). */
int fcgp_status_handler(request_rec *r);

/* The readiness check (SetHandler fcgiproc-ready; ready.c). */
int fcgp_ready_handler(request_rec *r);

/* Our section of mod_status's /server-status (its optional hook
 * status_hook; flags: AP_STATUS_*).  Always OK. */
int fcgp_status_hook(request_rec *r, int flags);
/* The authorizer apps (role.c): FcgiProcAuthenticator (hook check_authn),
 * FcgiProcAuthorizer (check_authz), FcgiProcAccessChecker (check_access). */
int fcgp_role_authn(request_rec *r);
int fcgp_role_authz(request_rec *r);
int fcgp_role_access(request_rec *r);

#endif
