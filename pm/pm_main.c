/* pm_main.c: the process-manager process: its loop, its timers, and how
 * it drains.
 *
 * One process, one thread, one event loop, forked by the httpd parent for
 * each generation (pm_boot.c).  It owns every worker process it starts and
 * the slots of the shared worker table they sit in (pm/table.h), and it is
 * the only one that starts, retires and reaps them.  Handlers take and
 * hand back its idle workers in the table on their own; the PM follows
 * when kicked and once a second (pm_view.c).  Its socket (pm_server.c)
 * serves what only the PM can do; workers start and stop in pm_worker.c,
 * exits are handled in pm_reap.c.
 *
 * Draining (a restart or stop of httpd): the PM stops listening (the next
 * generation's PM listens on the same socket), lets the handlers that
 * wait in the table ask that PM instead, retires its idle workers at once
 * and its busy ones as they come back, frees its slots and exits. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <apr_atomic.h>
#include <apr_file_info.h>
#include <apr_portable.h>
#include <apr_signal.h>
#include <apr_strings.h>

#include "httpd.h"
#include "http_log.h"
#include "fcgp_log.h"
#include "pm/pm_internal.h"

FCGP_LOG_MODULE;

/* The signal handler's only link to the loop: the write end of a pipe
 * (self-pipe trick).  The one file-level variable of the PM. */
static int sig_fd = -1;
static volatile sig_atomic_t sig_term, sig_graceful, sig_chld;

static void on_signal(int signo)
{
    char c = (char)signo;
    int saved = errno;
    if (signo == SIGCHLD) {
        sig_chld = 1;
    }
    else if (signo == SIGTERM) {
        sig_term = 1;
    }
    else if (signo == SIGUSR1) {
        sig_graceful = 1;
    }
    if (write(sig_fd, &c, 1) < 0) {
        /* pipe full: a wake-up is already pending */
    }
    errno = saved;
}

/* Once a second (every 100 ms while draining): holders and waiters that
 * died, the workers to retire, then what the handlers did and the
 * classes' lines and minimums. */
static void tick(pm_t *pm, apr_time_t now)
{
    apr_uint32_t i;

    pm_reclaim(pm);
    if (pm->draining > 1) {
        pm->orphans_until = now;    /* httpd is gone: no waiting for them */
    }
    pm_orphans_tick(pm, now);
    for (i = 0; i < pm->nslots; i++) {
        pm_slot_t *s = pm->slots[i];
        const char *why;

        if (!s || s->state == SLOT_FREE || s->state == SLOT_STOPPING) {
            continue;
        }
        if (s->state != SLOT_IDLE) {
            if (pm->draining > 1) {
                pm_retire(pm, s, "httpd is gone");
            }
            continue;
        }
        if (s->lead && s->lead->pool_why) {
            /* its pool retires (a slot left idle by a hand-back the PM
             * had not seen yet: pool_member_stop looks again, this is
             * the second look) */
            pm_retire(pm, s, s->lead->pool_why);
            continue;
        }
        if (s->lead && pm->draining < 2) {
            continue;       /* a pool's slot: its lead decides for all */
        }
        if ((why = pm_retire_reason(pm, s, 0, FCGP_OUT_OK, now)) != NULL) {
            pm_retire(pm, s, why);
        }
    }
    pm_serve_table(pm);     /* what handlers did; lines; class minimums */
}

static apr_interval_time_t next_timeout(pm_t *pm, apr_time_t now)
{
    apr_time_t next = pm->next_tick;
    pm_kill_late(pm, now, &next);
    return next > now ? next - now : 0;
}

