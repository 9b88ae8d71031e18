/*
 * fcgp-test-app: a small FastCGI responder for mod_fcgiproc integration tests.
 *
 * It listens on the FastCGI listen socket passed as fd 0 (the way a process
 * manager such as mod_fcgiproc, mod_fcgid or spawn-fcgi starts it) and picks
 * its behaviour from the query string.  Parameters (combinable, '&'-separated;
 * values are used verbatim except that %XX and '+' are decoded):
 *
 *   (none)           200, text/plain, body "pid=<pid> n=<requests served>\n"
 *   status=NNN       answer with that status (body as default)
 *   sleep=MS         sleep MS milliseconds before answering
 *   stderr=TEXT      write TEXT (plus newline) to the FastCGI stderr stream
 *   size=N           body of exactly N bytes (repeating pattern, 8k chunks)
 *   flush=1&chunks=K&delay=MS
 *                    write K pieces "chunk <i>\n", FCGX_FFlush after each,
 *                    sleeping MS milliseconds between pieces
 *   echo=1           read the whole request body (CONTENT_LENGTH bytes, or
 *                    until EOF when CONTENT_LENGTH is absent) and answer
 *                    "len=<bytes> fnv=<FNV-1a 64 hex>\n"
 *   env=NAME         answer with the value of FastCGI param NAME
 *                    ("NAME=<value>\n", or "NAME unset\n" with status 404)
 *   header=Name:Value  add a response header (may be repeated)
 *   location=/path   answer with only a "Location:" header (CGI local
 *                    redirect; no Status, no body)
 *   exit=1           exit(0) right after answering this request
 *   ver=1            body "pid=<pid> n=<requests> ino=<inode of its own
 *                    executable> ver=<$FCGP_VERSION, or ->\n": which build
 *                    of the program answers (for the reload tests)
 *
 * Environment FCGP_EXIT_AFTER=N (or argv "--exit-after N"): exit(0) right
 * after finishing the Nth request, before accepting another one (simulates
 * PHP_FCGI_MAX_REQUESTS).  FCGP_START_DELAY_MS=N: sleep N ms before
 * accepting the first connection (an application slow to start).
 *
 * To try it by hand: spawn-fcgi -s /tmp/app.sock -n -- build/apps/fcgp-test-app
 * and talk to it with cgi-fcgi -bind -connect /tmp/app.sock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADERS 16
#define CHUNK 8192

struct opts {
    int crash;
    const char *crash_once;
    int status;
    long sleep_ms;
    const char *stderr_text;
    long long size;             /* -1: default body */
    int flush;
    long chunks;
    long delay_ms;
    int echo;
    const char *env_name;
    const char *headers[MAX_HEADERS];
    int nheaders;
    const char *location;
    int exit_after_this;
    int ver;
};

