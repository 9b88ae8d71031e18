/*
 * fcgp-evil-app: a raw FastCGI responder that breaks the protocol on
 * purpose, for the hostile-application tests (t/integration/test_hostile.py).
 *
 * No libfcgi: it speaks the wire format itself so that it can get it wrong.
 * It accepts connections on the listening socket it gets as fd 0 (the
 * FastCGI convention; mod_fcgiproc's process manager passes it), reads
 * records up to the empty FCGI_STDIN record (PARAMS are decoded to find
 * QUERY_STRING, STDIN content is discarded) and then answers according to
 * the query string's `mode=`:
 *
 *   ok            a correct answer: 200, text/plain, body "ok\npid=<pid>\n",
 *                 an empty STDOUT record, END_REQUEST (REQUEST_COMPLETE)
 *   version       the correct answer in a record whose version byte is 2
 *   reqid         the correct answer as STDOUT/END_REQUEST with request id 7
 *   truncated     half a record header (4 bytes), then close
 *   trunc_content a STDOUT header announcing 100 bytes, 10 of them, close
 *   longer        a STDOUT header announcing 5 bytes followed by 50 bytes of
 *                 text: the 45 bytes past the record parse as garbage
 *                 record headers
 *   noblank       headers without the blank line that ends them, an empty
 *                 STDOUT record, END_REQUEST (REQUEST_COMPLETE)
 *   bigline       one header line of 1 MB, then the blank line, body, end
 *   manyheaders   10,000 header lines, the blank line, body "ok\n", end
 *   after_end     the correct answer (with END_REQUEST), then one more
 *                 STDOUT record after the END_REQUEST
 *   cant_mpx, overloaded, unknown_role
 *                 END_REQUEST with that protocolStatus and no output
 *   midbody       headers (no Content-Length) and 1000 bytes of body, then
 *                 close without END_REQUEST
 *   midbody_cl    the same with "Content-Length: 100000"
 *   never         read the request, then sleep until killed (the tests set
 *                 FcgiProcIOTimeout 1; the process manager's SIGTERM ends
 *                 the process: the only mode that never comes back to
 *                 accept())
 *   garbage       4096 pseudo-random bytes (fixed seed, first byte never 1
 *                 so that it is never a valid version byte), then close
 *   anything else 400 "unknown mode"
 *
 * After every answer, correct or not, the app closes the connection and
 * goes back to accept(), so one process can be abused repeatedly; no mode
 * makes it exit by itself (only `never` keeps it away from accept(), until
 * the process manager kills it).  A peer that closes early (EPIPE,
 * ECONNRESET) only ends that connection: SIGPIPE is ignored.
 *
 * Build: make apps (t/apps/apps.mk); plain C, no libraries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define FCGI_VERSION_1         1
#define FCGI_BEGIN_REQUEST     1
#define FCGI_END_REQUEST       3
#define FCGI_PARAMS            4
#define FCGI_STDIN             5
#define FCGI_STDOUT            6
#define FCGI_HEADER_LEN        8
#define FCGI_MAX_CONTENT       65535

#define FCGI_REQUEST_COMPLETE  0
#define FCGI_CANT_MPX_CONN     1
#define FCGI_OVERLOADED        2
#define FCGI_UNKNOWN_ROLE      3

#define PARAMS_MAX             (1024 * 1024)

static const char OK_HEADERS[] = "Status: 200\r\nContent-Type: text/plain\r\n\r\n";

/* ---- I/O ------------------------------------------------------------- */

/* Read exactly len bytes; 0 on success, -1 on EOF or error. */
static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* While collecting (after_end), writes go to this buffer and reach the
 * socket in one write(), so that the extra bytes arrive together with the
 * END_REQUEST they follow. */
static char collect_buf[8192];
static size_t collect_len;
static int collecting;

static int write_raw(int fd, const void *buf, size_t len);

/* Write all of buf; 0 on success, -1 when the peer is gone. */
static int write_full(int fd, const void *buf, size_t len)
{
    if (collecting && collect_len + len <= sizeof(collect_buf)) {
        memcpy(collect_buf + collect_len, buf, len);
        collect_len += len;
        return 0;
    }
    return write_raw(fd, buf, len);
}

