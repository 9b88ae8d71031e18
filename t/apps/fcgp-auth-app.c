/*
 * fcgp-auth-app: a FastCGI authorizer for the role tests
 * (FcgiProcAuthenticator, FcgiProcAuthorizer, FcgiProcAccessChecker and
 * mod_fcgid's Fcgid* names for them).  libfcgi; listens on fd 0.
 *
 * It decides by FCGI_APACHE_ROLE:
 *   AUTHENTICATOR   grants when REMOTE_PASSWD is "pw-" + REMOTE_USER
 *                   (alice:pw-alice), else 401 with
 *                   WWW-Authenticate: Basic realm="fcgp-auth-app"
 *   AUTHORIZER      grants unless REMOTE_USER is "mallory" (403)
 *   ACCESS_CHECKER  grants unless the query string has "deny=1" (403)
 *   anything else   500 "not asked in an authorizer role"
 *
 * A grant is "Status: 200" with
 *   Variable-FCGP_<ROLE>: role=<FastCGI role> stdin=<bytes, or -1 when not
 *       read> cl=<CONTENT_LENGTH
 *       or -> passwd=<REMOTE_PASSWD or -> user=<REMOTE_USER or -> pid=<pid>
 *   Variable-FCGP_AUTH_PID: <pid>
 *   X-Fcgp-Auth-Extra: <role>   (not a Variable-: what becomes of it?)
 * and the body "granted\n".  A denial carries X-Fcgp-Denied: <role> and the
 * body "denied by fcgp-auth-app\n".
 *
 * Query options (in the QUERY_STRING of the request being checked):
 *   crash=<ROLE>        _exit(3) before answering in that role
 *   denystatus=NNN      deny with this status instead of 401/403
 *   location=<ROLE>     answer "Status: 200" with a Location: header
 *   bigbody=<ROLE>      grant with a 1 MB body
 *   readstdin=1         read FCGI_STDIN to its end (and count it)
 */
#define _GNU_SOURCE
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Is "key=value" one of the query's '&'-separated parameters? */
static int has_param(const char *qs, const char *key, const char *value)
{
    size_t klen = strlen(key), vlen = strlen(value);
    const char *p = qs;

    while (p && *p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == klen + 1 + vlen && strncmp(p, key, klen) == 0
            && p[klen] == '=' && strncmp(p + klen + 1, value, vlen) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static int param_int(const char *qs, const char *key)
{
    size_t klen = strlen(key);
    const char *p = qs;

    while (p && *p) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=')
            return atoi(p + klen + 1);
        p = strchr(p, '&');
        if (p)
            p++;
    }
    return 0;
}

static long drain_stdin(FCGX_Request *req)
{
    char buf[4096];
    long total = 0;
    int n;
    while ((n = FCGX_GetStr(buf, sizeof(buf), req->in)) > 0)
        total += n;
    return total;
}

static const char *param(FCGX_Request *req, const char *name)
{
    const char *v = FCGX_GetParam(name, req->envp);
    return v ? v : "-";
}

static void handle(FCGX_Request *req)
{
    const char *role = FCGX_GetParam("FCGI_APACHE_ROLE", req->envp);
    const char *qs = FCGX_GetParam("QUERY_STRING", req->envp);
    const char *user = FCGX_GetParam("REMOTE_USER", req->envp);
    const char *pw = FCGX_GetParam("REMOTE_PASSWD", req->envp);
    FCGX_Stream *out = req->out;
    long in_bytes = -1;
    int deny = 0, deny_status;
    char want[256];

    if (!qs)
        qs = "";
    /* Only when asked: mod_fcgid sends no FCGI_STDIN at all in this role,
     * not even the empty record, so a read would wait for ever. */
    if (has_param(qs, "readstdin", "1"))
        in_bytes = drain_stdin(req);
    if (!role) {
        FCGX_FPrintF(out, "Status: 500\r\nContent-Type: text/plain\r\n\r\n"
                     "not asked in an authorizer role (FastCGI role %d)\n",
                     req->role);
        return;
    }
    if (has_param(qs, "crash", role))
        _exit(3);
    if (!strcmp(role, "AUTHENTICATOR")) {
        snprintf(want, sizeof(want), "pw-%s", user ? user : "");
        deny = !pw || strcmp(pw, want) != 0;
        deny_status = 401;
    }
    else if (!strcmp(role, "AUTHORIZER")) {
        deny = !user || !strcmp(user, "mallory");
        deny_status = 403;
    }
    else {
        deny = has_param(qs, "deny", "1");
        deny_status = 403;
    }
    if (param_int(qs, "denystatus"))
        deny_status = param_int(qs, "denystatus");
    if (deny) {
        FCGX_FPrintF(out, "Status: %d\r\nContent-Type: text/plain\r\n",
                     deny_status);
        if (deny_status == 401)
            FCGX_FPrintF(out, "WWW-Authenticate: Basic "
                         "realm=\"fcgp-auth-app\"\r\n");
        FCGX_FPrintF(out, "X-Fcgp-Denied: %s\r\n\r\n"
                     "denied by fcgp-auth-app\n", role);
        return;
    }
    FCGX_FPrintF(out, "Status: 200\r\nContent-Type: text/plain\r\n"
                 "Variable-FCGP_%s: role=%d stdin=%ld cl=%s passwd=%s "
                 "user=%s pid=%ld\r\n"
                 "Variable-FCGP_AUTH_PID: %ld\r\n"
                 "X-Fcgp-Auth-Extra: %s\r\n",
                 role, req->role, in_bytes, param(req, "CONTENT_LENGTH"),
                 param(req, "REMOTE_PASSWD"), param(req, "REMOTE_USER"),
                 (long)getpid(), (long)getpid(), role);
    if (has_param(qs, "location", role))
        FCGX_FPrintF(out, "Location: /elsewhere\r\n");
    FCGX_FPrintF(out, "\r\n");
    if (has_param(qs, "bigbody", role)) {
        static char chunk[8192];
        int i;
        memset(chunk, 'x', sizeof(chunk));
        for (i = 0; i < 128; i++)
            FCGX_PutStr(chunk, sizeof(chunk), out);
    }
    FCGX_FPrintF(out, "granted\n");
}

int main(void)
{
    FCGX_Request req;

    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        handle(&req);
        FCGX_Finish_r(&req);
    }
    FCGX_Free(&req, 1);
    return 0;
}
