/* pm_internal.h: the process manager's private state and the functions
 * its files share.  PM process only.
 *
 *   pm_main.c    the loop: signals, timers, draining, start-up
 *   pm_server.c  the PM socket: connections, WANT / KICK / STATUS, classes
 *   pm_view.c    the PM's view of the worker table: the slot state setter,
 *                publishing, following what handlers did, room, growth
 *   pm_worker.c  starting and stopping worker processes
 *   pm_reap.c    reaping: exits, the exit log, learned limits, back-off
 *   pm_adopt.c   the workers of a process manager that died
 *   pm_program.c the program file a class runs, and its new versions
 *   pm_status.c  the status snapshot
 *
 * The PM is single-threaded: everything here is written by it alone.  The
 * worker table (pm/table.h) is shared with the handlers; who writes what
 * there is said in table.h and docs/ARCHITECTURE.md. */
#ifndef FCGP_PM_INTERNAL_H
#define FCGP_PM_INTERNAL_H

#include <apr_hash.h>
#include <apr_poll.h>
#include <apr_thread_proc.h>
#include "httpd.h"
#include "pm/pm.h"
#include "pm/policy.h"
#include "pm/table.h"

#define PM_EXITS_KEPT 20
#define PM_MAX_CONNS  2048      /* connections to the PM socket at once */

/* One worker exit, kept for the status page. */
typedef struct {
    apr_time_t when;
    int pid;
    char cls[200];
    char how[80];               /* exit status or signal */
    char reason[80];
    apr_uint32_t served;
    apr_time_t uptime;
} pm_exit_t;

/* The PM's view of a slot.  Changed only by pm_slot_set(), which keeps
 * the class's counts (n[]) and the table's `live` in step. */
typedef enum {
    SLOT_FREE = 0,
    SLOT_IDLE,      /* process up, may be given a request */
    SLOT_BUSY,      /* held by a handler */
    SLOT_LAST,      /* held by a handler with its last request */
    SLOT_STOPPING,  /* retired: signalled, waiting to reap */
    SLOT_NSTATES
} slot_state_e;

/* A worker of a process manager that died, adopted (pm_adopt.c). */
typedef struct {
    apr_uint32_t id;            /* its slot in the table */
    apr_uint32_t pid;
    apr_uint32_t cls;           /* its class in the table */
    apr_time_t kill_at;         /* 0: not stopped yet (busy) */
    int lost;                   /* cannot be signalled (FCGP03063 said
                                 * so): left alone, its slot freed */
} pm_orphan_t;

typedef struct pm_class pm_class_t;
typedef struct pm_slot pm_slot_t;
typedef struct pm_conn pm_conn_t;

struct pm_slot {
    pm_class_t *cls;
    apr_uint32_t id;            /* its index in the worker table */
    slot_state_e state;
    apr_proc_t proc;            /* pid 0: the process is gone */
    int listen_fd;              /* kept for the slot's whole life; -1 none */
    char path[FCGP_TBL_PATH_MAX];   /* its name ("": none) */
    apr_uint32_t served;        /* requests handed to this process */
    apr_time_t started;
    apr_time_t last_used;       /* 0: never used (a fresh replacement) */
    apr_time_t kill_at;         /* STOPPING: SIGKILL after this */
    int kill_sent;
    const char *retire_reason;
    int published;              /* in the table: handlers may claim it
                                 * (IDLE there) or hold it (BUSY) */
    int replaced;               /* its replacement was started ahead of
                                 * its request limit (pm_counted): it is
                                 * leaving, and the replacement counts
                                 * against the class's maximum instead */
    apr_uint32_t suspect;       /* a holder seen dead once: reclaimed if
                                 * still so at the next look */
    int parent;                 /* seen to be a php-cgi parent (a child of
                                 * its own program): renewed at its limit */
    int looked;                 /* pm_worker_is_parent looked once */
    apr_uint32_t renewals;      /* children it went through (parent) */
    apr_uint64_t prog_ident;    /* the program file it was started from
                                 * (fcgp_table_ident); 0: not known */
    int superseded;             /* its program was replaced: it gets no
                                 * new request and retires */
    int yield;                  /* retire at its hand-back: another user
                                 * waits for room (pm_make_room) */
    /* A php-cgi pool (PHP_FCGI_CHILDREN above 1): one parent, its
     * children accepting on its one socket.  Its first slot (the lead)
     * owns the process and the socket; each other slot (a share) is one
     * more request at once on the same socket, with no process of its own
     * (proc.pid 0, listen_fd -1).  The pool retires whole: its slots are
     * taken back as their requests end, and the parent gets SIGTERM only
     * when no share is left (it passes it on to its children, which would
     * end a request in progress). */
    pm_slot_t *lead;            /* a share: its lead; NULL: none */
    apr_uint32_t pool_size;     /* a lead: its parent's children
                                 * (PHP_FCGI_CHILDREN); 0: no pool */
    apr_uint32_t shares;        /* a lead: its shares not freed yet */
    const char *pool_why;       /* a lead: its pool retires, and why */
    int term_pending;           /* a lead retired: SIGTERM when its last
                                 * share is freed */
    int warming;                /* a lead of a pool grown from smaller
                                 * workers, serving its first request (it
                                 * compiles the application into the
                                 * pool's new opcode cache): no shares,
                                 * and the smaller workers serve on, until
                                 * that request ends (pm_pool_warm) */
    apr_pool_t *pool;
};

