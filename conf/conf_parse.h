/* conf_parse.h: pure value parsers and cross-checks for the directives.
 * No httpd calls (APR only), so t/unit/test_conf_parse.c links them alone.
 * Every parser returns NULL on success or an error message allocated from
 * p that names the directive and the bad value. */
#ifndef FCGP_CONF_PARSE_H
#define FCGP_CONF_PARSE_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_network_io.h>
#include "pm/pm_types.h"

/* A whole number in [min, max]. */
const char *fcgp_parse_count(apr_pool_t *p, const char *directive,
                             const char *arg, apr_int64_t min,
                             apr_int64_t max, apr_int64_t *out);

/* A size in bytes, with an optional K, M or G suffix (powers of 1024). */
const char *fcgp_parse_bytes(apr_pool_t *p, const char *directive,
                             const char *arg, apr_int64_t min,
                             apr_int64_t max, apr_int64_t *out);

/* Is this command php-cgi (php-cgi, php-cgi8.2, php8.2-cgi, ...)? */
int fcgp_is_php_cgi(const char *argv0);

/* When FcgiProcInitialEnv does not set PHP_FCGI_MAX_REQUESTS, php-cgi is
 * given the limit we retire it at (fcgp_effective_limit() with no env):
 * FcgiProcAppMaxRequests or FcgiProcMaxRequestsPerProcess when set, else
 * FCGP_PHP_CGI_MAX_REQUESTS (php-cgi's own default, 500, would restart it
 * twenty times as often; each start costs about 12 ms of CPU). */
#define FCGP_PHP_CGI_MAX_REQUESTS 10000

/* The request limit the PM enforces for a class: the smaller of ours
 * (FcgiProcMaxRequestsPerProcess, 0 = none) and the application's own,
 * which is PHP_FCGI_MAX_REQUESTS when the env sets it (php_env, NULL when
 * unset; "0" means unlimited), else FcgiProcAppMaxRequests when declared
 * (app_declared > 0), else, for php-cgi, ours (at most INT_MAX: php-cgi
 * keeps it in an int) or FCGP_PHP_CGI_MAX_REQUESTS, the value we give it.
 * Returns 0 for no limit; *source tells where the result came from. */
apr_uint32_t fcgp_effective_limit(apr_int64_t ours, apr_int64_t app_declared,
                                  const char *php_env, int is_php_cgi,
                                  fcgp_limit_source_e *source);

/* Split a command line the way a shell would (quotes, backslashes) and
 * check that the program is an absolute path to an executable file. */
const char *fcgp_parse_command(apr_pool_t *p, const char *directive,
                               const char *cmdline, int check_file,
                               int *argc, const char ***argv);

/* "host:port", "[v6 address]:port" (an external server's -host): the host
 * and a port from 1 to 65535. */
const char *fcgp_parse_host_port(apr_pool_t *p, const char *directive,
                                 const char *arg, const char **host,
                                 apr_port_t *port);

#endif