static int write_raw(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void pack_header(unsigned char *h, unsigned version, unsigned type,
                        unsigned id, size_t clen, unsigned padding)
{
    h[0] = (unsigned char)version;
    h[1] = (unsigned char)type;
    h[2] = (unsigned char)(id >> 8);
    h[3] = (unsigned char)id;
    h[4] = (unsigned char)(clen >> 8);
    h[5] = (unsigned char)clen;
    h[6] = (unsigned char)padding;
    h[7] = 0;
}

/* One record (len <= FCGI_MAX_CONTENT) with an explicit version byte. */
static int send_record_v(int fd, unsigned version, unsigned type,
                         unsigned id, const void *data, size_t len)
{
    unsigned char h[FCGI_HEADER_LEN];
    pack_header(h, version, type, id, len, 0);
    if (write_full(fd, h, sizeof(h)) < 0)
        return -1;
    return len ? write_full(fd, data, len) : 0;
}

/* A stream (STDOUT) of any length, in as many records as it takes. */
static int send_stream(int fd, unsigned type, unsigned id, const char *data,
                       size_t len)
{
    while (len > 0) {
        size_t n = len > FCGI_MAX_CONTENT ? FCGI_MAX_CONTENT : len;
        if (send_record_v(fd, FCGI_VERSION_1, type, id, data, n) < 0)
            return -1;
        data += n;
        len -= n;
    }
    return 0;
}

static int send_end(int fd, unsigned id, unsigned protocol_status)
{
    unsigned char body[8] = {0, 0, 0, 0, (unsigned char)protocol_status,
                             0, 0, 0};
    return send_record_v(fd, FCGI_VERSION_1, FCGI_END_REQUEST, id, body,
                         sizeof(body));
}

/* ---- request --------------------------------------------------------- */

struct request {
    unsigned id;
    char *params;       /* the PARAMS stream, concatenated */
    size_t params_len;
    char mode[64];
};

static size_t nv_len(const unsigned char *p, size_t avail, size_t *used)
{
    if (avail < 1)
        return (size_t)-1;
    if (!(p[0] & 0x80)) {
        *used = 1;
        return p[0];
    }
    if (avail < 4)
        return (size_t)-1;
    *used = 4;
    return ((size_t)(p[0] & 0x7f) << 24) | ((size_t)p[1] << 16)
           | ((size_t)p[2] << 8) | p[3];
}

/* Find QUERY_STRING among the name-value pairs and take mode= from it. */
static void find_mode(struct request *rq)
{
    const unsigned char *p = (const unsigned char *)rq->params;
    size_t pos = 0, len = rq->params_len;

    rq->mode[0] = '\0';
    while (pos < len) {
        size_t u1 = 0, u2 = 0, nl, vl;
        const char *name, *value;
        nl = nv_len(p + pos, len - pos, &u1);
        if (nl == (size_t)-1)
            return;
        vl = nv_len(p + pos + u1, len - pos - u1, &u2);
        if (vl == (size_t)-1)
            return;
        pos += u1 + u2;
        if (nl > len - pos || vl > len - pos - nl)
            return;
        name = (const char *)p + pos;
        value = name + nl;
        pos += nl + vl;
        if (nl == 12 && memcmp(name, "QUERY_STRING", 12) == 0) {
            size_t i = 0;
            while (i < vl) {
                size_t j = i;
                while (j < vl && value[j] != '&')
                    j++;
                if (j - i > 5 && memcmp(value + i, "mode=", 5) == 0) {
                    size_t m = j - i - 5;
                    if (m >= sizeof(rq->mode))
                        m = sizeof(rq->mode) - 1;
                    memcpy(rq->mode, value + i + 5, m);
                    rq->mode[m] = '\0';
                }
                i = j + 1;
            }
        }
    }
}

/* Read records up to the empty STDIN record.  0 on success, -1 when the
 * connection broke first. */
static int read_request(int fd, struct request *rq)
{
    unsigned char h[FCGI_HEADER_LEN];
    static char content[FCGI_MAX_CONTENT + 255];

    rq->id = 1;
    rq->params_len = 0;
    for (;;) {
        unsigned type, id;
        size_t clen, plen;
        if (read_full(fd, h, sizeof(h)) < 0)
            return -1;
        type = h[1];
        id = ((unsigned)h[2] << 8) | h[3];
        clen = ((size_t)h[4] << 8) | h[5];
        plen = h[6];
        if (read_full(fd, content, clen + plen) < 0)
            return -1;
        if (id == 0)
            continue;               /* management record: ignored */
        switch (type) {
        case FCGI_BEGIN_REQUEST:
            rq->id = id;
            break;
        case FCGI_PARAMS:
            if (clen == 0) {
                find_mode(rq);
            }
            else if (rq->params_len + clen <= PARAMS_MAX) {
                memcpy(rq->params + rq->params_len, content, clen);
                rq->params_len += clen;
            }
            break;
        case FCGI_STDIN:
            if (clen == 0)
                return 0;           /* the body (discarded) is complete */
            break;
        default:
            break;
        }
    }
}

/* ---- the misbehaviours ----------------------------------------------- */

static int answer_ok(int fd, unsigned id)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "%sok\npid=%ld\n", OK_HEADERS,
                     (long)getpid());
    if (send_stream(fd, FCGI_STDOUT, id, buf, (size_t)n) < 0
        || send_record_v(fd, FCGI_VERSION_1, FCGI_STDOUT, id, NULL, 0) < 0)
        return -1;
    return send_end(fd, id, FCGI_REQUEST_COMPLETE);
}