/* Slot s belongs to a php-cgi pool (a lead or a share). */
#define PM_IN_POOL(s) ((s)->lead != NULL || (s)->pool_size > 0)

/* The process serving slot s (a share's is its lead's); 0: none. */
#define PM_SLOT_PID(s) \
    ((s)->lead ? (apr_uint32_t)(s)->lead->proc.pid \
               : (apr_uint32_t)((s)->proc.pid > 0 ? (s)->proc.pid : 0))

/* A class's program file as the PM last saw it (pm_program.c). */
typedef struct {
    apr_uint64_t ident;         /* fcgp_table_ident; 0: not looked yet */
    apr_uint64_t inode;
    apr_time_t mtime;
    apr_time_t replaced;        /* when a new version was seen; 0: never */
    apr_uint64_t refused;       /* a change that was not a usable program
                                 * (its identity; 1: gone), logged once */
} pm_program_t;

/* What a class's workers showed of php-cgi's parent mode. */
typedef enum {
    PM_PARENTS_UNKNOWN = 0,     /* none looked at yet, or none had a child */
    PM_PARENTS_SEEN,            /* one had a child of its own program (or
                                 * it is php-cgi itself, told so) */
    PM_PARENTS_ABSENT           /* one left at its limit with no child, or
                                 * showed none within PARENT_LOOK_FOR */
} pm_parents_e;

struct pm_class {
    const char *key;
    apr_size_t klen;
    const char *name;           /* the command line, for logs */
    fcgp_app_spec_t spec;
    fcgp_app_limits_t limits;
    apr_uint32_t learned_limit; /* the app exited by itself after this many */
    fcgp_failures_t failures;   /* rapid-failure protection */
    pm_program_t prog;          /* its program file (pm_program.c) */
    apr_array_header_t *slots;  /* pm_slot_t *, not FREE */
    apr_uint32_t n[SLOT_NSTATES];   /* slots in each state */
    apr_uint32_t tidx;          /* index in the worker table */
    int at_max;                 /* its line wanted a worker and a process
                                 * limit stopped it (counted once until
                                 * it gets one: FCGP_CNT_MAX_REACHED) */
    apr_uint32_t user;          /* whose processes it counts as: its suexec
                                 * uid, or PM_HTTPD_USER */
    int priority;               /* nice value of its processes (a static
                                 * server's -priority); 0: the PM's */
    const char *static_where;   /* a static server's: "FastCgiServer
                                 * (file:line)"; NULL: started on demand */
    int parent_mode;            /* its environment asks php-cgi for parent
                                 * mode (PHP_FCGI_CHILDREN=1) */
    pm_parents_e parents;       /* are its workers php-cgi parents?  The
                                 * same program and environment make all
                                 * or none of them one: what one of them
                                 * showed (pm_worker_is_parent,
                                 * pm_worker_is_parent_at_limit), until
                                 * its program is replaced */
    apr_uint32_t php_children;  /* PHP_FCGI_CHILDREN above 1: its workers
                                 * are pools of that many slots (see
                                 * pm_slot_t.lead); 0: one slot each */
    int php_itself;             /* it runs php-cgi itself (a binary, not
                                 * a starter script; not under suexec)
                                 * with PHP_FCGI_CHILDREN set: with
                                 * limits.php_pools, its pools grow with
                                 * the requests that come at once
                                 * (pm_add_worker) */
    apr_pool_t *pool;
};

