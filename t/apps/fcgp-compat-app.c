/*
 * fcgp-compat-app: a FastCGI application for the mod_fcgid compatibility suite
 * (t/compat).  Written with libfcgi; it listens on fd 0, the way mod_fcgid
 * and mod_fcgiproc start an application.
 *
 * RESPONDER role: answers 200 text/plain with every FastCGI parameter it
 * was given, sorted by name, one per line as NAME="value" (a newline in a
 * value is shown as \n, a double quote as \"): the C twin of the Perl
 * example in mod_fcgid's manual.  Query options:
 *   only=A,B,C     only these parameters ("NAME unset" for a missing one)
 *   getenv=A,B     these variables of the process environment instead
 *                  ("NAME=value", or "NAME unset"), e.g. what
 *                  FcgidInitialEnv gave the process
 *
 * AUTHORIZER role (mod_fcgid's FcgidAuthenticator, FcgidAuthorizer and
 * FcgidAccessChecker all use it; FCGI_APACHE_ROLE says which):
 *   AUTHENTICATOR  REMOTE_USER/REMOTE_PASSWD must be alice/secret or
 *                  bob/hunter2: Status 200 with "Variable-AUTHN_BY:
 *                  fcgp-compat-app", else Status 401
 *   AUTHORIZER     only alice: Status 200 with "Variable-AUTHZ_GRANT:
 *                  <user>", else Status 403
 *   ACCESS_CHECKER a request with an X-Block header: Status 403, else
 *                  Status 200 with "Variable-ACCESS_OK: yes"
 * The body of a refusal says which check refused ("denied by <role>").
 *
 * Each line it answers also goes to stderr when FCGP_AUTH_LOG is set, so a
 * test can see that the application was (or was not) asked.
 */
#define _GNU_SOURCE
#include <fastcgi.h>
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void put_quoted(FCGX_Stream *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\n')
            FCGX_PutS("\\n", out);
        else if (*v == '"')
            FCGX_PutS("\\\"", out);
        else
            FCGX_PutChar(*v, out);
    }
}

/* The value of name=... in the query string (not decoded), copied to buf. */
static const char *query_arg(const char *qs, const char *name, char *buf,
                             size_t size)
{
    size_t n = strlen(name);
    while (qs && *qs) {
        const char *end = strchr(qs, '&');
        size_t len = end ? (size_t)(end - qs) : strlen(qs);
        if (len > n && strncmp(qs, name, n) == 0 && qs[n] == '=') {
            size_t vlen = len - n - 1;
            if (vlen >= size)
                vlen = size - 1;
            memcpy(buf, qs + n + 1, vlen);
            buf[vlen] = '\0';
            return buf;
        }
        qs = end ? end + 1 : NULL;
    }
    return NULL;
}

static void list_names(FCGX_Stream *out, char *names, char **envp, int proc)
{
    char *save = NULL;
    char *name;
    for (name = strtok_r(names, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        const char *v = proc ? getenv(name) : FCGX_GetParam(name, envp);
        if (v) {
            FCGX_FPrintF(out, "%s=\"", name);
            put_quoted(out, v);
            FCGX_PutS("\"\n", out);
        }
        else {
            FCGX_FPrintF(out, "%s unset\n", name);
        }
    }
}

static void respond(FCGX_Request *req)
{
    char buf[1024];
    const char *qs = FCGX_GetParam("QUERY_STRING", req->envp);
    FCGX_Stream *out = req->out;

    FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n", out);
    if (query_arg(qs, "only", buf, sizeof(buf))) {
        list_names(out, buf, req->envp, 0);
        return;
    }
    if (query_arg(qs, "getenv", buf, sizeof(buf))) {
        list_names(out, buf, req->envp, 1);
        return;
    }
    {
        size_t n = 0, i;
        char **sorted;
        while (req->envp[n])
            n++;
        sorted = malloc((n + 1) * sizeof(*sorted));
        if (!sorted)
            return;
        memcpy(sorted, req->envp, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), cmp_str);
        for (i = 0; i < n; i++) {
            const char *eq = strchr(sorted[i], '=');
            if (!eq)
                continue;
            FCGX_FPrintF(out, "%.*s=\"", (int)(eq - sorted[i]), sorted[i]);
            put_quoted(out, eq + 1);
            FCGX_PutS("\"\n", out);
        }
        free(sorted);
    }
}

static int known_user(const char *user, const char *pass)
{
    if (!user || !pass)
        return 0;
    return (strcmp(user, "alice") == 0 && strcmp(pass, "secret") == 0)
        || (strcmp(user, "bob") == 0 && strcmp(pass, "hunter2") == 0);
}

static void authorize(FCGX_Request *req)
{
    const char *role = FCGX_GetParam("FCGI_APACHE_ROLE", req->envp);
    const char *user = FCGX_GetParam("REMOTE_USER", req->envp);
    const char *pass = FCGX_GetParam("REMOTE_PASSWD", req->envp);
    FCGX_Stream *out = req->out;
    int ok;
    const char *var = "";

    if (!role)
        role = "(none)";
    if (strcmp(role, "AUTHENTICATOR") == 0) {
        ok = known_user(user, pass);
        var = "Variable-AUTHN_BY: fcgp-compat-app\r\n";
        if (!ok) {
            FCGX_PutS("Status: 401 Unauthorized\r\nContent-Type: text/plain\r\n"
                      "\r\ndenied by AUTHENTICATOR\n", out);
        }
    }
    else if (strcmp(role, "AUTHORIZER") == 0) {
        ok = user && strcmp(user, "alice") == 0;
        if (!ok) {
            FCGX_PutS("Status: 403 Forbidden\r\nContent-Type: text/plain\r\n"
                      "\r\ndenied by AUTHORIZER\n", out);
        }
        else {
            FCGX_FPrintF(out, "Status: 200 OK\r\nVariable-AUTHZ_GRANT: %s\r\n"
                         "\r\n", user);
            return;
        }
    }
    else if (strcmp(role, "ACCESS_CHECKER") == 0) {
        ok = FCGX_GetParam("HTTP_X_BLOCK", req->envp) == NULL;
        var = "Variable-ACCESS_OK: yes\r\n";
        if (!ok) {
            FCGX_PutS("Status: 403 Forbidden\r\nContent-Type: text/plain\r\n"
                      "\r\ndenied by ACCESS_CHECKER\n", out);
        }
    }
    else {
        ok = 0;
        FCGX_FPrintF(out, "Status: 500 Internal Server Error\r\n"
                     "Content-Type: text/plain\r\n\r\nunknown role %s\n", role);
    }
    if (ok)
        FCGX_FPrintF(out, "Status: 200 OK\r\n%s\r\n", var);
    if (getenv("FCGP_AUTH_LOG")) {
        FCGX_FPrintF(req->err, "fcgp-compat-app: %s user=%s -> %s\n", role,
                     user ? user : "-", ok ? "pass" : "deny");
    }
}

int main(void)
{
    FCGX_Request req;

    if (FCGX_Init() != 0)
        return 1;
    if (FCGX_InitRequest(&req, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        if (req.role == FCGI_AUTHORIZER)
            authorize(&req);
        else
            respond(&req);
        FCGX_Finish_r(&req);
    }
    FCGX_Free(&req, 1);
    return 0;
}