static void start_draining(pm_t *pm, int how)
{
    apr_hash_index_t *hi;
    apr_uint32_t i;

    if (pm->draining >= how) {
        return;
    }
    if (!pm->draining && pm->listener) {
        apr_os_sock_t fd;
        /* Stop taking requests: the next PM (which shares the listening
         * socket) takes them.  Close only our descriptor:
         * apr_socket_close() would unlink the socket's path, which the
         * next PM is using. */
        apr_pollset_remove(pm->pollset, &pm->listen_pfd);
        apr_os_sock_get(&fd, pm->listener);
        close(fd);
        pm->listener = NULL;
    }
    pm->draining = how;
    pm->next_tick = 0;
    pm_close_conns(pm);
    /* Our workers that handlers hold come back to us, not to the line. */
    for (i = 0; i < pm->nslots; i++) {
        if (pm->slots[i] && pm->slots[i]->published) {
            apr_atomic_set32(&fcgp_table_slot(pm->table, i)->closing, 1);
        }
    }
    /* Handlers waiting for our workers ask the next PM instead. */
    for (hi = apr_hash_first(NULL, pm->classes); hi; hi = apr_hash_next(hi)) {
        pm_class_t *c = apr_hash_this_val(hi);
        fcgp_table_set_live(pm->table, c->tidx, 0, 0);  /* no pause of ours */
        fcgp_table_set_full(pm->table, c->tidx, 0);
        fcgp_table_wake_all(pm->table, c->tidx);
    }
}

/* Sockets left by a PM that was killed: "w<pid>-<n>.sock" whose pid is
 * gone.  (A draining PM of an earlier generation is alive: keep its.) */
static void remove_stale_sockets(pm_t *pm)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    apr_pool_t *tp;

    apr_pool_create(&tp, pm->pool);
    if (apr_dir_open(&dir, pm->settings.ipc_dir, tp) == APR_SUCCESS) {
        while (apr_dir_read(&fi, APR_FINFO_NAME, dir) == APR_SUCCESS) {
            int pid = 0, n = 0;
            if (sscanf(fi.name, "w%d-%d.sock", &pid, &n) == 2 && pid > 0
                && kill(pid, 0) != 0 && errno == ESRCH) {
                unlink(apr_pstrcat(tp, pm->settings.ipc_dir, "/", fi.name,
                                   NULL));
            }
        }
        apr_dir_close(dir);
    }
    apr_pool_destroy(tp);
}

/* Slots of process managers that died earlier and were not adopted
 * (pm_adopt.c takes the last one's) are nobody's: free them, and let every
 * waiter ask us (a dead PM may have left a class `full`). */
static void take_over_table(pm_t *pm)
{
    apr_uint32_t i;
    fcgp_tbl_class_t *tc;

    for (i = 0; i < pm->nslots; i++) {
        apr_uint32_t owner = fcgp_table_slot(pm->table, i)->owner;
        if (owner && kill((pid_t)owner, 0) != 0 && errno == ESRCH) {
            fcgp_table_free_slot(pm->table, i);
        }
    }
    for (i = 0; (tc = fcgp_table_class(pm->table, i)) != NULL; i++) {
        if (apr_atomic_read32(&tc->used)) {
            fcgp_table_set_full(pm->table, i, 0);
            fcgp_table_wake_all(pm->table, i);
        }
    }
}

/* Leaving: our slots are nobody's now. */
static void free_table_slots(pm_t *pm)
{
    apr_uint32_t i;
    for (i = 0; i < pm->nslots; i++) {
        if (pm->slots[i] && pm->slots[i]->state != SLOT_FREE) {
            fcgp_table_free_slot(pm->table, i);
        }
    }
}

