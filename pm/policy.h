/* policy.h: the process manager's decisions, as pure functions.  No I/O,
 * no clock: callers pass everything in, and every path that decides
 * (a hand-back, the periodic look, a request for a worker) asks these.
 * Unit-tested, table-driven (t/unit/test_policy.c). */
#ifndef FCGP_PM_POLICY_H
#define FCGP_PM_POLICY_H

#include "pm/pm_types.h"

/* Rapid-failure protection: FCGP_FAIL_COUNT workers that die within
 * FCGP_EARLY_DEATH of starting, without finishing a request, inside
 * FCGP_FAIL_WINDOW, pause the class for FCGP_BACKOFF_FIRST, doubling up to
 * FCGP_BACKOFF_MAX while it keeps happening. */
#define FCGP_FAIL_COUNT     5
#define FCGP_EARLY_DEATH    apr_time_from_sec(10)
#define FCGP_FAIL_WINDOW    apr_time_from_sec(30)
#define FCGP_BACKOFF_FIRST  apr_time_from_sec(2)
#define FCGP_BACKOFF_MAX    apr_time_from_sec(60)

/* The limit the PM enforces: the configured one (already the smaller of
 * FcgiProcMaxRequestsPerProcess and the app's own, see conf/) or what the
 * PM learned from watching the app exit by itself, whichever is smaller.
 * 0 means none.  *source says where the winner came from. */
apr_uint32_t fcgp_policy_effective_limit(apr_uint32_t configured,
                                         apr_uint32_t configured_source,
                                         apr_uint32_t learned,
                                         apr_uint32_t *source);

/* How many requests before a worker's limit its replacement is started,
 * so that it has finished starting when it is needed: a fifth of the
 * limit, at most 50 (php-cgi needs ~10 ms to start, several times that on
 * a loaded machine, while a busy worker serves hundreds of requests a
 * second); 0 (start it with the last request) below 5. */
apr_uint32_t fcgp_policy_spawn_ahead(apr_uint32_t limit);

/* Whether a worker that has served `served` of `limit` requests should
 * get its replacement now: within the spawn-ahead distance of its limit,
 * and no replacement is waiting for it already (fresh_idle: the class has
 * as many fresh workers as workers near their limit). */
int fcgp_policy_replace_now(apr_uint32_t served, apr_uint32_t limit,
                            int fresh_idle);

/* Whether a class has the replacements started ahead it should: `fresh`
 * workers started, not given a request yet and waiting for a worker to
 * leave (of `fresh_all` not given a request yet), for `leaving` workers
 * near their limit, in a class of `live` workers.  One per leaving worker,
 * but never more than max(2, live / 8) fresh ones at a time: an
 * application that starts slowly, or a limit short next to its start,
 * would otherwise have a second process starting beside every one it has
 * (the others are started as the workers leave, for the requests then
 * waiting). */
int fcgp_policy_enough_ahead(apr_uint32_t fresh, apr_uint32_t fresh_all,
                             apr_uint32_t leaving, apr_uint32_t live);

/* What a worker is doing, for fcgp_policy_retire(). */
typedef struct {
    int returned;               /* just handed back (else: idle, looked at) */
    int outcome;                /* fcgp_outcome_e of the hand-back */
    int draining;               /* its process manager drains: 1 for a
                                 * restart or stop, 2 httpd is gone */
    int last;                   /* it was given its last request */
    int superseded;             /* its program was replaced on disk */
    apr_uint32_t served;
    apr_uint32_t limit;         /* effective, 0 = none */
    apr_time_t now;
    apr_time_t started;
    apr_time_t last_used;       /* 0: never used */
    apr_uint32_t class_live;    /* workers of its class that may serve */
    apr_uint32_t min_procs;     /* FcgiProcMinProcessesPerClass */
    apr_interval_time_t lifetime;      /* 0 = never */
    apr_interval_time_t idle_timeout;  /* 0 = never */
    int parent;                 /* a php-cgi parent (PHP_FCGI_CHILDREN=1):
                                 * its child serves, and exits at the limit
                                 * while the parent forks the next one */
} fcgp_worker_facts_t;