/* The process group of a worker that exited while others of its group
 * still ran (php-cgi's children outlive a parent that got SIGTERM while
 * one of them served): SIGTERM was sent, SIGKILL follows at kill_at.
 * Each worker leads a group of its own (pm_start_process). */
typedef struct {
    pid_t pgid;
    apr_time_t kill_at;
    int kill_sent;
} pm_linger_t;

/* The user key of classes that run as the httpd User (no suexec). */
#define PM_HTTPD_USER 0xffffffffu

/* A connection to the PM socket (handlers keep a few open). */
struct pm_conn {
    apr_socket_t *sock;
    apr_pollfd_t pfd;
    char *in;                   /* bytes received, not yet handled */
    apr_size_t in_len;
    apr_size_t in_cap;
    pm_conn_t *next;            /* every connection, for draining */
    pm_conn_t *prev;
    apr_pool_t *pool;           /* the connection's */
    apr_pool_t *mpool;          /* the current message's, cleared for each */
};

typedef struct {
    apr_pool_t *pool;
    apr_pool_t *tmp;            /* scratch, cleared every loop */
    server_rec *s;
    fcgp_pm_settings_t settings;
    apr_socket_t *listener;
    apr_pollset_t *pollset;
    apr_pollfd_t listen_pfd;
    apr_pollfd_t sig_pfd;
    apr_file_t *sig_in;
    apr_hash_t *classes;
    pm_slot_t **slots;          /* by table index; NULL: not ours */
    apr_uint32_t nslots;
    apr_uint32_t nprocs;        /* live processes, stopping included */
    apr_uint32_t nconns;
    pm_conn_t *conns;
    apr_uint32_t me;            /* our pid: the owner of our slots */
    apr_uint32_t parent_pid;
    apr_uint32_t seq;           /* makes socket names unique */
    int draining;               /* 1 graceful, 2 stop now */
    int retiring_pool;          /* in retire_pool: workers start after it
                                 * (pm_worker.c), not in its middle */
    apr_time_t next_refusal_log;    /* FCGP03024 at most once a minute */
    apr_time_t next_tick;
    apr_array_header_t *orphans;        /* pm_orphan_t; NULL: none */
    apr_array_header_t *linger;         /* pm_linger_t */
    apr_time_t orphans_until;           /* stop them even if busy then */
    pm_exit_t exits[PM_EXITS_KEPT];     /* ring of the last exits */
    apr_uint32_t nexits;                /* exits ever; next = nexits % N */
    fcgp_table_t *table;                /* shared with the handlers */
    apr_hash_t *user_procs;     /* user key -> apr_uint32_t: its live
                                 * processes, retiring ones too */
    int helper_fd;              /* the signal helper's socket; -1: none */
    apr_uint32_t helper_pid;
    int helper_lost;            /* it died: this PM must go (FCGP03061) */
} pm_t;

/* pm_view.c */
void pm_class_to_table(pm_t *pm, pm_class_t *c);
void pm_slot_set(pm_t *pm, pm_slot_t *s, slot_state_e st);
apr_uint32_t pm_class_limit(const pm_class_t *c, apr_uint32_t *source);
/* Worker s's request limit: its class's, none in a pool. */
apr_uint32_t pm_slot_limit(const pm_slot_t *s, apr_uint32_t *source);
int pm_class_backing_off(const pm_class_t *c, apr_time_t now);
fcgp_room_e pm_room(pm_t *pm, pm_class_t *c, apr_uint32_t leaving);
void pm_update_full(pm_t *pm, pm_class_t *c);
void pm_publish(pm_t *pm, pm_slot_t *s);
void pm_sync_slot(pm_t *pm, pm_slot_t *s);
void pm_sync(pm_t *pm);
int pm_take(pm_t *pm, pm_slot_t *s);
void pm_counted(pm_t *pm, pm_slot_t *s);
int pm_grow(pm_t *pm, pm_class_t *c, int asked);
void pm_serve_table(pm_t *pm);
void pm_reclaim(pm_t *pm);
int pm_pid_alive(apr_uint32_t pid);
void pm_set_table_limits(pm_t *pm, pm_class_t *c);
void pm_worker_back(pm_t *pm, pm_slot_t *s, fcgp_outcome_e outcome);
const char *pm_retire_reason(pm_t *pm, pm_slot_t *s, int returned,
                             fcgp_outcome_e outcome, apr_time_t now);

/* pm_view.c: processes of a user (pm_class_t.user), and a change */
apr_uint32_t pm_user_procs(pm_t *pm, apr_uint32_t user);
void pm_user_add(pm_t *pm, apr_uint32_t user, int delta);

