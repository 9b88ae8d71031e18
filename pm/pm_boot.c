/* pm_boot.c: start the process manager from the httpd parent and keep it
 * running (the mod_cgid model: an "other child" of the parent, restarted
 * when it dies, without restarting httpd).
 *
 * Parent only.  The PM's listening socket lives in the process pool, so it
 * survives restarts: on a graceful restart the old PM stops accepting and
 * drains while the new PM accepts on the very same socket, and a PM that
 * dies leaves its queued connections for the replacement. */
#include <errno.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "ap_mpm.h"
#include "mpm_common.h"
#include "unixd.h"
#include "fcgp_log.h"
#include "pm/pm.h"
#include "pm/pm_boot.h"
#include "pm/policy.h"
#include "pm/sighelper.h"

FCGP_LOG_MODULE;

typedef struct {
    const char *pm_path;
    apr_proc_t proc;
    apr_pool_t *pool;           /* process pool */
    apr_pool_t *gen;            /* this generation's pconf: holds the
                                 * other-child registration (see
                                 * watch_draining) */
    server_rec *s;
    fcgp_pm_settings_t settings;
    apr_socket_t *listener;
    fcgp_table_t *table;        /* the worker table (every generation's) */
    apr_time_t started;
} pm_handle_t;

/* Parent only: the PM that serves the current generation, NULL between a
 * generation's end and the next one's post_config.  Older PMs are draining
 * and are left to finish on their own. */
static pm_handle_t *live;

/* Parent only: the pids of draining PMs of earlier generations not reaped
 * yet (in the process pool, so it outlives a generation; plain numbers).
 * An other-child registration holds a pointer to its maintenance
 * function, which is in this .so: a restart unloads the .so and may load
 * it elsewhere, so every registration is made in the generation's pconf
 * (its cleanup unregisters it before the .so goes), and each generation
 * registers the draining PMs again with its own function
 * (watch_draining), so that their exit is reaped as ours, not as a lost
 * child. */
static apr_array_header_t *draining;

static apr_status_t start_pm(const pm_handle_t *tmpl);

static void forget_draining(pid_t pid)
{
    int i;
    for (i = 0; draining && i < draining->nelts; i++) {
        if (APR_ARRAY_IDX(draining, i, pid_t) == pid) {
            APR_ARRAY_IDX(draining, i, pid_t) =
                APR_ARRAY_IDX(draining, draining->nelts - 1, pid_t);
            draining->nelts--;
            return;
        }
    }
}

/* A draining PM of an earlier generation. */
static void old_pm_maint(int reason, void *data, apr_wait_t status)
{
    apr_proc_t *proc = data;
    if (reason == APR_OC_REASON_DEATH || reason == APR_OC_REASON_LOST) {
        apr_proc_other_child_unregister(data);
        forget_draining(proc->pid);
    }
}

static void watch_draining(apr_pool_t *proc_pool, apr_pool_t *pconf)
{
    static const char key[] = "fcgiproc-draining-pms";
    int i;

    apr_pool_userdata_get((void **)&draining, key, proc_pool);
    if (!draining) {
        draining = apr_array_make(proc_pool, 4, sizeof(pid_t));
        apr_pool_userdata_set(draining, key, apr_pool_cleanup_null,
                              proc_pool);
    }
    for (i = 0; i < draining->nelts; i++) {
        apr_proc_t *proc = apr_pcalloc(pconf, sizeof(*proc));
        proc->pid = APR_ARRAY_IDX(draining, i, pid_t);
        apr_proc_other_child_register(proc, old_pm_maint, proc, NULL, pconf);
    }
}

static void pm_maint(int reason, void *data, apr_wait_t status)
{
    pm_handle_t *h = data;
    int mpm_state;

    switch (reason) {
    case APR_OC_REASON_DEATH:
    case APR_OC_REASON_LOST:
        apr_proc_other_child_unregister(h);
        if (h != live) {
            break;
        }
        live = NULL;
        if (ap_mpm_query(AP_MPMQ_MPM_STATE, &mpm_state) == APR_SUCCESS
            && mpm_state == AP_MPMQ_STOPPING) {
            break;
        }
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, h->s, FCGP_LOGNO(04001)
                     "process manager pid %d died (%s); a new one is "
                     "started, which lets its busy workers finish their "
                     "requests and stops them all",
                     (int)h->proc.pid,
                     reason == APR_OC_REASON_LOST ? "lost"
                     : apr_psprintf(h->pool, "wait status %d", status));
        {
            /* The new PM adopts its workers (pm_adopt.c): it knows which
             * are busy; the rest of its process group gets SIGKILL from
             * the new PM when they are done. */
            pm_handle_t next = *h;
            next.settings.orphan_pgid = (int)h->proc.pid;
            start_pm(&next);
        }
        break;
    case APR_OC_REASON_RESTART:
    case APR_OC_REASON_UNWRITABLE:
    case APR_OC_REASON_UNREGISTER:
    default:
        break;
    }
}

