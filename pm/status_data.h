/* status_data.h: one snapshot of the process manager, as plain data: the
 * PM-wide numbers, every application class, every worker and the last
 * worker exits.  The PM fills it from its own state (pm_status.c), sends
 * it in a STATUS_REPLY (pm/ipc.h), and the handler formats it (HTML, JSON;
 * handler/status_format.c).  No markup, no pointers into the PM: strings
 * and arrays belong to the pool the snapshot was made or decoded in. */
#ifndef FCGP_PM_STATUS_DATA_H
#define FCGP_PM_STATUS_DATA_H

#include <apr.h>
#include <apr_time.h>

/* Most rows a STATUS_REPLY may carry (the decoder rejects more). */
#define FCGP_STATUS_MAX_CLASSES 65536
#define FCGP_STATUS_MAX_WORKERS 65536
#define FCGP_STATUS_MAX_EXITS   1024

typedef enum {
    FCGP_WORKER_IDLE = 0,       /* up, waiting for a request */
    FCGP_WORKER_BUSY,           /* serving a request */
    FCGP_WORKER_STOPPING        /* retired: signalled, not yet reaped */
} fcgp_worker_state_e;

/* One application class (command line, environment, virtual host). */
typedef struct {
    const char *name;           /* the command line */
    apr_uint32_t processes;     /* its processes, stopping ones included */
    apr_uint32_t waiting;       /* requests waiting for one of them */
    apr_uint32_t max_procs;     /* FcgiProcMaxProcessesPerClass */
    apr_uint32_t min_procs;     /* FcgiProcMinProcessesPerClass */
    apr_uint32_t limit;         /* effective request limit, 0 = none */
    apr_uint32_t limit_source;  /* fcgp_limit_source_e */
    apr_uint32_t slow_requests; /* requests past FcgiProcSlowRequestTimeout
                                 * since httpd started (a counter) */
} fcgp_status_class_t;

/* One live worker process. */
typedef struct {
    apr_uint32_t slot;          /* the PM's slot id */
    apr_uint32_t pid;
    const char *cls;            /* its class's name */
    apr_uint32_t state;         /* fcgp_worker_state_e */
    apr_uint32_t last_request;  /* 1: was given its last request */
    apr_uint32_t requests;      /* requests handed to it */
    apr_uint32_t limit;         /* effective request limit, 0 = none */
    apr_uint32_t limit_source;  /* fcgp_limit_source_e */
    apr_interval_time_t age;    /* since it was started */
    apr_interval_time_t idle;   /* IDLE: since its last request, else 0 */
    const char *reason;         /* STOPPING: why it was retired, else "" */
    /* The request it serves, as its handler published it (pm/table.h): */
    const char *method;         /* BUSY: the current request's, else "" */
    const char *uri;            /* BUSY: its URI and query (cut), else "" */
    apr_interval_time_t running;    /* BUSY: how long it has had it */
    apr_interval_time_t last_took;  /* the last finished request held it
                                     * this long; 0: none yet */
} fcgp_status_worker_t;

/* One worker exit. */
typedef struct {
    apr_time_t when;
    apr_uint32_t pid;
    const char *cls;            /* its class's name */
    const char *how;            /* exit status or signal */
    const char *reason;         /* why it ended (retired, died, ...) */
    apr_uint32_t requests;      /* requests it was handed */
    apr_interval_time_t uptime;
} fcgp_status_exit_t;

typedef struct {
    apr_uint32_t pm_pid;
    apr_uint32_t processes;     /* live processes, stopping included */
    apr_uint32_t max_processes; /* FcgiProcMaxProcesses */
    apr_uint32_t exits_total;   /* worker exits since the PM started */
    apr_uint32_t draining;      /* 1: takes no new requests (graceful
                                 * restart or stop) */
    apr_uint32_t nclasses;
    fcgp_status_class_t *classes;
    apr_uint32_t nworkers;
    fcgp_status_worker_t *workers;
    apr_uint32_t nexits;
    fcgp_status_exit_t *exits;  /* newest first */
} fcgp_status_t;

#endif