/* pm_worker.c */
apr_status_t pm_start_process(pm_t *pm, pm_slot_t *s);
pm_slot_t *pm_spawn(pm_t *pm, pm_class_t *c);
pm_slot_t *pm_add_worker(pm_t *pm, pm_class_t *c, apr_uint32_t want);
int pm_class_warming(const pm_class_t *c);
void pm_pool_warm(pm_t *pm, pm_slot_t *lead);
/* The size of a pool pm_add_worker starts for n requests at once: n
 * rounded up to a power of two (1 for 1). */
apr_uint32_t pm_pool_round(apr_uint32_t n);
void pm_retire(pm_t *pm, pm_slot_t *s, const char *reason);
void pm_drop(pm_t *pm, pm_slot_t *s);
void pm_free_slot(pm_t *pm, pm_slot_t *s);
void pm_kill_late(pm_t *pm, apr_time_t now, apr_time_t *next);
int pm_signal_worker(pm_t *pm, apr_uint32_t pid, int sig);
int pm_worker_is_parent(pm_t *pm, pm_slot_t *s);
int pm_worker_is_parent_at_limit(pm_t *pm, pm_slot_t *s);
apr_uint32_t pm_worker_child(pm_slot_t *s);
int pm_kill_child(pm_t *pm, pm_slot_t *s, const char *what);
int pm_kill_pool_child(pm_t *pm, pm_slot_t *s, apr_uint32_t peer,
                       const char *what);
/* A socket a php-cgi pool's child holds (pm_children_sockets). */
typedef struct {
    apr_uint32_t ino;
    apr_uint32_t pid;
} pm_child_sock_t;
#define PM_CHILD_SOCKS 4096
int pm_children_sockets(pid_t parent, pm_child_sock_t *out, int max);
apr_uint32_t pm_socket_holder(const pm_child_sock_t *socks, int n,
                              apr_uint32_t peer);
apr_uint32_t pm_parent_child(pm_t *pm, pm_slot_t *s, apr_uint32_t peer);
int pm_linger_add(pm_t *pm, pid_t pgid, apr_time_t kill_at);
int pm_connection_queued(int fd);

/* sighelper.c: /proc/<pid>/<name> into buf, NUL-terminated; 0 when
 * unreadable. */
int pm_read_proc(pid_t pid, const char *name, char *buf, size_t size);
/* sighelper.c (PM side): send sig (SIGTERM or SIGKILL) to a worker, or
 * to an adopted one; through the signal helper when the process runs as
 * another user.  Returns 0, or an errno. */
int pm_signal(pm_t *pm, apr_uint32_t pid, int sig);
/* Every process left in process group pgid (a dead PM's) gets sig. */
void pm_signal_group(pm_t *pm, int pgid, int sig);
/* The helper's socket said something or closed (the loop's poll). */
int pm_helper_gone(pm_t *pm);

/* pm_reap.c */
void pm_reap(pm_t *pm);
void pm_note_early_death(pm_t *pm, pm_class_t *c, apr_time_t age,
                         apr_uint32_t done);

/* pm_server.c */
int pm_proc_stat(apr_uint32_t pid, char *state, apr_uint32_t *ppid);
apr_status_t pm_server_setup(pm_t *pm);
void pm_on_accept(pm_t *pm);
void pm_on_readable(pm_t *pm, pm_conn_t *conn);
void pm_close_conns(pm_t *pm);
void pm_start_statics(pm_t *pm);

/* pm_program.c */
apr_uint64_t pm_program_ident(pm_t *pm, pm_class_t *c);
void pm_program_check(pm_t *pm, pm_class_t *c);
const char *pm_program_replaced_text(pm_t *pm, const pm_class_t *c);

/* pm_adopt.c */
void pm_adopt(pm_t *pm);
void pm_orphans_tick(pm_t *pm, apr_time_t now);

/* pm_status.c: a snapshot of pm's state for the status page, allocated
 * from p: plain data (pm/status_data.h), sent as a STATUS_REPLY; the
 * first metrics_classes classes get metrics rows of their own. */
const fcgp_status_t *fcgp_pm_status_snapshot(pm_t *pm, apr_pool_t *p,
                                             apr_uint32_t metrics_classes);

/* The counters of class c in the worker table (pm/counters.h). */
#define PM_COUNTERS(pm, c) fcgp_table_counters((pm)->table, (c)->tidx)

#endif