/* pconf cleanup: this generation's PM hands over to the next one.  Never
 * waits: the parent must not block on the PM.  On every kind of restart
 * and stop the PM drains: idle workers go at once, busy ones when their
 * request ends (on a hard stop httpd kills its children, which ends those
 * requests), and the PM exits when no worker is left. */
static apr_status_t pm_generation_end(void *unused)
{
    pm_handle_t *h = live;

    if (!h || h->proc.pid <= 0) {
        return APR_SUCCESS;
    }
    live = NULL;
    kill(h->proc.pid, SIGUSR1);
    if (draining) {
        APR_ARRAY_PUSH(draining, pid_t) = h->proc.pid;
    }
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_EXITING) {
        unlink(h->pm_path);     /* httpd stops: leave nothing behind */
    }
    return APR_SUCCESS;
}

static apr_status_t start_pm(const pm_handle_t *h)
{
    pm_handle_t *nh = apr_pmemdup(h->pool, h, sizeof(*h));
    apr_status_t rv;

    nh->started = apr_time_now();
    rv = apr_proc_fork(&nh->proc, nh->pool);
    if (rv == APR_INCHILD) {
        int code;
        /* Our own process group: httpd signals its process group on
         * restart and stop, and those signals are not for the apps.  Not
         * our own session: the kernel's autogroup scheduler gives every
         * session an equal share of the CPU, and the apps should share
         * httpd's, as CGI scripts do, rather than compete with it. */
        setpgid(0, 0);
        ap_close_listeners();
        /* The one privileged part: a helper that may signal our workers
         * that suexec started as other users (pm/sighelper.c), forked
         * while we are still root; then this process drops privileges
         * like httpd's children. */
        nh->settings.sig_helper = -1;
        nh->settings.sig_helper_pid = 0;
        if (nh->settings.suexec_bin && geteuid() == 0) {
            nh->settings.sig_helper = fcgp_sighelper_start(
                (apr_uint32_t)ap_unixd_config.user_id,
                nh->settings.orphan_pgid, nh->s,
                &nh->settings.sig_helper_pid);
            if (nh->settings.sig_helper < 0) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, errno, nh->s,
                             FCGP_LOGNO(04030) "cannot start the process "
                             "manager's signal helper; workers that suexec "
                             "starts as other users could not be stopped: "
                             "exiting");
                _exit(1);
            }
        }
        if (ap_run_drop_privileges(nh->pool, nh->s)) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, nh->s, FCGP_LOGNO(04002)
                         "process manager cannot drop privileges; exiting");
            _exit(1);
        }
        code = fcgp_pm_main(nh->pool, nh->listener, &nh->settings,
                            nh->table, nh->s);
        _exit(code);
    }
    if (rv == APR_INPARENT) {
        /* Also here, so that a signal to the group cannot come first. */
        setpgid(nh->proc.pid, nh->proc.pid);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, h->s, FCGP_LOGNO(04003)
                     "cannot fork the process manager");
        return rv;
    }
    apr_proc_other_child_register(&nh->proc, pm_maint, nh, NULL, nh->gen);
    live = nh;
    return APR_SUCCESS;
}

/* The PM's socket, made once per process and kept across restarts. */
static apr_status_t pm_listener(apr_pool_t *proc_pool, server_rec *s,
                                const char *path, apr_socket_t **out)
{
    const char *key = apr_pstrcat(proc_pool, "fcgiproc-pm-listener:", path,
                                  NULL);
    apr_sockaddr_t *sa;
    apr_socket_t *sock;
    apr_status_t rv;
    mode_t mask;

    apr_pool_userdata_get((void **)out, key, proc_pool);
    if (*out) {
        return APR_SUCCESS;
    }
    unlink(path);
    /* Made with the mode it keeps, never changed by path afterwards (a
     * rename in the directory could swap what a chown reaches): anyone
     * may connect, and only the httpd User (and root) can reach it, through
     * FcgiProcIPCDir (0700).  The parent is single-threaded here. */
    if ((rv = apr_sockaddr_info_get(&sa, path, APR_UNIX, 0, 0, proc_pool))
        == APR_SUCCESS
        && (rv = apr_socket_create(&sock, APR_UNIX, SOCK_STREAM, 0,
                                   proc_pool)) == APR_SUCCESS) {
        mask = umask(0111);
        rv = apr_socket_bind(sock, sa);
        umask(mask);
        if (rv == APR_SUCCESS) {
            rv = apr_socket_listen(sock, 4096);
        }
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, FCGP_LOGNO(04004)
                     "cannot create the process manager socket %s; check "
                     "FcgiProcIPCDir", path);
        return rv;
    }
    apr_pool_userdata_set(sock, key, apr_pool_cleanup_null, proc_pool);
    *out = sock;
    return APR_SUCCESS;
}

