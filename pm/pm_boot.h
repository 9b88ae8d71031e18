/* pm_boot.h: starting and supervising the process manager.  Parent only;
 * included by mod_fcgiproc.c alone. */
#ifndef FCGP_PM_BOOT_H
#define FCGP_PM_BOOT_H

#include "httpd.h"
#include "pm/pm_types.h"

/* Create FcgiProcIPCDir (0700, owned by the httpd User), or accept one
 * that already is exactly that; refuse anything else (a directory of
 * someone else's, one others may enter, a link).  where names the
 * directive and where it was set, for the error. */
apr_status_t fcgp_pm_ipc_dir_prepare(server_rec *s, const char *dir,
                                     const char *where);

/* post_config: make sure the PM socket exists (kept across restarts),
 * start this generation's PM and arrange for it to drain when pconf is
 * cleared.  Never blocks on the PM. */
apr_status_t fcgp_pm_boot(apr_pool_t *pconf, server_rec *s,
                          const fcgp_pm_settings_t *settings,
                          const char *pm_path);

#endif
