/* pm_worker.c: starting and stopping worker processes.
 *
 * PM process only.  Each worker slot owns a listening unix socket that the
 * PM creates and keeps open for the slot's whole life; the worker gets it
 * as fd 0 (the FastCGI convention), and leads a process group of its own,
 * which the PM signals whole.  A worker that exits on its own leaves
 * the socket (and any connection queued on it) in place, and the
 * replacement the PM starts on the same socket accepts it (pm_reap.c).
 * Memory: one pool per slot, cleared when the slot is freed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <apr_strings.h>
#include <apr_portable.h>
#include <apr_thread_proc.h>

#include "httpd.h"
#include "http_log.h"
#include "fcgp_log.h"
#include "pm/pm_internal.h"

FCGP_LOG_MODULE;

/* The worker gets fds 0 (its socket), 1 and 2 (httpd's), nothing else of
 * the PM's: what apr_proc_create's cleanup-for-exec did, for descriptors
 * httpd opened without close-on-exec too. */
static int close_the_rest(posix_spawn_file_actions_t *fa)
{
#if defined(__GLIBC__) \
    && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return posix_spawn_file_actions_addclosefrom_np(fa, STDERR_FILENO + 1);
#else
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int err = 0;
    if (!d) {
        return 0;
    }
    while (!err && (e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (fd > STDERR_FILENO && fd != dirfd(d)
            && !(fcntl(fd, F_GETFD) & FD_CLOEXEC)) {
            err = posix_spawn_file_actions_addclose(fa, fd);
        }
    }
    closedir(d);
    return err;
#endif
}

/* The command line that starts a class's process: its own, or, through
 * suexec, httpd's suexec wrapper with the user, the group and the program
 * relative to its directory (suexec refuses an absolute path and runs the
 * command from the current directory, which must be inside its document
 * root), as httpd's ap_os_create_privileged_process() builds it for
 * mod_cgi.  *prog is what to exec. */
static const char *const *command(pm_t *pm, const pm_class_t *c,
                                  apr_pool_t *p, const char **prog)
{
    const fcgp_identity_t *id = &c->spec.ident;
    const char **argv;
    const char *base;
    int i;

    if (!id->suexec) {
        *prog = c->spec.argv[0];
        return c->spec.argv;
    }
    base = strrchr(c->spec.argv[0], '/');
    base = base ? base + 1 : c->spec.argv[0];
    argv = apr_pcalloc(p, sizeof(*argv) * (c->spec.argc + 4));
    argv[0] = pm->settings.suexec_bin;
    argv[1] = apr_psprintf(p, "%s%u", id->userdir ? "~" : "", id->uid);
    argv[2] = apr_psprintf(p, "%u", id->gid);
    argv[3] = base;
    for (i = 1; i < c->spec.argc; i++) {
        argv[i + 3] = c->spec.argv[i];
    }
    *prog = pm->settings.suexec_bin;
    return argv;
}

/* The process of slot s, on the slot's socket, in the directory of the
 * command, leading a process group of its own in httpd's session.
 *
 * Its own group: php-cgi in parent mode (PHP_FCGI_CHILDREN, on by default,
 * see conf_finalize.c) calls setsid(), which fails for a group leader, so
 * it stays in httpd's session (the kernel's autogroup scheduler counts it
 * with httpd, as CGI scripts are) and its children stay in its group, which
 * our signals reach whole (pm_retire, pm_kill_late).  Not under suexec:
 * there it stays in the PM's group, the link the signal helper checks when
 * a PM that died left it to the next one (sighelper.c).
 *
 * posix_spawn (vfork and exec in glibc): the PM's memory is not copied for
 * a process that execs at once, and an exec that fails is reported here.
 * Signals stay as httpd left them for its children (SIGPIPE ignored), as
 * with apr_proc_create, but SIGCHLD, which the PM catches. */
apr_status_t pm_start_process(pm_t *pm, pm_slot_t *s)
{
    pm_class_t *c = s->cls;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t dfl;
    int fd = s->listen_fd;
    const char **env;
    const char *prog;
    const char *const *argv;
    char *dir;
    pid_t pid = 0;
    /* its own group, but under suexec (see above) */
    short flags = POSIX_SPAWN_SETSIGDEF
                  | (c->spec.ident.suexec ? 0 : POSIX_SPAWN_SETPGROUP);
    int err;

    argv = command(pm, c, pm->tmp, &prog);
    env = apr_pcalloc(pm->tmp, sizeof(*env) * (c->spec.envc + 1));
    memcpy(env, c->spec.env, sizeof(*env) * c->spec.envc);
    if (s->pool_size) {
        /* a pool's parent: as many children as it was sized for (the
         * first of the name is the one getenv() finds) */
        int i;
        for (i = 0; i < c->spec.envc; i++) {
            if (strncmp(env[i], "PHP_FCGI_CHILDREN=", 18) == 0) {
                env[i] = apr_psprintf(pm->tmp, "PHP_FCGI_CHILDREN=%u",
                                      s->pool_size);
                break;
            }
        }
    }
    dir = apr_pstrdup(pm->tmp, c->spec.argv[0]);
    if (strrchr(dir, '/') && strrchr(dir, '/') != dir) {
        *strrchr(dir, '/') = '\0';
    }
    else {
        dir = "/";
    }
    /* The file it starts from: a later version supersedes it
     * (pm_program.c). */
    s->prog_ident = pm_program_ident(pm, c);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGCHLD);
    if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, err, pm->s, FCGP_LOGNO(03002)
                     "cannot start FastCGI application %s", c->name);
        s->proc.pid = 0;
        return err;
    }
    if ((err = posix_spawnattr_init(&at)) == 0) {
        if ((err = posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO))
            == 0
            && (err = close_the_rest(&fa)) == 0
            && (err = posix_spawn_file_actions_addchdir_np(&fa, dir)) == 0
            && (err = posix_spawnattr_setpgroup(&at, 0)) == 0
            && (err = posix_spawnattr_setsigdefault(&at, &dfl)) == 0
            && (err = posix_spawnattr_setflags(&at, flags)) == 0) {
            err = posix_spawn(&pid, prog, &fa, &at, (char *const *)argv,
                              (char *const *)env);
        }
        posix_spawnattr_destroy(&at);
    }
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, err, pm->s, FCGP_LOGNO(03001)
                     "cannot start FastCGI application %s (in %s)", c->name,
                     dir);
        s->proc.pid = 0;
        fcgp_cnt_inc(PM_COUNTERS(pm, c), FCGP_CNT_SPAWN_FAILURES);
        return err;
    }
    memset(&s->proc, 0, sizeof(s->proc));
    s->proc.pid = pid;
    fcgp_cnt_inc(PM_COUNTERS(pm, c), FCGP_CNT_SPAWNS);
    if (c->priority && setpriority(PRIO_PROCESS, (id_t)pid, c->priority) != 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, pm->s,
                     FCGP_LOGNO(03082) "cannot give worker pid %d of %s the "
                     "priority %d of %s", (int)pid, c->name,
                     c->priority, c->static_where);
    }
    s->served = 0;
    s->parent = 0;
    s->looked = 0;
    s->renewals = 0;
    /* A new process has never served: it is the least recently used, so
     * warm workers go first and it starts (php-cgi takes ~10 ms) in the
     * background, before it is needed. */
    s->started = apr_time_now();
    s->last_used = 0;
    pm->nprocs++;
    /* Known at once to a PM that adopts our slots if we die. */
    fcgp_table_slot(pm->table, s->id)->pid = (apr_uint32_t)pid;
    pm_user_add(pm, c->user, 1);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, pm->s,
                 "started worker pid %d for %s on %s", (int)pid,
                 c->name, s->path);
    return APR_SUCCESS;
}