static void answer(int fd, const struct request *rq)
{
    unsigned id = rq->id;
    const char *mode = rq->mode;

    if (!strcmp(mode, "ok")) {
        answer_ok(fd, id);
    }
    else if (!strcmp(mode, "version")) {
        char buf[256];
        int n = snprintf(buf, sizeof(buf), "%sok\n", OK_HEADERS);
        send_record_v(fd, 2, FCGI_STDOUT, id, buf, (size_t)n);
        send_end(fd, id, FCGI_REQUEST_COMPLETE);
    }
    else if (!strcmp(mode, "reqid")) {
        char buf[256];
        int n = snprintf(buf, sizeof(buf), "%sok\n", OK_HEADERS);
        send_record_v(fd, FCGI_VERSION_1, FCGI_STDOUT, 7, buf, (size_t)n);
        send_end(fd, 7, FCGI_REQUEST_COMPLETE);
    }
    else if (!strcmp(mode, "truncated")) {
        unsigned char h[FCGI_HEADER_LEN];
        pack_header(h, FCGI_VERSION_1, FCGI_STDOUT, id, 100, 0);
        write_full(fd, h, FCGI_HEADER_LEN / 2);
    }
    else if (!strcmp(mode, "trunc_content")) {
        unsigned char h[FCGI_HEADER_LEN];
        pack_header(h, FCGI_VERSION_1, FCGI_STDOUT, id, 100, 0);
        if (write_full(fd, h, sizeof(h)) == 0)
            write_full(fd, OK_HEADERS, 10);
    }
    else if (!strcmp(mode, "longer")) {
        static const char text[] =
            "Status: 200\r\nContent-Type: text/plain\r\n\r\nok\nxxxxxxx";
        unsigned char h[FCGI_HEADER_LEN];
        pack_header(h, FCGI_VERSION_1, FCGI_STDOUT, id, 5, 0);
        if (write_full(fd, h, sizeof(h)) == 0)
            write_full(fd, text, 50);
    }
    else if (!strcmp(mode, "noblank")) {
        static const char hdrs[] = "Status: 200\r\nContent-Type: text/plain\r\n";
        send_stream(fd, FCGI_STDOUT, id, hdrs, sizeof(hdrs) - 1);
        send_record_v(fd, FCGI_VERSION_1, FCGI_STDOUT, id, NULL, 0);
        send_end(fd, id, FCGI_REQUEST_COMPLETE);
    }
    else if (!strcmp(mode, "bigline")) {
        static const char pre[] = "Status: 200\r\nContent-Type: text/plain\r\n"
                                  "X-Big: ";
        static const char post[] = "\r\n\r\nok\n";
        size_t big = 1024 * 1024, len = sizeof(pre) - 1 + big + sizeof(post) - 1;
        char *buf = malloc(len);
        if (buf) {
            memcpy(buf, pre, sizeof(pre) - 1);
            memset(buf + sizeof(pre) - 1, 'a', big);
            memcpy(buf + sizeof(pre) - 1 + big, post, sizeof(post) - 1);
            if (send_stream(fd, FCGI_STDOUT, id, buf, len) == 0
                && send_record_v(fd, FCGI_VERSION_1, FCGI_STDOUT, id, NULL,
                                 0) == 0)
                send_end(fd, id, FCGI_REQUEST_COMPLETE);
            free(buf);
        }
    }
    else if (!strcmp(mode, "manyheaders")) {
        size_t cap = 64 + 10000 * 32, len = 0;
        char *buf = malloc(cap);
        int i;
        if (buf) {
            len += (size_t)snprintf(buf, cap, "Status: 200\r\n"
                                    "Content-Type: text/plain\r\n");
            for (i = 0; i < 10000; i++)
                len += (size_t)snprintf(buf + len, cap - len,
                                        "X-Many-%05d: %d\r\n", i, i);
            len += (size_t)snprintf(buf + len, cap - len, "\r\nok\n");
            if (send_stream(fd, FCGI_STDOUT, id, buf, len) == 0
                && send_record_v(fd, FCGI_VERSION_1, FCGI_STDOUT, id, NULL,
                                 0) == 0)
                send_end(fd, id, FCGI_REQUEST_COMPLETE);
            free(buf);
        }
    }
    else if (!strcmp(mode, "after_end")) {
        static const char extra[] = "extra output after END_REQUEST\n";
        collecting = 1;
        collect_len = 0;
        if (answer_ok(fd, id) == 0)
            send_stream(fd, FCGI_STDOUT, id, extra, sizeof(extra) - 1);
        collecting = 0;
        write_raw(fd, collect_buf, collect_len);
    }
    else if (!strcmp(mode, "cant_mpx")) {
        send_end(fd, id, FCGI_CANT_MPX_CONN);
    }
    else if (!strcmp(mode, "overloaded")) {
        send_end(fd, id, FCGI_OVERLOADED);
    }
    else if (!strcmp(mode, "unknown_role")) {
        send_end(fd, id, FCGI_UNKNOWN_ROLE);
    }
    else if (!strcmp(mode, "midbody") || !strcmp(mode, "midbody_cl")) {
        char buf[2048];
        int n = snprintf(buf, sizeof(buf), "Status: 200\r\n"
                         "Content-Type: text/plain\r\n%s\r\n",
                         mode[7] ? "Content-Length: 100000\r\n" : "");
        memset(buf + n, 'b', 1000);
        send_stream(fd, FCGI_STDOUT, id, buf, (size_t)n + 1000);
    }
    else if (!strcmp(mode, "never")) {
        /* Never answers and never returns to accept(): the process
         * manager's SIGTERM (after FcgiProcIOTimeout) ends the process. */
        for (;;)
            pause();
    }
    else if (!strcmp(mode, "garbage")) {
        unsigned char buf[4096];
        uint32_t x = 0x9e3779b9u;
        size_t i;
        for (i = 0; i < sizeof(buf); i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[i] = (unsigned char)(x >> 24);
        }
        if (buf[0] == FCGI_VERSION_1)
            buf[0] = 0xff;
        write_full(fd, buf, sizeof(buf));
    }
    else {
        static const char msg[] = "Status: 400\r\nContent-Type: text/plain\r\n"
                                  "\r\nunknown mode\n";
        send_stream(fd, FCGI_STDOUT, id, msg, sizeof(msg) - 1);
        send_record_v(fd, FCGI_VERSION_1, FCGI_STDOUT, id, NULL, 0);
        send_end(fd, id, FCGI_REQUEST_COMPLETE);
    }
}

int main(void)
{
    struct request rq;

    signal(SIGPIPE, SIG_IGN);
    rq.params = malloc(PARAMS_MAX);
    if (!rq.params)
        return 1;
    for (;;) {
        int fd = accept(0, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN
                || errno == EWOULDBLOCK) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    usleep(10000);   /* a non-blocking listener */
                continue;
            }
            perror("fcgp-evil-app: accept on fd 0");
            return 1;
        }
        if (read_request(fd, &rq) == 0)
            answer(fd, &rq);
        close(fd);
    }
}