/* Why the worker should retire now, or NULL to keep it.  In this order:
 * a broken hand-back, draining, its program replaced (superseded), its
 * request limit, FcgiProcProcessLifeTime, and (idle only, above the class
 * minimum) FcgiProcIdleTimeout. */
const char *fcgp_policy_retire(const fcgp_worker_facts_t *f);

/* Whether a worker just handed back is renewed instead of retired: a
 * parent whose child got its last request and finished it cleanly, while
 * its process manager does not drain.  The child exits by itself at the
 * limit, the parent (which holds the listening socket and the opcode
 * cache) forks a warm one, and the worker's count starts again at 0. */
int fcgp_policy_renew(const fcgp_worker_facts_t *f);

/* Whether a parent handed back after a request that failed in its child
 * (a missed deadline, a broken request) is kept, with only that child
 * killed: php-cgi's parent forks a warm one on the socket it holds, so the
 * opcode cache survives the failure.  Not when the worker would retire
 * for another reason too (draining, superseded, FcgiProcProcessLifeTime). */
int fcgp_policy_restart_child(const fcgp_worker_facts_t *f);

/* Whether an application started with this environment runs in
 * php-cgi's parent mode: the number of children PHP_FCGI_CHILDREN asks
 * for, 1 or more (php-cgi then forks that many children, which serve, and
 * keeps the listening socket); 0: not a parent.  Above 1, the worker is
 * a pool: that many requests at once share one parent and its opcode
 * cache (pm/pm_worker.c, pm_add_worker). */
int fcgp_policy_parent_mode(int envc, const char *const *env);

/* How many children php-cgi forks for a worker of this class, when that
 * is certain from how we start it: the program is php-cgi itself (its
 * base name starts with "php" and has "cgi" in it, as conf says, and it
 * is a binary, `binary`, not a starter script, which may change the
 * variable or not exec php-cgi), not run through suexec (which passes no
 * PHP_FCGI_* variable on), and PHP_FCGI_CHILDREN is 1 or more.  0: not
 * certain (the PM then looks at the process, pm_worker_is_parent).  Above
 * 1, each worker is a pool of that many slots (pm_add_worker); another
 * program would take the pool's connections one by one from its socket's
 * backlog, past the request limit the pool's slots do not have. */
apr_uint32_t fcgp_policy_php_children(const char *argv0, int binary,
                                      int envc, const char *const *env,
                                      int suexec);

/* Room for another worker of a class. */
typedef enum {
    FCGP_ROOM = 0,
    FCGP_ROOM_NONE_CLASS,       /* FcgiProcMaxProcessesPerClass reached */
    FCGP_ROOM_NONE_SERVER,      /* FcgiProcMaxProcesses, or no table slot */
    FCGP_ROOM_NONE_PAUSED,      /* draining, or backing off */
    FCGP_ROOM_NONE_USER         /* FcgiProcMaxProcessesPerUser reached */
} fcgp_room_e;

typedef struct {
    int draining;
    int backing_off;
    apr_uint32_t class_live;    /* may serve: not retiring */
    apr_uint32_t class_max;     /* FcgiProcMaxProcessesPerClass */
    apr_uint32_t leaving;       /* live ones about to go (a replacement
                                 * may start beside them: max + leaving) */
    apr_uint32_t procs;         /* processes of this PM, retiring too */
    apr_uint32_t procs_max;     /* FcgiProcMaxProcesses */
    apr_uint32_t user_procs;    /* processes of the class's user (suexec),
                                 * retiring too */
    apr_uint32_t user_max;      /* FcgiProcMaxProcessesPerUser; 0: the
                                 * class is not capped by user (it runs as
                                 * the httpd User) */
    int slot_free;              /* the worker table has a free slot */
} fcgp_room_facts_t;

fcgp_room_e fcgp_policy_room(const fcgp_room_facts_t *f);

/* How many workers to start for a class whose line has `waiting`
 * requests while `idle` of its workers are idle or starting; `asked`: a
 * request is asking for one right now (at least one must be there). */
apr_uint32_t fcgp_policy_grow(apr_uint32_t waiting, apr_uint32_t idle,
                              int asked);

/* How many workers to start so that a class has its minimum
 * (FcgiProcMinProcessesPerClass) of live ones. */
