/* sighelper.c: the only part of mod_fcgiproc that keeps root's privileges
 * after startup, and what it may do: send SIGTERM or SIGKILL to a worker
 * of the process manager that runs as another user (through suexec).
 *
 * Why: the PM runs as the httpd User and cannot signal a process of
 * another user, yet it must retire and time out workers that suexec
 * started as each site's user.  mod_fcgid keeps its whole PM at euid 0
 * for that.  Here the PM, while it is still root (forked by the httpd
 * parent, before it drops privileges), forks this helper and keeps one end
 * of a socketpair; then the PM becomes the httpd User.  The models are
 * mod_cgid's daemon and OpenSSH's privilege separation: the privileged
 * side is tiny, accepts one fixed-size request, and checks it against
 * facts it does not take from the unprivileged side.
 *
 * The request is {magic, pid, signal}; the helper refuses (and answers
 * with an errno) unless:
 *   - the signal is SIGTERM or SIGKILL;
 *   - a pidfd of pid can be had (pidfd_open: from here on the signal can
 *     only reach that very process, never a later one with the same pid);
 *   - /proc/<pid>/stat says its parent is the helper's own parent, the PM;
 *     or its parent's parent is the PM and its uids are all its parent's
 *     (a worker's child: php-cgi's, killed alone when its request failed);
 *     or, for a PM that replaced one that died, it is in the dead PM's
 *     process group, which the httpd parent named before the fork;
 *   - /proc/<pid>/status says none of its real, effective and saved uids
 *     is root, and its real uid is not the httpd User's (the PM signals
 *     its own processes itself);
 * then pidfd_send_signal().  It exits when the PM goes (EOF on the
 * socket, or a new parent), and holds no other descriptor.
 *
 * Process: helper (the loop), PM (the client side).  Without root (httpd
 * not started as root) there is no helper, and no suexec either. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "httpd.h"
#include "http_log.h"
#include "fcgp_log.h"
#include "pm/pm_internal.h"
#include "pm/sighelper.h"

FCGP_LOG_MODULE;

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define SIG_MAGIC 0x46435348u   /* "FCSH" */

typedef struct {
    apr_uint32_t magic;
    apr_int32_t pid;
    apr_int32_t sig;
} sig_req_t;

typedef struct {
    apr_int32_t pid;
    apr_int32_t err;            /* 0: sent; else why not (an errno) */
} sig_ans_t;

/* ---- the helper ------------------------------------------------------ */

int pm_read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
    char path[64];
    int fd;
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        return 0;
    }
    n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    return 1;
}

/* ppid and process group of pid, from /proc; 0 when unreadable. */
static int read_stat(pid_t pid, pid_t *ppid, pid_t *pgrp)
{
    char buf[512];
    const char *paren;
    int pp, pg;
    char st;

    if (!pm_read_proc(pid, "stat", buf, sizeof(buf))) {
        return 0;
    }
    /* "pid (comm) state ppid pgrp ...": comm may hold anything. */
    if (!(paren = strrchr(buf, ')'))
        || sscanf(paren + 1, " %c %d %d", &st, &pp, &pg) != 3) {
        return 0;
    }
    *ppid = pp;
    *pgrp = pg;
    return 1;
}

/* Real, effective and saved uid of pid, from /proc; 0 when unreadable. */
static int read_uids(pid_t pid, long uid[3])
{
    char buf[2048];
    const char *at;

    if (!pm_read_proc(pid, "status", buf, sizeof(buf))) {
        return 0;
    }
    if (!(at = strstr(buf, "\nUid:"))
        || sscanf(at + 5, "%ld %ld %ld", &uid[0], &uid[1], &uid[2]) != 3) {
        return 0;
    }
    return 1;
}

