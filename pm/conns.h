/* conns.h: connections from an httpd child to the process manager's unix
 * socket, kept between requests and shared by the child's threads.
 *
 * The keeper lives in the pool it is made in (the child's pool) and owns
 * its connections: destroying that pool closes each kept connection once.
 * Any thread may get and put; a connection is used by one thread at a
 * time.  APR only. */
#ifndef FCGP_PM_CONNS_H
#define FCGP_PM_CONNS_H

#include <apr_pools.h>
#include <apr_network_io.h>

/* How long a connect or a small write to the PM may take.  The PM answers
 * in microseconds; seconds here only matter when it is being restarted. */
#define FCGP_PM_IO_TIMEOUT apr_time_from_sec(5)

typedef struct fcgp_pm_conns fcgp_pm_conns_t;

/* One connection, used by one thread for one message.  pool is NULL for a
 * connection made in the caller's pool (not kept). */
typedef struct {
    apr_socket_t *sock;
    apr_pool_t *pool;
} fcgp_pm_conn_t;

/* A keeper of at most max idle connections to the socket at path, in p
 * (its own allocator, locked: the threads share it). */
apr_status_t fcgp_pm_conns_create(apr_pool_t *p, const char *path, int max,
                                  fcgp_pm_conns_t **out);

/* Connect to path, in p. */
apr_status_t fcgp_pm_connect(apr_pool_t *p, const char *path,
                             apr_socket_t **out);

/* A connection: a kept one (k not NULL and !fresh), else a new one in p
 * that put closes. */
apr_status_t fcgp_pm_conn_get(fcgp_pm_conns_t *k, apr_pool_t *p,
                              const char *path, int fresh,
                              fcgp_pm_conn_t **out);

/* Done with c: keep it (good) or close it (its state is unknown). */
void fcgp_pm_conn_put(fcgp_pm_conns_t *k, fcgp_pm_conn_t *c, int good);

#endif