/* Up to max children of process pid (its main thread's), oldest first. */
static int children_of(pid_t pid, pid_t *out, int max)
{
    char name[32], buf[4096];
    int n = 0;
    char *p, *end;

    snprintf(name, sizeof(name), "task/%d/children", (int)pid);
    if (!pm_read_proc(pid, name, buf, sizeof(buf))) {
        return 0;
    }
    for (p = buf; n < max; p = end) {
        long v = strtol(p, &end, 10);
        if (end == p || v <= 0) {
            break;
        }
        out[n++] = (pid_t)v;
    }
    return n;
}

/* Do processes a and b run the same program?  By their exe links; when
 * one is not ours to read (another user's, under suexec) or gone (a child
 * that exited and is not reaped yet), by their command names. */
static int same_program(pid_t a, pid_t b)
{
    char pa[64], pb[64], la[512], lb[512];
    ssize_t na, nb;

    snprintf(pa, sizeof(pa), "/proc/%d/exe", (int)a);
    snprintf(pb, sizeof(pb), "/proc/%d/exe", (int)b);
    na = readlink(pa, la, sizeof(la));
    nb = readlink(pb, lb, sizeof(lb));
    if (na > 0 && nb > 0) {
        return na == nb && memcmp(la, lb, (size_t)na) == 0;
    }
    return pm_read_proc(a, "comm", la, sizeof(la))
           && pm_read_proc(b, "comm", lb, sizeof(lb)) && strcmp(la, lb) == 0;
}

/* Is worker s a php-cgi parent: a class that asks for parent mode, and a
 * process with a child running its own program (a command a script runs
 * is another program)?  Looked at when the PM first sees it counted and
 * when it matters (near its limit), and remembered once seen: a parent
 * stays one, and so does every worker of its class (same program, same
 * environment), even one first looked at just as its child left and the
 * next was not forked yet.  A starter script that execs php-cgi with
 * PHP_FCGI_CHILDREN=0 is no parent: it is retired at its limit as any
 * other worker. */
int pm_worker_is_parent(pm_t *pm, pm_slot_t *s)
{
    pid_t kids[8];
    int i, n;

    (void)pm;
    if (s->parent) {
        return 1;
    }
    if (!s->cls->parent_mode || s->proc.pid <= 0) {
        return 0;
    }
    s->looked = 1;
    if (s->cls->parents == PM_PARENTS_SEEN) {
        s->parent = 1;
        return 1;
    }
    n = children_of(s->proc.pid, kids, 8);
    for (i = 0; i < n; i++) {
        if (same_program(s->proc.pid, kids[i])) {
            s->parent = 1;
            s->cls->parents = PM_PARENTS_SEEN;
            return 1;
        }
    }
    return 0;
}