/* Check one request and send the signal; 0 or an errno. */
static int serve_one(const sig_req_t *q, pid_t pm, uid_t pm_uid,
                     pid_t orphan_pgid)
{
    fcgp_signal_facts_t f;
    pid_t ppid, pgrp;
    int pidfd, err;

    memset(&f, 0, sizeof(f));
    f.sig = q->sig;
    f.pid = q->pid;
    f.pm = pm;
    f.pm_uid = pm_uid;
    f.orphan_pgid = orphan_pgid;
    f.ppid = -1;                /* unknown yet: refused if asked now */
    if (q->magic != SIG_MAGIC || fcgp_policy_signal_ok(&f) == EINVAL) {
        return EINVAL;
    }
    if ((pidfd = (int)syscall(SYS_pidfd_open, (pid_t)q->pid, 0)) < 0) {
        return errno;
    }
    /* Read after the pidfd is held: if pid was reused in between, the
     * process the pidfd names is gone and the signal below fails. */
    if (!read_stat(q->pid, &ppid, &pgrp) || !read_uids(q->pid, f.uid)) {
        err = ESRCH;
    }
    else {
        pid_t gppid, ppgrp;
        f.ppid = ppid;
        f.pgrp = pgrp;
        f.gppid = -1;
        pid_t again, pg;
        if (ppid > 1 && read_stat(ppid, &gppid, &ppgrp)
            && read_uids(ppid, f.parent_uid)
            && read_stat(q->pid, &again, &pg) && again == ppid) {
            /* (read around the parent's: had it died, and its pid been
             * reused, the target would have a new parent by now) */
            f.gppid = gppid;
        }
        err = fcgp_policy_signal_ok(&f);
    }
    if (!err && syscall(SYS_pidfd_send_signal, pidfd, q->sig, NULL, 0) != 0) {
        err = errno;
    }
    close(pidfd);
    return err;
}

/* Every descriptor but fd, stdin/out and the error log (fd 2) is
 * closed: the helper holds nothing of httpd's or the PM's. */
static void close_others(int fd)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int keep = d ? dirfd(d) : -1;
    int n, *fds = NULL, count = 0, cap = 0;

    if (!d) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (sscanf(e->d_name, "%d", &n) == 1 && n > 2 && n != fd
            && n != keep) {
            if (count == cap) {
                int *bigger;
                cap = cap ? 2 * cap : 64;
                if (!(bigger = realloc(fds, cap * sizeof(int)))) {
                    break;
                }
                fds = bigger;
            }
            fds[count++] = n;
        }
    }
    closedir(d);
    while (count-- > 0) {
        close(fds[count]);
    }
    free(fds);
}

static void helper_main(int fd, pid_t pm, uid_t pm_uid, pid_t orphan_pgid,
                        server_rec *s)
{
    int i;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != pm) {
        _exit(0);               /* the PM died already */
    }
    close_others(fd);
    for (i = 1; i < NSIG; i++) {
        signal(i, i == SIGPIPE || i == SIGHUP || i == SIGUSR1
                  || i == SIGWINCH || i == SIGINT ? SIG_IGN : SIG_DFL);
    }
    for (;;) {
        sig_req_t q;
        sig_ans_t a;
        ssize_t n = recv(fd, &q, sizeof(q), 0);

        if (n == 0 || getppid() != pm) {
            _exit(0);           /* the PM is gone */
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            _exit(1);
        }
        memset(&a, 0, sizeof(a));
        a.pid = n == sizeof(q) ? q.pid : 0;
        a.err = n == sizeof(q) ? serve_one(&q, pm, pm_uid, orphan_pgid)
                               : EINVAL;
        if (a.err && a.err != ESRCH) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, a.err, s,
                         FCGP_LOGNO(03062) "signal helper: refused to send "
                         "signal %d to pid %d (not a worker of the process "
                         "manager running as another user)",
                         n == sizeof(q) ? (int)q.sig : 0, (int)a.pid);
        }
        if (send(fd, &a, sizeof(a), MSG_NOSIGNAL) != sizeof(a)) {
            _exit(0);
        }
    }
}

