/* conf_parse.c: pure value parsers and cross-checks (see conf_parse.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_network_io.h>
#include "conf/conf_parse.h"

static const char *parse_number(apr_pool_t *p, const char *directive,
                                const char *arg, apr_int64_t min,
                                apr_int64_t max, apr_int64_t *out,
                                int allow_suffix, const char *what)
{
    char *end = NULL;
    apr_int64_t v, mult = 1;

    if (!arg || !apr_isdigit(*arg)) {
        goto bad;
    }
    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    if (errno) {
        goto bad;
    }
    if (allow_suffix && *end) {
        switch (apr_toupper(*end)) {
        case 'K': mult = 1024; break;
        case 'M': mult = 1024 * 1024; break;
        case 'G': mult = 1024 * 1024 * 1024; break;
        default: goto bad;
        }
        end++;
        if (apr_toupper(*end) == 'B') {
            end++;
        }
    }
    if (*end) {
        goto bad;
    }
    if (v > max / mult || v * mult < min || v * mult > max) {
        return apr_psprintf(p, "%s: %s is out of range; use %s from %"
                            APR_INT64_T_FMT " to %" APR_INT64_T_FMT,
                            directive, arg, what, min, max);
    }
    *out = v * mult;
    return NULL;
bad:
    return apr_psprintf(p, "%s: '%s' is not %s", directive, arg ? arg : "",
                        allow_suffix ? "a size (bytes, or a number with K, "
                                       "M or G)" : "a whole number");
}

const char *fcgp_parse_count(apr_pool_t *p, const char *directive,
                             const char *arg, apr_int64_t min,
                             apr_int64_t max, apr_int64_t *out)
{
    return parse_number(p, directive, arg, min, max, out, 0, "a number");
}

const char *fcgp_parse_bytes(apr_pool_t *p, const char *directive,
                             const char *arg, apr_int64_t min,
                             apr_int64_t max, apr_int64_t *out)
{
    return parse_number(p, directive, arg, min, max, out, 1, "a size");
}

int fcgp_is_php_cgi(const char *argv0)
{
    const char *base = strrchr(argv0, '/');
    base = base ? base + 1 : argv0;
    return strncmp(base, "php", 3) == 0 && strstr(base, "cgi") != NULL;
}

static apr_uint32_t php_cgi_limit(apr_int64_t ours)
{
    if (ours <= 0) {
        return FCGP_PHP_CGI_MAX_REQUESTS;
    }
    /* php-cgi keeps it in an int */
    return ours > 2147483647 ? 2147483647u : (apr_uint32_t)ours;
}

apr_uint32_t fcgp_effective_limit(apr_int64_t ours, apr_int64_t app_declared,
                                  const char *php_env, int is_php_cgi,
                                  fcgp_limit_source_e *source)
{
    apr_int64_t app = 0;
    fcgp_limit_source_e app_src = FCGP_LIMIT_NONE;

    if (php_env) {
        char *end;
        apr_int64_t v;
        errno = 0;
        v = apr_strtoi64(php_env, &end, 10);
        /* php-cgi keeps it in an int: beyond that it is no usable limit */
        if (*php_env && !*end && v > 0 && errno != ERANGE
            && v <= 2147483647) {
            app = v;
            app_src = FCGP_LIMIT_PHP_ENV;
        }
        /* "0" or garbage: php-cgi serves without a limit of its own */
    }
    else if (app_declared > 0) {
        app = app_declared;
        app_src = FCGP_LIMIT_APP_DECLARED;
    }
    else if (is_php_cgi) {
        app = php_cgi_limit(ours);
        app_src = ours > 0 ? FCGP_LIMIT_OURS : FCGP_LIMIT_PHP_GIVEN;
    }
    if (ours > 0 && (app == 0 || ours < app)) {
        *source = FCGP_LIMIT_OURS;
        return (apr_uint32_t)ours;
    }
    *source = app_src;
    return (apr_uint32_t)app;
}

const char *fcgp_parse_command(apr_pool_t *p, const char *directive,
                               const char *cmdline, int check_file,
                               int *argc, const char ***argv)
{
    char **args = NULL;
    apr_finfo_t fi;
    int n = 0;

    if (apr_tokenize_to_argv(cmdline, &args, p) != APR_SUCCESS || !args
        || !args[0] || !*args[0]) {
        return apr_psprintf(p, "%s: empty command", directive);
    }
    while (args[n]) {
        n++;
    }
    if (args[0][0] != '/') {
        return apr_psprintf(p, "%s: the command '%s' must be an absolute "
                            "path", directive, args[0]);
    }
    if (check_file) {
        if (apr_stat(&fi, args[0], APR_FINFO_TYPE, p) != APR_SUCCESS) {
            return apr_psprintf(p, "%s: the command %s does not exist",
                                directive, args[0]);
        }
        if (fi.filetype != APR_REG || access(args[0], X_OK) != 0) {
            return apr_psprintf(p, "%s: the command %s is not an "
                                "executable file", directive, args[0]);
        }
    }
    *argc = n;
    *argv = (const char **)args;
    return NULL;
}

const char *fcgp_parse_host_port(apr_pool_t *p, const char *directive,
                                 const char *arg, const char **host,
                                 apr_port_t *port)
{
    char *addr = NULL, *scope = NULL;
    apr_port_t n = 0;

    /* An IPv6 address needs its brackets: "::1:9000" could be read
     * either way. */
    if (!*arg || apr_parse_addr_port(&addr, &scope, &n, arg, p)
                 != APR_SUCCESS || !addr || scope
        || (strchr(addr, ':') && *arg != '[')) {
        return apr_psprintf(p, "%s: '%s' is not host:port (a name, an IPv4 "
                            "address or an IPv6 address in brackets, then a "
                            "port)", directive, arg);
    }
    if (n == 0) {
        return apr_psprintf(p, "%s: '%s' has no port (use host:port, from 1 "
                            "to 65535)", directive, arg);
    }
    *host = addr;
    *port = n;
    return NULL;
}