/* How long a worker handed back at its limit is looked at for a child
 * before it is taken for no parent. */
#define PARENT_LOOK_FOR apr_time_from_msec(100)

/* Is worker s, handed back after its last request, a php-cgi parent?  One
 * not seen to be one yet may be a parent between two children: it has
 * reaped the child that left at the limit and not forked the next (a busy
 * machine can stop it there for a while), and it has no child to see.  So
 * it is looked at again, every millisecond, until either shows: a child
 * of its program (a parent, to renew), or its own exit (a zombie, ours to
 * reap: no parent, it left at its limit).  Neither within PARENT_LOOK_FOR,
 * or its state not ours to read: taken for no parent (retired, started
 * afresh).  Exit or timeout, its class is not waited for again (the same
 * program and environment: pm_worker_is_parent), so the PM's loop stops
 * here once per class at most. */
int pm_worker_is_parent_at_limit(pm_t *pm, pm_slot_t *s)
{
    apr_time_t until = apr_time_now() + PARENT_LOOK_FOR;
    pm_class_t *c = s->cls;
    char state;
    apr_uint32_t ppid;

    for (;;) {
        if (pm_worker_is_parent(pm, s)) {
            return 1;
        }
        if (!c->parent_mode || c->parents == PM_PARENTS_ABSENT
            || s->proc.pid <= 0
            || !pm_proc_stat((apr_uint32_t)s->proc.pid, &state, &ppid)) {
            return 0;
        }
        if (state == 'Z' || state == 'X' || apr_time_now() >= until) {
            c->parents = PM_PARENTS_ABSENT;
            return 0;
        }
        apr_sleep(apr_time_from_msec(1));
    }
}

/* The pid that serves for worker s: a parent's newest child, else its
 * own (for the status page). */
apr_uint32_t pm_worker_child(pm_slot_t *s)
{
    pid_t kids[8];
    int n;
    if (!s->parent || s->proc.pid <= 0
        || (n = children_of(s->proc.pid, kids, 8)) == 0) {
        return 0;
    }
    return (apr_uint32_t)kids[n - 1];
}

/* SIGKILL to the child of parent s after a request that failed in it
 * (what): the parent forks the next.  With one child at a time and the
 * worker back from its holder, no request is in any child now: the one
 * killed is the one that failed, or, when that one is gone already (it
 * crashed), the next, which no request reached.  Returns 1 when one was
 * killed; -1 when none runs and the parent lives (it forks the next);
 * 0 when the worker should retire instead: the parent is gone, it has
 * more than one child (which one failed is not known), or the signal
 * could not be sent. */
int pm_kill_child(pm_t *pm, pm_slot_t *s, const char *what)
{
    pid_t kids[8];
    int n = s->proc.pid > 0 ? children_of(s->proc.pid, kids, 8) : 0;
    apr_uint32_t child = n == 1 ? (apr_uint32_t)kids[0] : 0;
    int err;

    if (n > 1) {
        /* PHP_FCGI_CHILDREN above 1 (a starter script may export it): which
         * child held the request is not known, so the worker retires */
        return 0;
    }
    if (!child || child == (apr_uint32_t)s->proc.pid
        || !pm_pid_alive(child)
        || (err = pm_signal(pm, child, SIGKILL)) == ESRCH) {
        /* between two children (one exiting or gone): the next is on its
         * way, if the parent lives */
        return pm_pid_alive((apr_uint32_t)s->proc.pid) ? -1 : 0;
    }
    if (err != 0) {
        return 0;
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, pm->s, FCGP_LOGNO(03014)
                 "worker pid %d of %s: %s; killed its child pid %u, the "
                 "parent forks a warm one", (int)s->proc.pid, s->cls->name,
                 what, child);
    return 1;
}

/* The sockets the children of php-cgi parent `parent` hold: up to max
 * (inode, pid) pairs; how many.  Read from /proc/<child>/fd, which the PM
 * may read for processes of its own user only (under suexec there are no
 * pools). */
int pm_children_sockets(pid_t parent, pm_child_sock_t *out, int max)
{
    pid_t kids[512];
    int n = children_of(parent, kids, 512), i, got = 0;

    for (i = 0; i < n && got < max; i++) {
        char dir[48], link[48];
        struct dirent *e;
        DIR *d;

        apr_snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)kids[i]);
        if (!(d = opendir(dir))) {
            continue;
        }
        while (got < max && (e = readdir(d)) != NULL) {
            ssize_t len = readlinkat(dirfd(d), e->d_name, link,
                                     sizeof(link) - 1);
            unsigned long ino;
            if (len > 0) {
                link[len] = '\0';
                if (sscanf(link, "socket:[%lu]", &ino) == 1 && ino) {
                    out[got].ino = (apr_uint32_t)ino;
                    out[got].pid = (apr_uint32_t)kids[i];
                    got++;
                }
            }
        }
        closedir(d);
    }
    return got;
}

/* Which of n (inode, pid) pairs holds socket peer: its pid, or 0. */
apr_uint32_t pm_socket_holder(const pm_child_sock_t *socks, int n,
                              apr_uint32_t peer)
{
    int i;
    for (i = 0; peer && i < n; i++) {
        if (socks[i].ino == peer) {
            return socks[i].pid;
        }
    }
    return 0;
}