int fcgp_sighelper_start(apr_uint32_t pm_uid, int orphan_pgid, void *server,
                         apr_uint32_t *helper_pid)
{
    int sv[2];
    pid_t pm = getpid(), pid;

    *helper_pid = 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        close(sv[0]);
        helper_main(sv[1], pm, (uid_t)pm_uid, (pid_t)orphan_pgid, server);
        _exit(0);
    }
    close(sv[1]);
    *helper_pid = (apr_uint32_t)pid;
    return sv[0];
}

/* ---- the PM's side --------------------------------------------------- */

/* One request and its answer.  The helper answers in microseconds; a
 * second without one means it is stuck or gone. */
static int ask_helper(pm_t *pm, apr_uint32_t pid, int sig)
{
    sig_req_t q;
    sig_ans_t a;
    struct pollfd pfd;
    apr_time_t deadline = apr_time_now() + apr_time_from_sec(1);
    ssize_t n;

    if (pm->helper_fd < 0) {
        return EPERM;
    }
    q.magic = SIG_MAGIC;
    q.pid = (apr_int32_t)pid;
    q.sig = sig;
    /* The PM's signals (SIGCHLD above all) interrupt these calls: EINTR
     * is no answer, try again until the deadline. */
    do {
        n = send(pm->helper_fd, &q, sizeof(q), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n != sizeof(q)) {
        return pm_helper_gone(pm);
    }
    pfd.fd = pm->helper_fd;
    pfd.events = POLLIN;
    for (;;) {
        apr_interval_time_t left = deadline - apr_time_now();
        int rc = left > 0 ? poll(&pfd, 1, (int)apr_time_as_msec(left) + 1)
                          : 0;
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc <= 0) {
            return pm_helper_gone(pm);
        }
        n = recv(pm->helper_fd, &a, sizeof(a), 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n != sizeof(a)) {
            return pm_helper_gone(pm);
        }
        if (a.pid == (apr_int32_t)pid) {
            return a.err;
        }
    }
}

int pm_signal(pm_t *pm, apr_uint32_t pid, int sig)
{
    int err;

    if (pid <= 1) {
        return EINVAL;
    }
    /* Our own processes (the apps of the httpd User, and suexec'd ones
     * until suexec has switched users): no help needed. */
    if (kill((pid_t)pid, sig) == 0) {
        return 0;
    }
    if (errno != EPERM) {
        return errno;
    }
    if ((err = ask_helper(pm, pid, sig)) != 0 && err != ESRCH) {
        ap_log_error(APLOG_MARK, APLOG_ERR, err, pm->s, FCGP_LOGNO(03063)
                     "cannot send signal %d to worker pid %u, which runs as "
                     "another user%s", sig, pid,
                     pm->helper_fd < 0 ? " (no signal helper: it is gone, or "
                                         "httpd did not start as root)" : "");
    }
    return err;
}

void pm_signal_group(pm_t *pm, int pgid, int sig)
{
    DIR *d;
    struct dirent *e;

    if (pgid <= 1) {
        return;
    }
    kill(-(pid_t)pgid, sig);        /* ours */
    if (pm->helper_fd < 0 || !(d = opendir("/proc"))) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        pid_t pid = (pid_t)atoi(e->d_name), ppid, pgrp;
        if (pid > 1 && read_stat(pid, &ppid, &pgrp) && pgrp == pgid
            && kill(pid, 0) != 0 && errno == EPERM) {
            ask_helper(pm, (apr_uint32_t)pid, sig);
        }
    }
    closedir(d);
}

/* The helper died or stopped answering: workers of other users can no
 * longer be stopped by this PM.  It exits, and the httpd parent starts a
 * new PM (FCGP04001), which adopts its workers with a helper of its own. */
int pm_helper_gone(pm_t *pm)
{
    if (pm->helper_fd >= 0) {
        close(pm->helper_fd);
        pm->helper_fd = -1;
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, pm->s, FCGP_LOGNO(03061)
                     "the signal helper of process manager pid %d is gone; "
                     "workers that run as other users cannot be stopped "
                     "any more: this process manager exits and a new one "
                     "takes its workers over", (int)getpid());
        pm->helper_lost = 1;
    }
    return EPIPE;
}
