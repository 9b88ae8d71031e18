/* pm_worker.c: starting and stopping worker processes.
 *
 * PM process only.  Each worker slot owns a listening unix socket that the
 * PM creates and keeps open for the slot's whole life; the worker gets it
 * as fd 0 (the FastCGI convention).  A worker that exits on its own leaves
 * the socket (and any connection queued on it) in place, and the
 * replacement the PM starts on the same socket accepts it (pm_reap.c).
 * Memory: one pool per slot, cleared when the slot is freed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
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

static void spawn_errfn(apr_pool_t *p, apr_status_t err, const char *desc)
{
    char buf[256];
    /* Runs in the child between fork and exec: its stderr is httpd's
     * error log. */
    fprintf(stderr, "[fcgiproc:error] [pid %d] " FCGP_LOGNO(03001)
            "cannot start FastCGI application: %s: %s\n", (int)getpid(),
            desc, apr_strerror(err, buf, sizeof(buf)));
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
 * command. */
apr_status_t pm_start_process(pm_t *pm, pm_slot_t *s)
{
    pm_class_t *c = s->cls;
    apr_pool_t *tp;
    apr_procattr_t *attr;
    apr_os_sock_t fd;
    apr_file_t *in;
    const char **env;
    const char *prog;
    const char *const *argv;
    char *dir;
    apr_status_t rv;

    apr_pool_create(&tp, s->pool);
    argv = command(pm, c, tp, &prog);
    apr_os_sock_get(&fd, s->listen);
    env = apr_pcalloc(tp, sizeof(*env) * (c->spec.envc + 1));
    memcpy(env, c->spec.env, sizeof(*env) * c->spec.envc);
    dir = apr_pstrdup(tp, c->spec.argv[0]);
    if (strrchr(dir, '/') && strrchr(dir, '/') != dir) {
        *strrchr(dir, '/') = '\0';
    }
    else {
        dir = "/";
    }
    /* The file it starts from: a later version supersedes it
     * (pm_program.c). */
    s->prog_ident = pm_program_ident(pm, c);
    if ((rv = apr_procattr_create(&attr, tp)) == APR_SUCCESS
        && (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM)) == APR_SUCCESS
        && (rv = apr_os_file_put(&in, &fd, APR_FOPEN_READ, tp))
           == APR_SUCCESS
        && (rv = apr_procattr_child_in_set(attr, in, NULL)) == APR_SUCCESS
        && (rv = apr_procattr_dir_set(attr, dir)) == APR_SUCCESS
        && (rv = apr_procattr_child_errfn_set(attr, spawn_errfn))
           == APR_SUCCESS
        && (rv = apr_procattr_error_check_set(attr, 1)) == APR_SUCCESS) {
        rv = apr_proc_create(&s->proc, prog, argv, env, attr, s->pool);
    }
    apr_pool_destroy(tp);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, pm->s, FCGP_LOGNO(03002)
                     "cannot start FastCGI application %s", c->name);
        s->proc.pid = 0;
        fcgp_cnt_inc(PM_COUNTERS(pm, c), FCGP_CNT_SPAWN_FAILURES);
        return rv;
    }
    fcgp_cnt_inc(PM_COUNTERS(pm, c), FCGP_CNT_SPAWNS);
    if (c->priority
        && setpriority(PRIO_PROCESS, (id_t)s->proc.pid, c->priority) != 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, pm->s,
                     FCGP_LOGNO(03082) "cannot give worker pid %d of %s the "
                     "priority %d of %s", (int)s->proc.pid, c->name,
                     c->priority, c->static_where);
    }
    s->served = 0;
    /* A new process has never served: it is the least recently used, so
     * warm workers go first and it starts (php-cgi takes ~10 ms) in the
     * background, before it is needed. */
    s->started = apr_time_now();
    s->last_used = 0;
    pm->nprocs++;
    pm_user_add(pm, c->user, 1);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, pm->s,
                 "started worker pid %d for %s on %s", (int)s->proc.pid,
                 c->name, s->path);
    return APR_SUCCESS;
}