/* The child of slot s's php-cgi parent (a pool's, or one with a single
 * child) that holds the application's end of the connection `peer`, or
 * 0. */
apr_uint32_t pm_parent_child(pm_t *pm, pm_slot_t *s, apr_uint32_t peer)
{
    pm_slot_t *lead = s->lead ? s->lead : s;
    pm_child_sock_t *socks;
    int n;

    if (!peer || lead->proc.pid <= 0) {
        return 0;
    }
    socks = apr_palloc(pm->tmp, PM_CHILD_SOCKS * sizeof(*socks));
    n = pm_children_sockets(lead->proc.pid, socks, PM_CHILD_SOCKS);
    return pm_socket_holder(socks, n, peer);
}

/* A request that failed (what) in slot s of a php-cgi pool, whose
 * connection was to the application's socket `peer`: SIGKILL to the child
 * that holds that socket (the parent forks the next; the pool's other
 * requests go on).  Returns 1 when one was killed, 0 when none holds it
 * (it is gone, or the connection was never accepted). */
int pm_kill_pool_child(pm_t *pm, pm_slot_t *s, apr_uint32_t peer,
                       const char *what)
{
    pm_slot_t *lead = s->lead ? s->lead : s;
    apr_uint32_t child = pm_parent_child(pm, s, peer);

    if (!child || pm_signal(pm, child, SIGKILL) != 0) {
        return 0;
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, pm->s, FCGP_LOGNO(03015)
                 "php-cgi pool pid %d of %s: %s; killed its child pid %d, "
                 "which held it (the parent forks a warm one; the pool's "
                 "other requests go on)", (int)lead->proc.pid, s->cls->name,
                 what, (int)child);
    return 1;
}

/* A group still seen this long after its SIGKILL is not ours to stop
 * (its processes run as another user and the signal helper refused): the
 * PM stops waiting for it. */
#define LINGER_GIVE_UP apr_time_from_sec(10)

/* Does any process of group pgid run (ours, or another user's)? */
static int group_left(pid_t pgid)
{
    return pgid > 0 && (kill(-pgid, 0) == 0 || errno == EPERM);
}

/* Every process of group pgid gets sig; through the signal helper when
 * they run as another user (php-cgi parent mode under suexec). */
static void signal_group(pm_t *pm, pid_t pgid, int sig)
{
    if (kill(-pgid, sig) != 0 && errno == EPERM) {
        pm_signal_group(pm, (int)pgid, sig);
    }
}

/* Worker pgid exited but others of its group still run: SIGTERM them
 * now, SIGKILL at kill_at (pm_kill_late); the PM does not exit before
 * they are gone.  Returns 1 when some still run. */
int pm_linger_add(pm_t *pm, pid_t pgid, apr_time_t kill_at)
{
    pm_linger_t *l;
    if (!group_left(pgid)) {
        return 0;
    }
    signal_group(pm, pgid, SIGTERM);
    if (!pm->linger) {
        pm->linger = apr_array_make(pm->pool, 4, sizeof(pm_linger_t));
    }
    l = apr_array_push(pm->linger);
    l->pgid = pgid;
    l->kill_at = kill_at;
    l->kill_sent = 0;
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, pm->s,
                 "worker pid %d exited while processes of its group still "
                 "run (a php-cgi parent's children, exiting or finishing a "
                 "request): SIGTERM sent to them, SIGKILL follows if they "
                 "are still there after FcgiProcKillTimeout", (int)pgid);
    return 1;
}

/* Is a connection waiting in the queue of listening socket fd? */
int pm_connection_queued(int fd)
{
    struct pollfd pfd;
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    return fd >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

/* A new listening socket for the slot, in FcgiProcIPCDir. */
static apr_status_t make_listener(pm_t *pm, pm_slot_t *s)
{
    struct sockaddr_un sa;
    int fd, err;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (apr_snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/w%d-%u.sock",
                     pm->settings.ipc_dir, (int)getpid(), ++pm->seq)
        >= (int)sizeof(sa.sun_path) - 1) {
        err = ENAMETOOLONG;
        fd = -1;
    }
    else if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        err = errno;
    }
    else {
        unlink(sa.sun_path);
        err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0
              || listen(fd, 1024) != 0 ? errno : 0;
    }
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_ERR, err, pm->s, FCGP_LOGNO(03003)
                     "cannot listen on %s; check that FcgiProcIPCDir %s is "
                     "writable by the httpd User", sa.sun_path,
                     pm->settings.ipc_dir);
        if (fd >= 0) {
            close(fd);
            unlink(sa.sun_path);
        }
        return err;
    }
    s->listen_fd = fd;
    apr_cpystrn(s->path, sa.sun_path, sizeof(s->path));
    return APR_SUCCESS;
}

/* The slot's socket goes (a connection queued is reset: its handler
 * answers 502). */
static void close_listener(pm_slot_t *s)
{
    if (s->listen_fd < 0) {
        return;
    }
    close(s->listen_fd);
    unlink(s->path);
    s->listen_fd = -1;
    s->path[0] = '\0';
}

