/* role.c: FcgiProcAuthenticator, FcgiProcAuthorizer and
 * FcgiProcAccessChecker (mod_fcgid's FcgidAuthenticator, ...): the
 * check_authn, check_authz and check_access hooks.  The app runs in the
 * FastCGI AUTHORIZER role through handler.c's request path
 * (fcgp_authorizer_run: a worker of its own class, counted and handed back
 * like any other); this file gives it the request's CGI environment and
 * turns its answer into the hook's result, as mod_fcgid 2.3.9 does:
 *
 *   200 (no Location:)  granted: its Variable-NAME headers become NAME in
 *                       r->subprocess_env (not sent to the client, unlike
 *                       mod_fcgid); other headers it sent stay in
 *                       err_headers_out, as with mod_fcgid.
 *   anything else       denied: 401, with the headers it sent (for the
 *                       authenticator and authorizer, AuthType's
 *                       challenge is noted as well: with mod_auth_basic,
 *                       WWW-Authenticate: Basic realm="AuthName").
 *   the app failed      the failure table's status (502, 503, 504) and its
 *                       one line.
 * With *Authoritative Off, a denial or a failure is DECLINED instead, and
 * r is left as it was, so that other modules decide. */
#include <string.h>
#include <apr_strings.h>
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_script.h"
#include "fcgp_log.h"
#include "conf/conf.h"
#include "handler/handler.h"
#include "handler/fcgiproc_handler.h"

FCGP_LOG_MODULE;

static const struct {
    const char *role;           /* FCGI_APACHE_ROLE */
    const char *phase;          /* for log lines */
} phases[FCGP_PHASE_NUM] = {
    [FCGP_PHASE_AUTHN] = {"AUTHENTICATOR", "authenticator"},
    [FCGP_PHASE_AUTHZ] = {"AUTHORIZER", "authorizer"},
    [FCGP_PHASE_ACCESS] = {"ACCESS_CHECKER", "access checker"},
};

/* What the app's answer may change in r, kept to put back. */
typedef struct {
    apr_table_t *env, *headers_out, *err_headers_out;
    int status;
    const char *status_line;
    const char *content_type;
    apr_time_t mtime;
} saved_t;

static void save(request_rec *r, saved_t *sv)
{
    sv->env = apr_table_copy(r->pool, r->subprocess_env);
    sv->headers_out = apr_table_copy(r->pool, r->headers_out);
    sv->err_headers_out = apr_table_copy(r->pool, r->err_headers_out);
    sv->status = r->status;
    sv->status_line = r->status_line;
    sv->content_type = r->content_type;
    sv->mtime = r->mtime;
}

/* Put back what the answer set, except err_headers_out (the caller's
 * choice) and the environment (always put back first). */
static void restore(request_rec *r, const saved_t *sv)
{
    r->headers_out = sv->headers_out;
    r->status = sv->status;
    r->status_line = sv->status_line;
    r->content_type = sv->content_type;
    r->mtime = sv->mtime;
}

/* The request's CGI environment for the app, as mod_fcgid builds it: no
 * CONTENT_LENGTH (there is no body), no PATH_INFO, PATH_TRANSLATED or
 * SCRIPT_NAME (the FastCGI spec), no hop-by-hop headers. */
static void make_env(request_rec *r, fcgp_phase_e ph, const char *password)
{
    static const char *const drop[] = {
        "CONTENT_LENGTH", "PATH_INFO", "PATH_TRANSLATED", "SCRIPT_NAME",
        "HTTP_KEEP_ALIVE", "HTTP_TE", "HTTP_TRAILER",
        "HTTP_TRANSFER_ENCODING", "HTTP_UPGRADE",
    };
    char *path_info = r->path_info;
    const apr_array_header_t *env;
    apr_table_entry_t *e;
    apr_size_t i;
    int j;

    /* Without path_info, ap_add_cgi_vars makes no subrequest to find
     * PATH_TRANSLATED (which the app does not get anyway). */
    r->path_info = NULL;
    ap_add_common_vars(r);
    ap_add_cgi_vars(r);
    r->path_info = path_info;
    for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
        apr_table_unset(r->subprocess_env, drop[i]);
    }
    apr_table_setn(r->subprocess_env, "HTTP_CONNECTION", "close");
    if (ph == FCGP_PHASE_AUTHN) {
        apr_table_setn(r->subprocess_env, "REMOTE_PASSWD", password);
    }
    apr_table_setn(r->subprocess_env, "FCGI_APACHE_ROLE", phases[ph].role);
    /* A request without a file (r->filename NULL) gets SCRIPT_FILENAME
     * without a value: the FastCGI encoder wants a string. */
    env = apr_table_elts(r->subprocess_env);
    e = (apr_table_entry_t *)env->elts;
    for (j = 0; j < env->nelts; j++) {
        if (e[j].key && !e[j].val) {
            e[j].val = "";
        }
    }
}