static apr_status_t setup(pm_t *pm)
{
    apr_file_t *sig_out;
    apr_os_file_t ofd;
    apr_status_t rv;

    rv = apr_pollset_create(&pm->pollset, 1024, pm->pool, 0);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_pipe_create_ex(&pm->sig_in, &sig_out, APR_FULL_NONBLOCK,
                                 pm->pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_os_file_get(&ofd, sig_out);
    sig_fd = ofd;
#ifdef PR_SET_CHILD_SUBREAPER
    /* A php-cgi parent's children that outlive it become ours, not
     * init's: reaped here, never left as zombies. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
    apr_signal(SIGCHLD, on_signal);
    apr_signal(SIGTERM, on_signal);
    apr_signal(SIGUSR1, on_signal);
    apr_signal(SIGHUP, SIG_IGN);
    apr_signal(SIGPIPE, SIG_IGN);
    apr_signal(SIGINT, SIG_IGN);
    apr_signal(SIGWINCH, SIG_IGN);

    pm->sig_pfd.p = pm->pool;
    pm->sig_pfd.desc_type = APR_POLL_FILE;
    pm->sig_pfd.desc.f = pm->sig_in;
    pm->sig_pfd.reqevents = APR_POLLIN;
    pm->sig_pfd.client_data = &pm->sig_pfd;
    apr_pollset_add(pm->pollset, &pm->sig_pfd);
    return pm_server_setup(pm);
}

/* One round of the loop after poll: signals, then the timers. */
static void after_events(pm_t *pm)
{
    apr_time_t now;

    if (sig_chld) {
        sig_chld = 0;       /* before reaping: a later exit sets it again */
        pm_reap(pm);
        pm_serve_table(pm); /* room for others, maybe */
    }
    if (sig_term) {
        start_draining(pm, 2);
    }
    else if (sig_graceful) {
        start_draining(pm, 1);
    }
    now = apr_time_now();
    if (now >= pm->next_tick) {
        if ((apr_uint32_t)getppid() != pm->parent_pid) {
            start_draining(pm, 2);   /* httpd is gone */
        }
        tick(pm, now);
        /* Draining, workers handed back through the table are only seen
         * here: look often. */
        pm->next_tick = now + (pm->draining ? apr_time_from_msec(100)
                                            : apr_time_from_sec(1));
    }
}

int fcgp_pm_main(apr_pool_t *p, apr_socket_t *listener,
                 const fcgp_pm_settings_t *settings, fcgp_table_t *table,
                 void *server)
{
    pm_t pmrec, *pm = &pmrec;
    apr_status_t rv;

    memset(pm, 0, sizeof(*pm));
    pm->pool = p;
    apr_pool_create(&pm->tmp, p);
    pm->s = server;
    pm->settings = *settings;
    pm->listener = listener;
    pm->table = table;
    pm->nslots = fcgp_table_nslots(table);
    pm->slots = apr_pcalloc(p, sizeof(pm_slot_t *) * pm->nslots);
    pm->classes = apr_hash_make(p);
    pm->me = (apr_uint32_t)getpid();
    pm->parent_pid = (apr_uint32_t)getppid();
    pm->user_procs = apr_hash_make(p);
    pm->helper_fd = settings->sig_helper;
    pm->helper_pid = settings->sig_helper_pid;
    pm_adopt(pm);
    take_over_table(pm);
    remove_stale_sockets(pm);
    if ((rv = setup(pm)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, pm->s, FCGP_LOGNO(03030)
                     "process manager cannot set up its event loop");
        return 1;
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, pm->s, FCGP_LOGNO(03031)
                 "process manager pid %d ready (FcgiProcIPCDir %s, "
                 "FcgiProcMaxProcesses %u)", (int)getpid(),
                 pm->settings.ipc_dir, pm->settings.max_procs);
    pm_start_statics(pm);

    for (;;) {
        apr_int32_t n = 0, i;
        const apr_pollfd_t *ev;

        apr_pool_clear(pm->tmp);
        rv = apr_pollset_poll(pm->pollset,
                              next_timeout(pm, apr_time_now()), &n, &ev);
        if (rv != APR_SUCCESS && !APR_STATUS_IS_EINTR(rv)
            && !APR_STATUS_IS_TIMEUP(rv)) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, pm->s, FCGP_LOGNO(03032)
                         "process manager poll failed");
            return 1;
        }
        for (i = 0; i < n; i++) {
            void *cd = ev[i].client_data;
            if (cd == &pm->sig_pfd) {
                char buf[64];
                apr_size_t len = sizeof(buf);
                while (apr_file_read(pm->sig_in, buf, &len) == APR_SUCCESS) {
                    len = sizeof(buf);
                }
            }
            else if (cd == &pm->listen_pfd) {
                if (pm->listener) {
                    pm_on_accept(pm);
                }
            }
            else {
                pm_on_readable(pm, cd);
            }
        }
        after_events(pm);
        if (pm->helper_lost) {
            return 1;       /* the parent starts one that adopts ours */
        }
        if (pm->draining && pm->nprocs == 0 && !pm->orphans
            && !(pm->linger && pm->linger->nelts)) {
            free_table_slots(pm);
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, pm->s, FCGP_LOGNO(03033)
                         "process manager pid %d exiting: every worker is "
                         "gone", (int)getpid());
            return 0;
        }
    }
}