static void detach_from_class(pm_slot_t *s)
{
    pm_class_t *c = s->cls;
    int i;
    for (i = 0; i < c->slots->nelts; i++) {
        if (APR_ARRAY_IDX(c->slots, i, pm_slot_t *) == s) {
            APR_ARRAY_IDX(c->slots, i, pm_slot_t *) =
                APR_ARRAY_IDX(c->slots, c->slots->nelts - 1, pm_slot_t *);
            c->slots->nelts--;
            break;
        }
    }
}

/* Give slot s up: its socket, its class, its entry in the table (a
 * handler still holding it cannot hand it back into the next process's
 * hands: the table bumps its generation).  A pool's lead takes its shares
 * with it; the last share of a retired lead sends the lead its SIGTERM. */
void pm_free_slot(pm_t *pm, pm_slot_t *s)
{
    pm_class_t *c = s->cls;
    pm_slot_t *lead = s->lead;

    if (lead && c) {
        /* A share stood for one of the parent's children (counted before
         * the class's `full` is looked at again). */
        pm->nprocs--;
        pm_user_add(pm, c->user, -1);
    }
    close_listener(s);
    if (c) {
        pm_slot_set(pm, s, SLOT_FREE);
        detach_from_class(s);
        pm_update_full(pm, c);
    }
    if (s->shares && c) {
        /* (after the lead left its class: nothing publishes it again) */
        int i;
        s->term_pending = 0;    /* it is gone, or goes now */
        for (i = c->slots->nelts - 1; i >= 0 && s->shares; i--) {
            pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
            if (o->lead == s) {
                pm_drop(pm, o);
                i = c->slots->nelts;    /* the array changed: again */
            }
        }
    }
    s->state = SLOT_FREE;
    s->cls = NULL;
    s->published = 0;
    s->suspect = 0;
    s->yield = 0;
    s->lead = NULL;
    s->pool_size = 0;
    s->shares = 0;
    s->pool_why = NULL;
    s->term_pending = 0;
    s->warming = 0;
    fcgp_table_free_slot(pm->table, s->id);
    apr_pool_clear(s->pool);
    if (lead && c) {
        if (--lead->shares == 0 && lead->term_pending) {
            lead->term_pending = 0;
            lead->kill_at = apr_time_now() + lead->cls->limits.kill_timeout;
            pm_signal_worker(pm, (apr_uint32_t)lead->proc.pid, SIGTERM);
        }
    }
}

/* A slot of the table for class c, ours, with no process yet; NULL when
 * the table has none free (logged). */
static pm_slot_t *new_slot(pm_t *pm, pm_class_t *c)
{
    apr_uint32_t id = fcgp_table_alloc_slot(pm->table, pm->me);
    pm_slot_t *s;

    if (id == FCGP_TBL_NO_SLOT || id >= pm->nslots) {
        if (id != FCGP_TBL_NO_SLOT) {
            fcgp_table_free_slot(pm->table, id);
        }
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, pm->s, FCGP_LOGNO(03004)
                     "cannot start a worker of %s: the worker table's %u "
                     "slots are all in use (this and a draining "
                     "generation's workers); lower FcgiProcMaxProcesses or "
                     "restart httpd fully (stop, start) to make it larger",
                     c->name, pm->nslots);
        fcgp_cnt_inc(PM_COUNTERS(pm, c), FCGP_CNT_SPAWN_FAILURES);
        return NULL;
    }
    if (!(s = pm->slots[id])) {
        s = apr_pcalloc(pm->pool, sizeof(*s));
        apr_pool_create(&s->pool, pm->pool);
        s->id = id;
        s->listen_fd = -1;
        pm->slots[id] = s;
    }
    s->cls = c;
    s->state = SLOT_FREE;
    memset(&s->proc, 0, sizeof(s->proc));
    s->kill_sent = 0;
    s->retire_reason = NULL;
    s->published = 0;
    s->replaced = 0;
    s->served = 0;
    s->superseded = 0;
    s->prog_ident = 0;
    s->yield = 0;
    s->lead = NULL;
    s->pool_size = 0;
    s->shares = 0;
    s->pool_why = NULL;
    s->term_pending = 0;
    s->warming = 0;
    s->parent = 0;
    s->looked = 0;
    s->renewals = 0;
    s->last_used = 0;
    APR_ARRAY_PUSH(c->slots, pm_slot_t *) = s;
    return s;
}

/* A new worker of class c, the parent of a php-cgi pool of pool_size
 * children (0: no pool), in a slot of the table, idle (not published
 * yet).  NULL when the table has no free slot or the start failed. */
static pm_slot_t *spawn(pm_t *pm, pm_class_t *c, apr_uint32_t pool_size)
{
    pm_slot_t *s = new_slot(pm, c);

    if (!s) {
        return NULL;
    }
    s->pool_size = pool_size;
    if (make_listener(pm, s) != APR_SUCCESS) {
        fcgp_cnt_inc(PM_COUNTERS(pm, c), FCGP_CNT_SPAWN_FAILURES);
        pm_free_slot(pm, s);
        return NULL;
    }
    if (pm_start_process(pm, s) != APR_SUCCESS) {
        pm_free_slot(pm, s);
        return NULL;
    }
    pm_slot_set(pm, s, SLOT_IDLE);
    pm_update_full(pm, c);
    return s;
}