apr_status_t fcgp_pm_ipc_dir_prepare(server_rec *s, const char *dir,
                                     const char *where)
{
    uid_t uid = geteuid() == 0 ? ap_unixd_config.user_id : geteuid();
    struct stat st;

    /* Our own directory, made now (0700 from the start: nobody else can
     * get in before it is given to the httpd User)... */
    if (mkdir(dir, 0700) == 0) {
        if (geteuid() == 0
            && chown(dir, ap_unixd_config.user_id, ap_unixd_config.group_id)
               != 0) {
            apr_status_t rv = errno;
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, FCGP_LOGNO(04008)
                         "cannot give %s %s to the httpd User", where, dir);
            return rv;
        }
        return APR_SUCCESS;
    }
    if (errno != EEXIST) {
        apr_status_t rv = errno;
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, FCGP_LOGNO(04006)
                     "cannot create %s %s", where, dir);
        return rv;
    }
    /* ...or one that already is: a directory (not a link to one) of the
     * httpd User's that nobody else may enter.  Anything else is not
     * taken over. */
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, FCGP_LOGNO(04007)
                     "%s %s is not a directory", where, dir);
        return APR_ENOTDIR;
    }
    /* A distribution's directory of the httpd User's that others may
     * only look into (RHEL's mod_fcgid makes /run/mod_fcgid 0755): made
     * ours by taking their access away.  One others may write in could
     * hold anything, and is refused. */
    if (st.st_uid == uid && (st.st_mode & 077) && !(st.st_mode & 022)) {
        if (chmod(dir, 0700) != 0) {
            apr_status_t rv = errno;
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, FCGP_LOGNO(04014)
                         "cannot make %s %s private (mode 0700)", where, dir);
            return rv;
        }
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, FCGP_LOGNO(04013)
                     "%s %s had mode %04o; made it 0700, so that only the "
                     "httpd User can reach the sockets in it", where, dir,
                     (unsigned)(st.st_mode & 07777));
        st.st_mode &= ~077;
    }
    if (st.st_uid != uid || (st.st_mode & 077)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, FCGP_LOGNO(04012)
                     "%s %s exists and is not ours: it is owned by uid %d "
                     "with mode %04o, and must be the httpd User's (uid %d) "
                     "with mode 0700.  Remove it (httpd makes it), or name "
                     "a directory that does not exist yet", where, dir,
                     (int)st.st_uid, (unsigned)(st.st_mode & 07777),
                     (int)uid);
        return APR_EACCES;
    }
    return APR_SUCCESS;
}

/* The worker table, made once per httpd process and kept across
 * restarts, so that every generation's handlers and PMs share it (a
 * request of an old generation waiting for a worker during a graceful
 * restart gets one of the new generation's).  Room for every process of
 * two generations (one draining), and some. */
static apr_status_t worker_table(apr_pool_t *proc_pool, server_rec *s,
                                 apr_uint32_t max_procs, fcgp_table_t **out)
{
    /* Kept under this build's layout: after the module is replaced by
     * one with another layout (an upgrade, then a graceful restart), the
     * old generation keeps its table and the new one makes its own. */
    char key[64];
    static const char last_key[] = "fcgiproc-worker-table-layout";
    const char *last = NULL;
    apr_uint32_t want = 2 * max_procs + 64;
    apr_status_t rv;

    apr_snprintf(key, sizeof(key), "fcgiproc-worker-table:%"
                 APR_UINT64_T_HEX_FMT, fcgp_table_layout());
    apr_pool_userdata_get((void **)out, key, proc_pool);
    apr_pool_userdata_get((void **)&last, last_key, proc_pool);
    if (!*out && last) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, FCGP_LOGNO(04015)
                     "the module was replaced by one whose worker table "
                     "differs (%s, now %s): a new table is made; requests "
                     "of the older generation finish with its workers",
                     last, key);
    }
    if (!*out) {
        rv = fcgp_table_create(proc_pool, want < 1024 ? 1024 : want, out);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, FCGP_LOGNO(04010)
                         "cannot make the shared worker table (%u slots)",
                         want);
            return rv;
        }
        apr_pool_userdata_set(*out, key, apr_pool_cleanup_null, proc_pool);
        apr_pool_userdata_set(apr_pstrdup(proc_pool, key), last_key,
                              apr_pool_cleanup_null, proc_pool);
    }
    else if (fcgp_table_nslots(*out) < want) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, FCGP_LOGNO(04011)
                     "FcgiProcMaxProcesses %u wants a worker table of %u "
                     "slots; the one made when httpd started has %u, which "
                     "bounds the processes until httpd is stopped and "
                     "started again", max_procs, want,
                     fcgp_table_nslots(*out));
    }
    fcgp_table_set_max_procs(*out, max_procs);
    return APR_SUCCESS;
}

