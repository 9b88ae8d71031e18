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
#include "pm/counters.h"

/* Most rows a STATUS_REPLY may carry (the decoder rejects more). */
#define FCGP_STATUS_MAX_CLASSES 65536
#define FCGP_STATUS_MAX_WORKERS 65536
#define FCGP_STATUS_MAX_EXITS   1024
#define FCGP_STATUS_MAX_METRICS 16386   /* rows: every usable class, the
                                         * unclassed and "(other)" */

/* Classes shown with their own labels when the STATUS request does not
 * say (FcgiProcMetricsClasses' default); the rest are summed into one row
 * labelled "(other)". */
#define FCGP_METRICS_CLASSES_DEFAULT 100
#define FCGP_METRICS_OTHER "(other)"

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
    apr_uint64_t program_inode; /* its program file, as the PM last saw
                                 * it (0: not yet) */
    apr_time_t program_mtime;
    apr_time_t replaced;        /* when the PM saw a new version of it;
                                 * 0: never */
    apr_uint64_t slow_requests; /* requests past FcgiProcSlowRequestTimeout
                                 * (its counter record's FCGP_CNT_SLOW:
                                 * kept across graceful restarts) */
} fcgp_status_class_t;

/* One live worker process. */
typedef struct {
    apr_uint32_t slot;          /* the PM's slot id */
    apr_uint32_t pid;           /* the process that serves its requests */
    const char *cls;            /* its class's name */
    apr_uint32_t state;         /* fcgp_worker_state_e */
    apr_uint32_t last_request;  /* 1: was given its last request; 2: its
                                 * program was replaced (superseded): it
                                 * retires when this request is done */
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
    apr_uint32_t parent_pid;    /* a php-cgi parent's pid when pid is its
                                 * child that serves (parent mode), else 0 */
    apr_uint32_t renewals;      /* children the parent went through */
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

/* One row of counters and gauges for ?metrics and ?json: the classes of
 * one command line and virtual host (their environments may differ),
 * or every class past the cap ("(other)"), or the requests of no known
 * class (command and vhost ""). */
typedef struct {
    const char *command;        /* the command line, "(other)" or "" */
    const char *vhost;          /* host:port, "(other)" or "" */
    apr_time_t since;           /* its counters started */
    apr_uint32_t classes;       /* table classes summed here */
    apr_uint32_t known;         /* 1: the answering PM runs one of them:
                                 * the gauges below are its */
    apr_uint32_t idle;          /* may take a request now */
    apr_uint32_t active;        /* serving a request */
    apr_uint32_t leaving;       /* serving or idle, but replaced: given
                                 * its last request, or its replacement
                                 * started ahead (not in idle/active) */
    apr_uint32_t stopping;      /* retired, not exited yet */
    apr_uint32_t waiting;       /* requests in line now */
    apr_uint32_t max_procs;     /* FcgiProcMaxProcessesPerClass (summed):
                                 * idle + active never exceed it */
    apr_uint32_t limit;         /* effective request limit, 0 none */
    apr_uint32_t learned_limit; /* learned from the app's own exits */
    apr_interval_time_t backoff;/* left of a rapid-failure pause */
    apr_uint64_t v[FCGP_CNT_N]; /* the counters (pm/counters.h) */
} fcgp_status_metrics_t;

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
    /* The counters (pm/counters.h), kept in the worker table across
     * graceful restarts: */
    apr_time_t counters_since;  /* they started (httpd started) */
    apr_uint32_t classes_total; /* classes in the table */
    apr_uint32_t nmetrics;
    fcgp_status_metrics_t *metrics;
} fcgp_status_t;

#endif