pm_slot_t *pm_spawn(pm_t *pm, pm_class_t *c)
{
    return spawn(pm, c, c->php_children);
}

/* A pool of class c that may take one more request at once: a lead that
 * serves, not retiring, with fewer shares than its parent has children
 * beside the lead's own. */
static pm_slot_t *pool_with_room(pm_class_t *c)
{
    int i;
    for (i = 0; i < c->slots->nelts; i++) {
        pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        if (o->pool_size && o->proc.pid > 0 && !o->pool_why
            && !o->superseded && !o->yield && !o->warming
            && (o->state == SLOT_IDLE || o->state == SLOT_BUSY)
            && o->shares + 1 < o->pool_size) {
            return o;
        }
    }
    return NULL;
}

/* The most children a pool the PM sizes may have (children_of reads the
 * pids of that many from one /proc line). */
#define PM_POOL_MAX 256

apr_uint32_t pm_pool_round(apr_uint32_t n)
{
    apr_uint32_t p2 = 1;
    while (p2 < n && p2 < PM_POOL_MAX) {
        p2 *= 2;
    }
    return p2;
}

/* The children of a new php-cgi worker of class c, which its other live
 * workers (all taken: one more is wanted) and `want` more requests at
 * once should fit in: a class whose PHP_FCGI_CHILDREN the admin left to
 * us (limits.php_pools) starts with one child (parent mode) and, when more
 * requests come at once, grows to a pool of them all, rounded up to a
 * power of two and at least twice its largest so far (a new pool compiles
 * the application once more), up to FcgiProcMaxProcessesPerClass.  0: no
 * pool. */
static apr_uint32_t new_pool_size(const pm_t *pm, const pm_class_t *c,
                                  apr_uint32_t want, apr_uint32_t *largest_out)
{
    apr_uint32_t live = c->n[SLOT_IDLE] + c->n[SLOT_BUSY] + c->n[SLOT_LAST];
    apr_uint32_t size = live + (want ? want : 1);
    apr_uint32_t largest = 1, others;
    int i;

    *largest_out = 0;
    if (c->php_children || !c->php_itself || !c->limits.php_pools) {
        return c->php_children;
    }
    for (i = 0; i < c->slots->nelts; i++) {
        const pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        if (o->pool_size > largest && !o->pool_why
            && o->state != SLOT_STOPPING) {
            largest = o->pool_size;
        }
    }
    *largest_out = largest;
    if (size < 2) {
        return 0;
    }
    if (size < 2 * largest) {
        size = 2 * largest;
    }
    else {
        /* a load that rises step by step gets few pools, each at most
         * twice what it needs */
        size = pm_pool_round(size);
    }
    if (size > c->limits.max_procs) {
        size = c->limits.max_procs;
    }
    if (size > PM_POOL_MAX) {
        size = PM_POOL_MAX;
    }
    /* all its children run at once: within FcgiProcMaxProcesses, beside
     * the other classes' processes */
    others = pm->nprocs > live ? pm->nprocs - live : 0;
    if (size + others > pm->settings.max_procs) {
        size = pm->settings.max_procs > others
               ? pm->settings.max_procs - others : 0;
    }
    return size < 2 ? 0 : size;
}

static void retire_pool(pm_t *pm, pm_slot_t *lead, const char *reason);

/* A larger pool, lead, takes the place of its class's other workers: each
 * retires as its request ends (what it serves now is not cut short). */
static void replace_smaller(pm_t *pm, pm_slot_t *lead)
{
    pm_class_t *c = lead->cls;
    pm_slot_t **old = apr_palloc(pm->tmp, (c->slots->nelts + 1)
                                          * sizeof(*old));
    int i, n = 0;

    for (i = 0; i < c->slots->nelts; i++) {
        pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        if (o != lead && !o->lead && !o->pool_why
            && (o->state == SLOT_IDLE || o->state == SLOT_BUSY
                || o->state == SLOT_LAST)) {
            old[n++] = o;
        }
    }
    if (!n) {
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, pm->s, FCGP_LOGNO(03016)
                 "%s: more requests at once than its workers take; worker "
                 "pid %d, a php-cgi pool of %u children on one socket "
                 "(FcgiProcMaxProcessesPerClass %u), takes the place of %d "
                 "smaller worker(s), which retire as their requests end",
                 c->name, (int)lead->proc.pid, lead->pool_size,
                 c->limits.max_procs, n);
    /* (no worker starts while they are seen to: the caller adds them) */
    pm->retiring_pool++;
    for (i = 0; i < n; i++) {
        retire_pool(pm, old[i], "a larger pool took its place");
    }
    pm->retiring_pool--;
}

/* A grown pool's lead that will take the smaller workers' place: not on
 * its way out (retired, giving up room to another user, replaced on
 * disk). */
static int pool_takes_over(const pm_slot_t *lead)
{
    return !lead->pool_why && !lead->yield && !lead->superseded
           && (lead->state == SLOT_IDLE || lead->state == SLOT_BUSY);
}

/* Class c has a grown pool serving its first request: nothing is added
 * to it (pm_grow, pm_serve_table), its waiters wait for that pool. */
