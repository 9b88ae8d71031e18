/* pm_types.h: plain values that describe an application class and its
 * limits.  conf/ fills them in; the handler sends them to the process
 * manager inside a WANT message (pm/ipc.h).  No pointers into config
 * memory survive the trip, so the PM never sees a config struct. */
#ifndef FCGP_PM_TYPES_H
#define FCGP_PM_TYPES_H

#include <apr.h>
#include <apr_time.h>

/* Where the effective per-process request limit came from. */
typedef enum {
    FCGP_LIMIT_NONE = 0,       /* no limit at all */
    FCGP_LIMIT_OURS,           /* FcgiProcMaxRequestsPerProcess */
    FCGP_LIMIT_PHP_ENV,        /* PHP_FCGI_MAX_REQUESTS in FcgiProcInitialEnv */
    FCGP_LIMIT_PHP_GIVEN,      /* PHP_FCGI_MAX_REQUESTS we give php-cgi */
    FCGP_LIMIT_APP_DECLARED,   /* FcgiProcAppMaxRequests */
    FCGP_LIMIT_LEARNED         /* the PM saw the app exit by itself after N */
} fcgp_limit_source_e;

/* Per-class limits, all resolved (no "unset" values left). */
typedef struct {
    apr_uint32_t max_procs;        /* FcgiProcMaxProcessesPerClass */
    apr_uint32_t min_procs;        /* FcgiProcMinProcessesPerClass */
    apr_uint32_t max_requests;     /* effective limit, 0 = none */
    apr_uint32_t limit_source;     /* fcgp_limit_source_e */
    apr_interval_time_t idle_timeout;   /* FcgiProcIdleTimeout, 0 = never */
    apr_interval_time_t lifetime;       /* FcgiProcProcessLifeTime, 0 = never */
    apr_interval_time_t queue_timeout;  /* FcgiProcQueueTimeout */
    apr_interval_time_t kill_timeout;   /* FcgiProcKillTimeout */
    apr_uint32_t php_pools;        /* 1: php-cgi, whose PHP_FCGI_CHILDREN
                                    * the admin left to us: the PM runs
                                    * its workers as pools of as many
                                    * children as requests come at once
                                    * (pm_add_worker); 0: as its
                                    * environment says */
} fcgp_app_limits_t;

/* Who a class's processes run as: the httpd User (suexec 0), or, through
 * httpd's suexec wrapper, uid and gid: a virtual host's SuexecUserGroup
 * (mod_suexec), or a ~user request's owner (mod_userdir, userdir 1: suexec
 * then confines the command to that user's UserDir). */
typedef struct {
    apr_uint32_t suexec;
    apr_uint32_t userdir;
    apr_uint32_t uid;
    apr_uint32_t gid;
} fcgp_identity_t;

/* What makes a class: the command line, the environment it starts with,
 * the virtual host (so two vhosts never share an app process) and the
 * identity it runs as. */
typedef struct {
    const char *vhost;
    int argc;
    const char *const *argv;
    int envc;
    const char *const *env;        /* "NAME=value" */
    fcgp_identity_t ident;
} fcgp_app_spec_t;

/* What the configuration lets a class of one virtual host be: its
 * environment and its limits (each server has two: php-cgi's, with the
 * PHP_FCGI_MAX_REQUESTS we give it, and every other application's).  The
 * PM starts only classes that match one of these. */
typedef struct {
    const char *vhost;
    int envc;
    const char *const *env;
    fcgp_app_limits_t limits;
    fcgp_identity_t ident;         /* what its requests run as (suexec 0:
                                    * the httpd User) */
    int userdir_ok;                /* ~user requests may run as their
                                    * user (mod_userdir and suexec) */
} fcgp_app_profile_t;

/* A static server (FcgiProcServer): a class the PM starts when it starts
 * and keeps at limits.min_procs (= max_procs) workers; its limits never
 * retire a worker for idleness or age. */
typedef struct {
    fcgp_app_spec_t spec;
    fcgp_app_limits_t limits;
    int priority;                  /* nice value of its processes; 0: as
                                    * the PM's */
    const char *where;             /* "FastCgiServer (file:line)" */
} fcgp_static_t;

/* Process-manager wide settings, resolved at post_config. */
typedef struct {
    const char *ipc_dir;           /* FcgiProcIPCDir (absolute) */
    const char *ipc_dir_where;     /* "FcgiProcIPCDir (file:line)" */
    apr_uint32_t max_procs;        /* FcgiProcMaxProcesses */
    apr_interval_time_t kill_timeout;   /* FcgiProcKillTimeout (main) */
    int orphan_pgid;               /* a dead PM's process group, whose
                                    * workers it adopts (pm_adopt.c);
                                    * 0 = none */
    int nprofiles;                 /* every server's profiles */
    const fcgp_app_profile_t *profiles;
    const char *suexec_bin;        /* httpd's suexec wrapper, when suexec
                                    * is enabled (httpd started as root);
                                    * NULL: every app runs as the httpd
                                    * User */
    const char *suexec_log;        /* where suexec writes why it refused */
    apr_uint32_t max_procs_user;   /* FcgiProcMaxProcessesPerUser */
    int sig_helper;                /* the PM's end of the signal helper's
                                    * socket (pm/sighelper.c); -1: none */
    apr_uint32_t sig_helper_pid;
    int nstatics;                  /* this generation's static servers */
    const fcgp_static_t *statics;
} fcgp_pm_settings_t;

/* How a request went, as the handler hands its worker back, so the PM
 * knows whether the worker may serve again (4 bits in the table's word). */
typedef enum {
    FCGP_OUT_OK = 0,          /* END_REQUEST seen, worker reusable */
    FCGP_OUT_CLIENT_ABORT,    /* client went away; worker state unknown */
    FCGP_OUT_BROKEN,          /* worker died, reset, or sent garbage */
    FCGP_OUT_TIMEOUT          /* worker missed a deadline: kill it */
} fcgp_outcome_e;

const char *fcgp_limit_source_name(fcgp_limit_source_e src);

#endif
