/* fcgp_log.h: our log-tag macro.  Every message at NOTICE or above carries
 * a unique tag "FCGPnnnnn"; the list of tags and what each means is in
 * docs/log-tags.md (`make check-rules`, t/check_rules.sh, fails when a tag in
 * the code is missing there or used twice, or a NOTICE+ message has none).
 * Ranges: 01xxx conf, 02xxx handler, 03xxx process manager, 04xxx module
 * glue and PM supervision. */
#ifndef FCGP_LOG_H
#define FCGP_LOG_H

#define FCGP_LOGNO(n) "FCGP" #n ": "

/* Every file that logs says FCGP_LOG_MODULE; (instead of httpd's
 * APLOG_USE_MODULE): our log lines go under the identity httpd loaded us
 * as (fcgiproc or fcgid, see mod_fcgiproc.c), so "LogLevel fcgid:debug"
 * works for a mod_fcgid configuration.  mod_fcgiproc.c sets the index. */
extern int fcgp_log_index;
#define FCGP_LOG_MODULE \
    static int *const aplog_module_index = &fcgp_log_index

#endif