int pm_class_warming(const pm_class_t *c)
{
    int i;
    for (i = 0; i < c->slots->nelts; i++) {
        const pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        if (o->warming && pool_takes_over(o)) {
            return 1;
        }
    }
    return 0;
}

/* A grown pool's first request ended (or it ran for long enough): the
 * opcode cache has the application, and the pool takes the place of the
 * class's smaller workers; its shares come with the class's next look at
 * its line (pm_serve_table). */
void pm_pool_warm(pm_t *pm, pm_slot_t *lead)
{
    lead->warming = 0;
    if (lead->published) {
        fcgp_table_slot(pm->table, lead->id)->ahead = 0;
    }
    if (pool_takes_over(lead)) {
        replace_smaller(pm, lead);
    }
}

/* One more worker of class c (the caller saw room, pm_room), of `want`
 * more it wants now: in a class of php-cgi pools, a share of a pool that
 * has a child to spare (no new process: one more request at once on its
 * socket), else a new process (pm_spawn), which may be the parent of a
 * new pool (new_pool_size).  Idle, not published yet; NULL when none
 * could be had. */
pm_slot_t *pm_add_worker(pm_t *pm, pm_class_t *c, apr_uint32_t want)
{
    pm_slot_t *lead = pool_with_room(c), *s;

    if (!lead) {
        apr_uint32_t largest, size = new_pool_size(pm, c, want, &largest);
        if ((s = spawn(pm, c, size)) && size > largest && !c->php_children) {
            /* A grown pool starts with an empty opcode cache: its first
             * request compiles the application alone, while the smaller
             * workers serve on (16 children compiling at once would each
             * keep the heap that took, and take 16 times the CPU); then
             * it takes their place (pm_pool_warm).  One no larger, where
             * a limit stopped it, is one more. */
            s->warming = 1;
        }
        return s;
    }
    if (!(s = new_slot(pm, c))) {
        return NULL;
    }
    s->lead = lead;
    lead->shares++;
    apr_cpystrn(s->path, lead->path, sizeof(s->path));
    s->started = lead->started;
    s->prog_ident = lead->prog_ident;
    /* one of the parent's children: counted as a process */
    pm->nprocs++;
    pm_user_add(pm, c->user, 1);
    pm_slot_set(pm, s, SLOT_IDLE);
    pm_update_full(pm, c);
    return s;
}

/* Signal the worker pid: its whole process group (a php-cgi parent's
 * children too; safe by number: the leader is our child, or an adopted
 * one seen alive), else the worker alone, through the signal helper when
 * it runs as another user.  Alone: under suexec a worker is in the PM's
 * group (no group of its own), or in one php-cgi made with setsid() and
 * that we may not signal; php-cgi passes SIGTERM on to its child, and a
 * child that outlives a killed parent is ours as subreaper (pm_linger_add
 * stops it).  0 or an errno. */
int pm_signal_worker(pm_t *pm, apr_uint32_t pid, int sig)
{
    if (pid <= 1) {
        return EINVAL;
    }
    if (kill(-(pid_t)pid, sig) == 0) {
        return 0;
    }
    return pm_signal(pm, pid, sig);
}

/* Retire a worker now: SIGTERM, SIGKILL after FcgiProcKillTimeout; a
 * pool's lead waits for its shares to go first (term_pending); a share
 * has no process and is freed. */
static void retire_now(pm_t *pm, pm_slot_t *s, const char *reason)
{
    pm_class_t *c = s->cls;

    if (s->published) {
        /* Held through the table: its holder's hand-back now fails, and
         * nobody can claim it again. */
        fcgp_table_seize(pm->table, s->id);
        s->published = 0;
    }
    pm_slot_set(pm, s, SLOT_STOPPING);
    /* Requests waiting for it get its replacement now, not when it has
     * exited (and the class is not left open meanwhile for each of them to
     * ask for one).  (A pool's: once all its slots are seen to, so that no
     * slot freed in the middle is given to a new worker.) */
    if (!pm->retiring_pool) {
        pm_grow(pm, c, 0);
    }
    /* One worker fewer: a waiting handler may take its replacement
     * (published without a wake-up while the class was full). */
    fcgp_table_wake(pm->table, c->tidx);
    s->retire_reason = reason;
    s->kill_at = apr_time_now() + c->limits.kill_timeout;
    if (s->proc.pid > 0 && s->shares && pm->draining < 2) {
        s->term_pending = 1;
    }
    else if (s->proc.pid > 0) {
        pm_signal_worker(pm, (apr_uint32_t)s->proc.pid, SIGTERM);
    }
    else {
        pm_free_slot(pm, s);
    }
}

/* One slot of a retiring pool: taken now when idle or just handed back,
 * else when its holder hands it back (`closing` brings it to us; marked
 * first, then looked at again: a hand-back to the line just before the
 * mark would leave it idle and unclaimable). */
static void pool_member_stop(pm_t *pm, pm_slot_t *s, const char *why)
{
    if (s->state == SLOT_STOPPING || s->state == SLOT_FREE) {
        return;
    }
    if (s->published) {
        s->yield = 1;
        apr_atomic_set32(&fcgp_table_slot(pm->table, s->id)->closing, 1);
        pm_sync_slot(pm, s);        /* (a hand-back seen retires it) */
    }
    if (s->state == SLOT_IDLE) {
        if (pm_take(pm, s)) {
            retire_now(pm, s, why);
        }
    }
    else if (!s->published
             && (s->state == SLOT_BUSY || s->state == SLOT_LAST)) {
        retire_now(pm, s, why);     /* handed back to us: ours now */
    }
}

