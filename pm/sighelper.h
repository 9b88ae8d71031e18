/* sighelper.h: the privileged signal helper (pm/sighelper.c).  Called by
 * the PM process while it is still root, before it drops privileges
 * (pm_boot.c). */
#ifndef FCGP_PM_SIGHELPER_H
#define FCGP_PM_SIGHELPER_H

#include <apr.h>

/* Fork the helper; it signals only the calling process's children (or,
 * orphan_pgid > 1, the processes of a dead PM's group), never root's nor
 * pm_uid's.  Returns the caller's end of the helper's socket (close on
 * exec) and sets *helper_pid, or -1. */
int fcgp_sighelper_start(apr_uint32_t pm_uid, int orphan_pgid, void *server,
                         apr_uint32_t *helper_pid);

#endif
