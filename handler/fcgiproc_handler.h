/* fcgiproc_handler.h: what mod_fcgiproc.c needs from handler/. */
#ifndef FCGP_FCGIPROC_HANDLER_H
#define FCGP_FCGIPROC_HANDLER_H

#include "httpd.h"

#define FCGP_HANDLER_NAME "fcgiproc-script"

/* The content handler (hook: handler, APR_HOOK_MIDDLE). */
int fcgp_handler(request_rec *r);

#endif