/* Pool `lead` retires whole: each of its slots as its request ends, the
 * parent once none is left.  No worker starts until all its slots are
 * seen to (retire_now): a slot freed meanwhile is not given to one. */
static void retire_pool(pm_t *pm, pm_slot_t *lead, const char *reason)
{
    pm_class_t *c = lead->cls;
    pm_slot_t **members;
    int i, n = 0;

    if (!lead->pool_why) {
        lead->pool_why = reason;
    }
    members = apr_palloc(pm->tmp, (c->slots->nelts + 1) * sizeof(*members));
    for (i = 0; i < c->slots->nelts; i++) {
        pm_slot_t *o = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        if (o->lead == lead) {
            members[n++] = o;
        }
    }
    members[n++] = lead;
    pm->retiring_pool++;
    for (i = 0; i < n; i++) {
        /* (a hand-back seen on the way may have retired one already) */
        if (members[i] == lead || members[i]->lead == lead) {
            pool_member_stop(pm, members[i], lead->pool_why);
        }
    }
    if (--pm->retiring_pool == 0) {
        pm_grow(pm, c, 0);
    }
}

/* Retire a worker: SIGTERM now, SIGKILL after FcgiProcKillTimeout.  An
 * idle one a handler has just claimed is left alone (decided when it is
 * back).  A slot of a php-cgi pool retires its whole pool (which of the
 * parent's children failed, or got old, is not known), each slot as its
 * request ends; when httpd is gone, at once. */
void pm_retire(pm_t *pm, pm_slot_t *s, const char *reason)
{
    if (s->state == SLOT_STOPPING || s->state == SLOT_FREE) {
        return;
    }
    if ((s->lead || s->shares) && pm->draining < 2) {
        retire_pool(pm, s->lead ? s->lead : s, reason);
        return;
    }
    if (s->state == SLOT_IDLE && !pm_take(pm, s)) {
        return;
    }
    retire_now(pm, s, reason);
}

/* Give up a slot whose process is gone and is not replaced: a handler
 * holding it gets a reset from the closed socket and answers 502. */
void pm_drop(pm_t *pm, pm_slot_t *s)
{
    if (s->published) {
        fcgp_table_seize(pm->table, s->id);
        s->published = 0;
    }
    pm_free_slot(pm, s);
}

/* Retiring workers that ignored SIGTERM for FcgiProcKillTimeout get
 * SIGKILL, their whole group, and so do the groups left by workers that
 * exited before the rest of their group; *next is lowered to the earliest
 * deadline still ahead. */
void pm_kill_late(pm_t *pm, apr_time_t now, apr_time_t *next)
{
    apr_uint32_t i;
    int k;
    for (i = 0; i < pm->nslots; i++) {
        pm_slot_t *s = pm->slots[i];
        if (!s || s->state != SLOT_STOPPING || s->kill_sent
            || s->proc.pid <= 0 || s->term_pending) {
            continue;
        }
        if (now >= s->kill_at) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, pm->s,
                         FCGP_LOGNO(03012) "worker pid %d of %s did not exit "
                         "within FcgiProcKillTimeout (%" APR_TIME_T_FMT
                         " ms) of SIGTERM; sending SIGKILL to its process "
                         "group", (int)s->proc.pid, s->cls->name,
                         apr_time_as_msec(s->cls->limits.kill_timeout));
            pm_signal_worker(pm, (apr_uint32_t)s->proc.pid, SIGKILL);
            s->kill_sent = 1;
            fcgp_cnt_inc(PM_COUNTERS(pm, s->cls), FCGP_CNT_KILLS);
        }
        else if (s->kill_at < *next) {
            *next = s->kill_at;
        }
    }
    for (k = 0; pm->linger && k < pm->linger->nelts; k++) {
        pm_linger_t *l = &APR_ARRAY_IDX(pm->linger, k, pm_linger_t);
        if (!group_left(l->pgid)
            || (l->kill_sent && now > l->kill_at + LINGER_GIVE_UP)) {
            /* all gone (they were reaped by their parent, or by us as
             * their subreaper), or not ours to stop */
            *l = APR_ARRAY_IDX(pm->linger, pm->linger->nelts - 1,
                               pm_linger_t);
            pm->linger->nelts--;
            k--;
            continue;
        }
        if (!l->kill_sent && now >= l->kill_at) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, pm->s,
                         FCGP_LOGNO(03091) "processes of exited worker pid "
                         "%d's group did not exit within FcgiProcKillTimeout "
                         "of SIGTERM; sending SIGKILL", (int)l->pgid);
            signal_group(pm, l->pgid, SIGKILL);
            l->kill_sent = 1;
        }
        /* look again soon: a group is gone only when seen gone */
        if (l->kill_at > now && l->kill_at < *next) {
            *next = l->kill_at;
        }
        else if (now + apr_time_from_msec(100) < *next) {
            *next = now + apr_time_from_msec(100);
        }
    }
}