/* Every profile (pm_types.h) of every configuration this httpd loaded,
 * kept across restarts: a request of an older generation still being
 * served during a graceful restart asks the new PM for a worker of its
 * own configuration, and gets one; anything no configuration had is
 * refused (FCGP03025). */
static const fcgp_app_profile_t *all_profiles(apr_pool_t *proc_pool,
                                              const fcgp_pm_settings_t *st,
                                              int *n)
{
    /* Under the layout too: fcgp_app_profile_t may change with it. */
    char key[64];
    apr_array_header_t *all;
    int i, k;

    apr_snprintf(key, sizeof(key), "fcgiproc-profiles:%"
                 APR_UINT64_T_HEX_FMT, fcgp_table_layout());
    apr_pool_userdata_get((void **)&all, key, proc_pool);
    if (!all) {
        all = apr_array_make(proc_pool, 16, sizeof(fcgp_app_profile_t));
        apr_pool_userdata_set(all, key, apr_pool_cleanup_null, proc_pool);
    }
    for (i = 0; i < st->nprofiles; i++) {
        const fcgp_app_profile_t *p = &st->profiles[i];
        fcgp_app_spec_t spec;
        fcgp_app_profile_t *c;
        const char **env;
        spec.vhost = p->vhost;
        spec.envc = p->envc;
        spec.env = p->env;
        spec.ident = p->ident;
        for (k = 0; k < all->nelts; k++) {
            const fcgp_app_profile_t *o =
                &APR_ARRAY_IDX(all, k, fcgp_app_profile_t);
            if (o->userdir_ok == p->userdir_ok
                && fcgp_policy_profile_ok(o, 1, &spec, &p->limits)) {
                break;
            }
        }
        if (k < all->nelts) {
            continue;           /* known already */
        }
        c = apr_array_push(all);
        c->vhost = apr_pstrdup(proc_pool, p->vhost);
        c->envc = p->envc;
        env = apr_pcalloc(proc_pool, sizeof(*env) * (p->envc + 1));
        for (k = 0; k < p->envc; k++) {
            env[k] = apr_pstrdup(proc_pool, p->env[k]);
        }
        c->env = env;
        c->limits = p->limits;
        c->ident = p->ident;
        c->userdir_ok = p->userdir_ok;
    }
    *n = all->nelts;
    return (const fcgp_app_profile_t *)all->elts;
}

apr_status_t fcgp_pm_boot(apr_pool_t *pconf, server_rec *s,
                          const fcgp_pm_settings_t *settings,
                          const char *pm_path)
{
    apr_pool_t *proc_pool = s->process->pool;
    pm_handle_t h;
    apr_status_t rv;

    memset(&h, 0, sizeof(h));
    if ((rv = fcgp_pm_ipc_dir_prepare(s, settings->ipc_dir,
                                      settings->ipc_dir_where))
        != APR_SUCCESS
        || (rv = pm_listener(proc_pool, s, pm_path, &h.listener))
           != APR_SUCCESS) {
        return rv;
    }
    h.pool = proc_pool;
    h.gen = pconf;
    watch_draining(proc_pool, pconf);
    h.s = s;
    h.pm_path = apr_pstrdup(proc_pool, pm_path);
    h.settings.ipc_dir = apr_pstrdup(proc_pool, settings->ipc_dir);
    h.settings.ipc_dir_where = apr_pstrdup(proc_pool,
                                           settings->ipc_dir_where);
    h.settings.max_procs = settings->max_procs;
    h.settings.max_procs_user = settings->max_procs_user;
    h.settings.suexec_bin = settings->suexec_bin;
    h.settings.suexec_log = settings->suexec_log
                            ? apr_pstrdup(proc_pool, settings->suexec_log)
                            : NULL;
    h.settings.sig_helper = -1;
    h.settings.kill_timeout = settings->kill_timeout;
    h.settings.orphan_pgid = 0;
    h.settings.profiles = all_profiles(proc_pool, settings,
                                       &h.settings.nprofiles);
    /* This generation's static servers (in pconf: a PM restarted after it
     * died is this generation's too, see pm_maint). */
    h.settings.nstatics = settings->nstatics;
    h.settings.statics = settings->statics;
    if ((rv = worker_table(proc_pool, s, settings->max_procs, &h.table))
        != APR_SUCCESS) {
        return rv;
    }
    fcgp_pm_use_table(h.table);
    if ((rv = start_pm(&h)) != APR_SUCCESS) {
        return rv;
    }
    apr_pool_cleanup_register(pconf, NULL, pm_generation_end,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}