apr_uint32_t fcgp_policy_top_up(apr_uint32_t live, apr_uint32_t min_procs);

/* Rapid-failure bookkeeping of one class. */
typedef struct {
    apr_uint32_t fails;         /* early deaths in the current window */
    apr_time_t window_start;
    apr_interval_time_t backoff;    /* current pause, 0 = none */
    apr_time_t until;               /* the pause ends */
} fcgp_failures_t;

/* A worker of the class died `age` after it started, having finished
 * `done` requests.  Returns 1 when that starts (or lengthens) a pause;
 * f->until then says when it ends. */
int fcgp_policy_note_death(fcgp_failures_t *f, apr_time_t now,
                           apr_interval_time_t age, apr_uint32_t done);

/* A request succeeded: the pause, if any, is over. */
void fcgp_policy_note_success(fcgp_failures_t *f);

/* Whether a class a handler asks for (its virtual host, environment,
 * limits and identity) is one the configuration allows: one of the n
 * profiles has the same virtual host, the same environment and the same
 * limits, and its requests run as that identity (the httpd User, the
 * virtual host's SuexecUserGroup, or a ~user's own when the profile
 * allows userdir; never uid or gid 0 through suexec).  The PM
 * starts nothing else (a process that can talk to it cannot choose its
 * own limits or environment). */
int fcgp_policy_profile_ok(const fcgp_app_profile_t *profiles, int n,
                           const fcgp_app_spec_t *spec,
                           const fcgp_app_limits_t *limits);

/* suexec refused to start a class's process (it exited with one of
 * suexec's own status codes, 101-126, before serving anything): a
 * configuration or ownership problem that starting again will not fix.
 * The class pauses at once (the next back-off step). */
void fcgp_policy_note_refusal(fcgp_failures_t *f, apr_time_t now);

/* What suexec's exit status `code` means (support/suexec.c), or NULL
 * when it is not one of suexec's refusals. */
const char *fcgp_policy_suexec_refusal(int code);

/* The default of FcgiProcMaxProcessesPerUser: a quarter of
 * FcgiProcMaxProcesses, so that no tenant can take the whole server, but
 * never less than one class may have (FcgiProcMaxProcessesPerClass) nor
 * more than the server has. */
apr_uint32_t fcgp_policy_user_max_default(apr_uint32_t procs_max,
                                          apr_uint32_t class_max);

/* Fair shares between users when processes are scarce: of n candidate
 * classes, each with a line of waiting requests (want[i] > 0, else it
 * wants nothing) and the processes its user has now (user_procs[i]), the
 * one to give the next process to: the one whose user has the fewest,
 * the longest line breaking a tie, then the lowest index.  Returns n when
 * none wants one. */
apr_uint32_t fcgp_policy_pick_fair(apr_uint32_t n, const apr_uint32_t *want,
                                   const apr_uint32_t *user_procs);

/* The signal helper's rule (pm/sighelper.c): what it knows of a target
 * (read from /proc after it holds a pidfd of it), and may it send sig? */
typedef struct {
    int sig;
    long pid;
    long ppid, pgrp;            /* the target's parent and process group */
    long uid[3];                /* its real, effective and saved uid */
    long gppid;                 /* its parent's parent (-1: unknown) */
    long parent_uid[3];         /* its parent's uids */
    long pm;                    /* the helper's parent: the PM */
    long orphan_pgid;           /* a dead PM's group (> 1), or 0 */
    long pm_uid;                /* the httpd User */
} fcgp_signal_facts_t;

/* 0 when the helper may send the signal; else EINVAL (a signal other
 * than SIGTERM and SIGKILL, or a pid below 2) or EPERM (not a process of
 * the PM, nor a worker's child running as that worker's user (php-cgi's
 * child that serves), nor of a dead PM's group; or root's in any of its
 * uids; or the httpd User's, which the PM signals itself). */
int fcgp_policy_signal_ok(const fcgp_signal_facts_t *f);

/* Rapid-failure back-off: the next pause after `current` (0 = none yet):
 * `first`, then doubling, never above `max`. */
apr_interval_time_t fcgp_policy_next_backoff(apr_interval_time_t current,
                                             apr_interval_time_t first,
                                             apr_interval_time_t max);

#endif
