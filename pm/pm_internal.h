/* pm_internal.h: the process manager's private state, shared by
 * pm_main.c (the loop) and pm_status.c (the status snapshot).  PM only. */
#ifndef FCGP_PM_INTERNAL_H
#define FCGP_PM_INTERNAL_H

#include <apr_hash.h>
#include <apr_poll.h>
#include <apr_thread_proc.h>
#include "httpd.h"
#include "pm/pm.h"
#include "pm/table.h"

#define PM_EXITS_KEPT 20

/* Rapid-failure protection: FCGP_FAIL_COUNT workers that die within
 * FCGP_EARLY_DEATH of starting, without finishing a request, inside
 * FCGP_FAIL_WINDOW, pause the class for FCGP_BACKOFF_FIRST, doubling up to
 * FCGP_BACKOFF_MAX while it keeps happening. */
#define FCGP_FAIL_COUNT     5
#define FCGP_EARLY_DEATH    apr_time_from_sec(10)
#define FCGP_FAIL_WINDOW    apr_time_from_sec(30)
#define FCGP_BACKOFF_FIRST  apr_time_from_sec(2)
#define FCGP_BACKOFF_MAX    apr_time_from_sec(60)

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

typedef enum {
    SLOT_FREE = 0,
    SLOT_IDLE,      /* process up, waiting for a request */
    SLOT_BUSY,      /* leased to a handler */
    SLOT_STOPPING   /* retired: signalled, waiting to reap */
} slot_state_e;

typedef struct pm_class pm_class_t;
typedef struct pm_lease pm_lease_t;
typedef struct pm_slot pm_slot_t;

struct pm_slot {
    pm_class_t *cls;
    apr_uint32_t id;
    slot_state_e state;
    int last_handed;            /* got its last request: never again */
    apr_proc_t proc;
    apr_socket_t *listen;       /* kept for the slot's whole life */
    const char *path;
    apr_uint32_t served;        /* requests handed to this process */
    apr_time_t started;
    apr_time_t last_used;
    apr_time_t kill_at;         /* STOPPING: SIGKILL after this */
    int kill_sent;
    const char *retire_reason;
    pm_lease_t *lease;
    int published;              /* in the worker table: handlers may claim
                                 * it (IDLE there) or hold it (BUSY) */
    int fast;                   /* BUSY, held through the table */
    apr_uint32_t suspect;       /* a holder seen dead once: reclaimed if
                                 * still so at the next look */
    apr_pool_t *pool;
};

struct pm_class {
    const char *key;
    apr_size_t klen;
    const char *name;           /* the command line, for logs */
    fcgp_app_spec_t spec;
    fcgp_app_limits_t limits;
    apr_uint32_t learned_limit; /* the app exited by itself after this many */
    apr_uint32_t fails;         /* early deaths in the current window */
    apr_time_t fail_window_start;
    apr_interval_time_t backoff;/* current pause, doubles, 0 = none */
    apr_time_t backoff_until;
    apr_array_header_t *slots;  /* pm_slot_t * */
    apr_uint32_t active;        /* live, not stopping, not last-handed */
    pm_lease_t *wait_head;      /* FIFO of leases waiting for a worker */
    pm_lease_t *wait_tail;
    apr_uint32_t waiting;
    apr_uint32_t tidx;          /* index in the worker table, or
                                 * FCGP_TBL_NO_CLASS */
    apr_pool_t *pool;
};

typedef enum {
    LEASE_READING = 0,          /* waiting for ACQUIRE */
    LEASE_WAITING,              /* queued for a worker */
    LEASE_GRANTED               /* holds a slot, waiting for RELEASE */
} lease_state_e;

struct pm_lease {
    apr_socket_t *sock;
    apr_pollfd_t pfd;
    lease_state_e state;
    char *in;                   /* bytes received, not yet handled */
    apr_size_t in_len;
    apr_size_t in_cap;
    const char *body;           /* the message being handled (in `in`) */
    apr_uint32_t body_len;
    pm_class_t *cls;
    pm_slot_t *slot;
    apr_time_t deadline;        /* WAITING: answer BUSY after this */
    pm_lease_t *next;           /* wait queue */
    pm_lease_t *all_next;       /* every connection, for draining */
    pm_lease_t *all_prev;
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
    apr_array_header_t *slots;  /* every slot ever made, by id */
    apr_uint32_t nprocs;        /* live processes, stopping included */
    apr_uint32_t nleases;
    pm_lease_t *all_leases;
    apr_uint32_t parent_pid;
    apr_uint32_t seq;           /* makes socket names unique */
    int draining;               /* 1 graceful, 2 stop now */
    apr_time_t next_tick;
    apr_time_t orphans_kill_at;
    pm_exit_t exits[PM_EXITS_KEPT];     /* ring of the last exits */
    apr_uint32_t nexits;                /* exits ever; next = nexits % N */
    fcgp_table_t *table;                /* shared with the handlers */
} pm_t;

/* Bring the PM's view of every slot up to date with the worker table. */
void fcgp_pm_sync(pm_t *pm);

/* A snapshot of pm's state for the status page (pm_status.c), allocated
 * from p: plain data (pm/status_data.h), sent as a STATUS_REPLY. */
const fcgp_status_t *fcgp_pm_status_snapshot(pm_t *pm, apr_pool_t *p);

const char *fcgp_pm_slot_state_name(int state);

apr_uint32_t fcgp_pm_class_limit(const pm_class_t *c, apr_uint32_t *source);

/* Requests waiting for a worker of c: queued here, or asleep in the
 * worker table (a full class). */
apr_uint32_t fcgp_pm_class_waiting(pm_t *pm, const pm_class_t *c);

#endif