static apr_status_t make_listener(pm_t *pm, pm_slot_t *s)
{
    apr_sockaddr_t *sa;
    apr_status_t rv;

    s->path = apr_psprintf(s->pool, "%s/w%d-%u.sock", pm->settings.ipc_dir,
                           (int)getpid(), ++pm->seq);
    unlink(s->path);
    if ((rv = apr_sockaddr_info_get(&sa, s->path, APR_UNIX, 0, 0, s->pool))
        != APR_SUCCESS
        || (rv = apr_socket_create(&s->listen, APR_UNIX, SOCK_STREAM, 0,
                                   s->pool)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = apr_socket_bind(s->listen, sa)) != APR_SUCCESS
        || (rv = apr_socket_listen(s->listen, 1024)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, pm->s, FCGP_LOGNO(03003)
                     "cannot listen on %s; check that FcgiProcIPCDir %s is "
                     "writable by the httpd User", s->path,
                     pm->settings.ipc_dir);
        apr_socket_close(s->listen);
        s->listen = NULL;
        return rv;
    }
    return APR_SUCCESS;
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
 * hands: the table bumps its generation). */
void pm_free_slot(pm_t *pm, pm_slot_t *s)
{
    pm_class_t *c = s->cls;

    if (s->listen) {
        apr_socket_close(s->listen);
        s->listen = NULL;
    }
    if (s->path) {
        unlink(s->path);
        s->path = NULL;
    }
    if (c) {
        pm_slot_set(pm, s, SLOT_FREE);
        detach_from_class(s);
        pm_update_full(pm, c);
    }
    s->state = SLOT_FREE;
    s->cls = NULL;
    s->published = 0;
    s->suspect = 0;
    s->yield = 0;
    fcgp_table_free_slot(pm->table, s->id);
    apr_pool_clear(s->pool);
}

/* A new worker of class c, in a slot of the table, idle (not published
 * yet).  NULL when the table has no free slot or the start failed. */
pm_slot_t *pm_spawn(pm_t *pm, pm_class_t *c)
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
    APR_ARRAY_PUSH(c->slots, pm_slot_t *) = s;
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

/* Retire a worker: SIGTERM now, SIGKILL after FcgiProcKillTimeout.  An
 * idle one a handler has just claimed is left alone (decided when it is
 * back). */
void pm_retire(pm_t *pm, pm_slot_t *s, const char *reason)
{
    pm_class_t *c = s->cls;

    if (s->state == SLOT_STOPPING || s->state == SLOT_FREE) {
        return;
    }
    if (s->state == SLOT_IDLE && !pm_take(pm, s)) {
        return;
    }
    if (s->published) {
        /* Held through the table: its holder's hand-back now fails, and
         * nobody can claim it again. */
        fcgp_table_seize(pm->table, s->id);
        s->published = 0;
    }
    pm_slot_set(pm, s, SLOT_STOPPING);
    pm_update_full(pm, c);
    /* One worker fewer: a waiting handler may take its replacement
     * (published without a wake-up while the class was full). */
    fcgp_table_wake(pm->table, c->tidx);
    s->retire_reason = reason;
    s->kill_at = apr_time_now() + c->limits.kill_timeout;
    if (s->proc.pid > 0) {
        pm_signal(pm, (apr_uint32_t)s->proc.pid, SIGTERM);
    }
    else {
        pm_free_slot(pm, s);
    }
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
 * SIGKILL; *next is lowered to the earliest deadline still ahead. */
void pm_kill_late(pm_t *pm, apr_time_t now, apr_time_t *next)
{
    apr_uint32_t i;
    for (i = 0; i < pm->nslots; i++) {
        pm_slot_t *s = pm->slots[i];
        if (!s || s->state != SLOT_STOPPING || s->kill_sent
            || s->proc.pid <= 0) {
            continue;
        }
        if (now >= s->kill_at) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, pm->s,
                         FCGP_LOGNO(03012) "worker pid %d of %s did not exit "
                         "within FcgiProcKillTimeout (%" APR_TIME_T_FMT
                         " ms) of SIGTERM; sending SIGKILL",
                         (int)s->proc.pid, s->cls->name,
                         apr_time_as_msec(s->cls->limits.kill_timeout));
            pm_signal(pm, (apr_uint32_t)s->proc.pid, SIGKILL);
            s->kill_sent = 1;
            fcgp_cnt_inc(PM_COUNTERS(pm, s->cls), FCGP_CNT_KILLS);
        }
        else if (s->kill_at < *next) {
            *next = s->kill_at;
        }
    }
}
