/* fcgp_log.h: our log-tag macro.  Every message at NOTICE or above carries
 * a unique tag "FCGPnnnnn"; the list of tags and what each means is in
 * docs/log-tags.md (`make check-rules`, t/check_rules.sh, fails when a tag in
 * the code is missing there or used twice, or a NOTICE+ message has none).
 * Ranges: 01xxx conf, 02xxx handler, 03xxx process manager, 04xxx module
 * glue and PM supervision. */
#ifndef FCGP_LOG_H
#define FCGP_LOG_H

#define FCGP_LOGNO(n) "FCGP" #n ": "

#endif