static void sleep_ms(long ms)
{
    struct timespec ts;
    if (ms <= 0)
        return;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* In-place URL decoding (%XX and '+'). */
static void url_decode(char *s)
{
    char *o = s;
    while (*s) {
        if (*s == '%' && hexval((unsigned char)s[1]) >= 0
            && hexval((unsigned char)s[2]) >= 0) {
            *o++ = (char)(hexval((unsigned char)s[1]) * 16
                          + hexval((unsigned char)s[2]));
            s += 3;
        } else if (*s == '+') {
            *o++ = ' ';
            s++;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
}

/* Parses qs (modified in place: the caller passes a private copy). */
static void parse_query(char *qs, struct opts *o)
{
    char *save = NULL, *tok;

    memset(o, 0, sizeof(*o));
    o->status = 200;
    o->size = -1;
    if (!qs)
        return;
    for (tok = strtok_r(qs, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
        char *val = strchr(tok, '=');
        if (val)
            *val++ = '\0';
        else
            val = "";
        url_decode(tok);
        url_decode(val);
        if (!strcmp(tok, "status"))
            o->status = atoi(val);
        else if (!strcmp(tok, "sleep"))
            o->sleep_ms = atol(val);
        else if (!strcmp(tok, "stderr"))
            o->stderr_text = val;
        else if (!strcmp(tok, "size"))
            o->size = atoll(val);
        else if (!strcmp(tok, "flush"))
            o->flush = atoi(val);
        else if (!strcmp(tok, "chunks"))
            o->chunks = atol(val);
        else if (!strcmp(tok, "delay"))
            o->delay_ms = atol(val);
        else if (!strcmp(tok, "echo"))
            o->echo = atoi(val);
        else if (!strcmp(tok, "env"))
            o->env_name = val;
        else if (!strcmp(tok, "header")) {
            if (o->nheaders < MAX_HEADERS)
                o->headers[o->nheaders++] = val;
        } else if (!strcmp(tok, "location"))
            o->location = val;
        else if (!strcmp(tok, "exit"))
            o->exit_after_this = atoi(val);
        else if (!strcmp(tok, "crash"))
            o->crash = atoi(val);
        else if (!strcmp(tok, "crash_once"))
            o->crash_once = val;
        else if (!strcmp(tok, "ver"))
            o->ver = atoi(val);
    }
}

static void put_headers(FCGX_Stream *out, const struct opts *o, int status,
                        const char *ctype)
{
    int i;
    FCGX_FPrintF(out, "Status: %d\r\n", status);
    FCGX_FPrintF(out, "Content-Type: %s\r\n", ctype);
    for (i = 0; i < o->nheaders; i++) {
        const char *h = o->headers[i];
        const char *colon = strchr(h, ':');
        if (!colon || colon == h)
            continue;
        FCGX_FPrintF(out, "%.*s: %s\r\n", (int)(colon - h), h,
                     colon[1] == ' ' ? colon + 2 : colon + 1);
    }
    FCGX_PutS("\r\n", out);
}

/* Reads the request body; returns bytes read, fills *hash with FNV-1a 64. */
static long long read_body(FCGX_Request *req, uint64_t *hash)
{
    const char *cl = FCGX_GetParam("CONTENT_LENGTH", req->envp);
    long long want = (cl && *cl) ? atoll(cl) : -1;
    long long got = 0;
    uint64_t h = 0xcbf29ce484222325ULL;
    char buf[CHUNK];

    for (;;) {
        int n, ask = CHUNK, i;
        if (want >= 0) {
            if (got >= want)
                break;
            if (want - got < ask)
                ask = (int)(want - got);
        }
        n = FCGX_GetStr(buf, ask, req->in);
        if (n <= 0)
            break;
        for (i = 0; i < n; i++) {
            h ^= (unsigned char)buf[i];
            h *= 0x100000001b3ULL;
        }
        got += n;
    }
    *hash = h;
    return got;
}

static void handle(FCGX_Request *req, unsigned long served)
{
    const char *qs_param = FCGX_GetParam("QUERY_STRING", req->envp);
    char *qs = qs_param ? strdup(qs_param) : NULL;
    struct opts o;
    FCGX_Stream *out = req->out;

    parse_query(qs, &o);

    /* Die before answering anything: every time (crash=1), or only the
     * first time the marker file does not exist yet (crash_once=PATH). */
    if (o.crash)
        _exit(3);
    if (o.crash_once && *o.crash_once) {
        int fd = open(o.crash_once, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) {
            close(fd);
            _exit(3);
        }
    }

    if (o.sleep_ms > 0)
        sleep_ms(o.sleep_ms);

    if (o.stderr_text) {
        FCGX_FPrintF(req->err, "%s\n", o.stderr_text);
        FCGX_FFlush(req->err);
    }

    if (o.location) {
        FCGX_FPrintF(out, "Location: %s\r\n\r\n", o.location);
    } else if (o.echo) {
        uint64_t h;
        long long len = read_body(req, &h);
        put_headers(out, &o, o.status, "text/plain");
        FCGX_FPrintF(out, "len=%lld fnv=%016llx\n", len, (unsigned long long)h);
    } else if (o.env_name) {
        const char *v = FCGX_GetParam(o.env_name, req->envp);
        if (v) {
            put_headers(out, &o, o.status, "text/plain");
            FCGX_FPrintF(out, "%s=%s\n", o.env_name, v);
        } else {
            put_headers(out, &o, o.status == 200 ? 404 : o.status, "text/plain");
            FCGX_FPrintF(out, "%s unset\n", o.env_name);
        }
    } else if (o.size >= 0) {
        static const char pat[] = "0123456789abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ\n";
        char buf[CHUNK];
        long long left = o.size;
        size_t i;
        for (i = 0; i < sizeof(buf); i++)
            buf[i] = pat[i % (sizeof(pat) - 1)];
        put_headers(out, &o, o.status, "application/octet-stream");
        while (left > 0) {
            int n = left > CHUNK ? CHUNK : (int)left;
            if (FCGX_PutStr(buf, n, out) != n)
                break;
            left -= n;
        }
    } else if (o.flush) {
        long i;
        put_headers(out, &o, o.status, "text/plain");
        FCGX_FFlush(out);
        for (i = 0; i < o.chunks; i++) {
            if (i > 0)
                sleep_ms(o.delay_ms);
            FCGX_FPrintF(out, "chunk %ld\n", i);
            if (FCGX_FFlush(out) < 0)
                break;
        }
    } else if (o.ver) {
        struct stat st;
        const char *v = getenv("FCGP_VERSION");
        put_headers(out, &o, o.status, "text/plain");
        FCGX_FPrintF(out, "pid=%ld n=%lu ino=%lu ver=%s\n", (long)getpid(),
                     served, stat("/proc/self/exe", &st) == 0
                     ? (unsigned long)st.st_ino : 0UL, v && *v ? v : "-");
    } else {
        put_headers(out, &o, o.status, "text/plain");
        FCGX_FPrintF(out, "pid=%ld n=%lu\n", (long)getpid(), served);
    }

    FCGX_Finish_r(req);
    if (o.exit_after_this)
        exit(0);
    free(qs);
}

int main(int argc, char **argv)
{
    FCGX_Request req;
    unsigned long served = 0, exit_after = 0;
    const char *e = getenv("FCGP_EXIT_AFTER");
    int i;

    if (e && *e)
        exit_after = strtoul(e, NULL, 10);
    /* An application that takes a while to start (loading a framework,
     * warming caches) before it accepts its first connection. */
    e = getenv("FCGP_START_DELAY_MS");
    if (e && *e)
        sleep_ms(strtol(e, NULL, 10));
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--exit-after") && i + 1 < argc)
            exit_after = strtoul(argv[++i], NULL, 10);
    }

    if (FCGX_Init() != 0)
        return 1;
    /* An app that ignores SIGTERM, for the kill-timeout tests.  After
     * FCGX_Init(): libfcgi installs its own SIGTERM handler there. */
    if (getenv("FCGP_IGNORE_TERM"))
        signal(SIGTERM, SIG_IGN);
    if (FCGX_InitRequest(&req, 0, 0) != 0)
        return 1;

    while (FCGX_Accept_r(&req) >= 0) {
        served++;
        handle(&req, served);
        if (exit_after && served >= exit_after)
            break;
    }
    FCGX_Free(&req, 1);
    return 0;
}