/* Granted: each Variable-NAME header becomes NAME in the environment of
 * the later phases and of the handler; the rest of what the app sent to
 * err_headers_out stays there (mod_fcgid sends it on; so does a cookie). */
static void export_variables(request_rec *r)
{
    const apr_array_header_t *h = apr_table_elts(r->err_headers_out);
    const apr_table_entry_t *e = (const apr_table_entry_t *)h->elts;
    apr_table_t *keep = apr_table_make(r->pool, h->nelts);
    int i;

    for (i = 0; i < h->nelts; i++) {
        if (!e[i].key) {
            continue;
        }
        if (strncasecmp(e[i].key, "Variable-", 9) == 0 && e[i].key[9]) {
            apr_table_setn(r->subprocess_env, e[i].key + 9, e[i].val);
        }
        else {
            apr_table_addn(keep, e[i].key, e[i].val);
        }
    }
    r->err_headers_out = keep;
}

static int check(request_rec *r, fcgp_phase_e ph)
{
    const fcgp_dir_conf_t *dc = FCGP_DIR(r);
    const fcgp_role_app_t *app;
    const char *password = NULL, *why = "";
    char *user = r->user, *auth_type = r->ap_auth_type;
    fcgp_authorizer_t a;
    fcgp_wrapper_t cmd;
    saved_t sv;
    int authoritative, st, granted;

    app = fcgp_roles_app(&dc->roles, ph, &authoritative);
    if (!app) {
        return DECLINED;
    }
    if (ph == FCGP_PHASE_AUTHN
        && (st = ap_get_basic_auth_pw(r, &password)) != OK) {
        /* No credentials yet (401, the challenge noted), or no AuthType
         * Basic here (declined, whatever the Authoritative flag says, as
         * with mod_fcgid). */
        if (st == DECLINED) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, FCGP_LOGNO(02031)
                          "%s %s: %s %s needs \"AuthType Basic\" (and an "
                          "AuthName) here; left to other modules",
                          r->method, r->uri, app->directive, app->cmdline);
        }
        return st;
    }
    cmd.cmdline = app->cmdline;
    cmd.argc = app->argc;
    cmd.argv = app->argv;
    cmd.suffix = NULL;
    cmd.php_cgi = app->php_cgi;
    cmd.virtual = 0;
    a.cmd = &cmd;
    a.phase = phases[ph].phase;
    a.directive = app->directive;
    a.declined = authoritative ? NULL
        : apr_pstrcat(r->pool, app->directive, "Authoritative Off: left to "
                      "other modules", NULL);

    save(r, &sv);
    make_env(r, ph, password);
    r->status = HTTP_OK;
    st = fcgp_authorizer_run(r, &a);
    r->subprocess_env = sv.env;
    granted = st == OK && r->status == HTTP_OK
              && !apr_table_get(r->headers_out, "Location");
    if (granted) {
        restore(r, &sv);
        export_variables(r);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "%s %s: %s %s granted "
                      "%s%s", r->method, r->uri, a.phase, app->cmdline,
                      r->user ? "user " : "access",
                      r->user ? r->user : "");
        return OK;
    }
    if (st == OK) {
        /* It answered, and said no (the failure line is written already
         * for an app that failed). */
        if (r->status == HTTP_OK) {
            why = "; a Location: in the answer is not allowed";
        }
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, FCGP_LOGNO(02030)
                      "%s %s: %s %s denied %s%s (its status %d%s)%s%s",
                      r->method, r->uri, a.phase, app->cmdline,
                      r->user ? "user " : "access",
                      r->user ? r->user : "", r->status, why,
                      a.declined ? "; " : "",
                      a.declined ? a.declined : "");
    }
    if (!authoritative) {
        restore(r, &sv);
        r->err_headers_out = sv.err_headers_out;
        r->user = user;             /* as ap_get_basic_auth_pw found it */
        r->ap_auth_type = auth_type;
        return DECLINED;
    }
    if (st != OK) {
        /* The failure's status; what a half-read answer set is dropped
         * (err_headers_out keeps a 503's Retry-After). */
        restore(r, &sv);
        return st;
    }
    /* Denied: 401 whatever status the app gave (mod_fcgid's rule), with
     * the headers it sent; the error page is httpd's. */
    if (ph != FCGP_PHASE_ACCESS) {
        ap_note_auth_failure(r);
    }
    return HTTP_UNAUTHORIZED;
}

int fcgp_role_authn(request_rec *r)
{
    return check(r, FCGP_PHASE_AUTHN);
}

int fcgp_role_authz(request_rec *r)
{
    return check(r, FCGP_PHASE_AUTHZ);
}

int fcgp_role_access(request_rec *r)
{
    return check(r, FCGP_PHASE_ACCESS);
}
