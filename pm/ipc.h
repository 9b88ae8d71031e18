/* ipc.h: messages between the handler (in httpd children) and the process
 * manager, over the PM's unix socket.  Most requests need none of them
 * (they take a worker from the shared table, pm/table.h, and only KICK the
 * PM when it has something to do).  Otherwise one connection is one lease:
 *
 *   handler -> PM   ACQUIRE  (class spec + limits)
 *   PM -> handler   GRANT    (worker socket, or why there is none)
 *   handler -> PM   RELEASE  (how the request went)       then close
 *
 * A connection that closes without RELEASE counts as a broken request and
 * the worker is retired.  Every message has a fixed, versioned header and
 * carries the httpd parent's pid, so a stray client of another server
 * instance is rejected.  APR only; encode/decode are pure and fuzzed. */
#ifndef FCGP_PM_IPC_H
#define FCGP_PM_IPC_H

#include <apr.h>
#include <apr_pools.h>
#include "pm/pm_types.h"
#include "pm/status_data.h"

#define FCGP_IPC_MAGIC      0x46435050u    /* "FCPP" */
#define FCGP_IPC_VERSION    1
#define FCGP_IPC_HDR_LEN    16
#define FCGP_IPC_MAX_BODY   (1024 * 1024)

typedef enum {
    FCGP_MSG_ACQUIRE = 1,
    FCGP_MSG_GRANT = 2,
    FCGP_MSG_RELEASE = 3,
    FCGP_MSG_STATUS = 4,        /* handler -> PM: empty body */
    FCGP_MSG_STATUS_REPLY = 5,  /* PM -> handler: a snapshot
                                 * (pm/status_data.h) */
    FCGP_MSG_KICK = 6           /* handler -> PM, no answer: look at the
                                 * worker table (pm/table.h) whose nonce
                                 * this is */
} fcgp_msg_type_e;

/* GRANT status */
typedef enum {
    FCGP_GRANT_OK = 0,
    FCGP_GRANT_BUSY,          /* queue timeout: every worker busy at the max */
    FCGP_GRANT_SPAWN_FAILED,  /* could not start the app */
    FCGP_GRANT_BACKOFF,       /* the class keeps crashing; fast 503 */
    FCGP_GRANT_REFUSED,       /* bad message, ... */
    FCGP_GRANT_RETRY          /* this PM is draining: ask again (the
                               * next PM listens on the same socket) */
} fcgp_grant_status_e;

/* RELEASE outcome: how the request went, so the PM knows whether the
 * worker may serve again. */
typedef enum {
    FCGP_OUT_OK = 0,          /* END_REQUEST seen, worker reusable */
    FCGP_OUT_CLIENT_ABORT,    /* client went away; worker state unknown */
    FCGP_OUT_BROKEN,          /* worker died, reset, or sent garbage */
    FCGP_OUT_TIMEOUT          /* worker missed a deadline: kill it */
} fcgp_outcome_e;

typedef struct {
    apr_uint32_t magic;
    apr_uint16_t version;
    apr_uint16_t type;
    apr_uint32_t body_len;
    apr_uint32_t parent_pid;
} fcgp_ipc_hdr_t;

typedef struct {
    fcgp_app_limits_t limits;
    fcgp_app_spec_t spec;
} fcgp_msg_acquire_t;

typedef struct {
    apr_uint32_t status;        /* fcgp_grant_status_e */
    apr_uint32_t slot;
    apr_uint32_t pid;
    apr_uint32_t nth;           /* this is the worker's nth request */
    apr_uint32_t limit;         /* effective limit, 0 = none */
    apr_uint32_t limit_source;  /* fcgp_limit_source_e */
    apr_uint32_t retry_after;   /* seconds, for BUSY/BACKOFF */
    const char *path;           /* worker's socket (OK) */
    const char *message;        /* what happened (not OK) */
} fcgp_msg_grant_t;

typedef struct {
    apr_uint32_t outcome;       /* fcgp_outcome_e */
} fcgp_msg_release_t;

/* Header: encode into 16 bytes; decode checks magic and version and the
 * body length cap.  APR_EINVAL when the header is not ours. */
void fcgp_ipc_hdr_pack(unsigned char *out, apr_uint16_t type,
                       apr_uint32_t body_len, apr_uint32_t parent_pid);
apr_status_t fcgp_ipc_hdr_unpack(const unsigned char *in, fcgp_ipc_hdr_t *h);

/* Bodies: *_encode allocates the whole message (header included) from p.
 * *_decode parses a body; strings are copied into p.  APR_EINVAL on any
 * malformed body (short, overlong, counts out of range). */
apr_status_t fcgp_ipc_encode_acquire(apr_pool_t *p, apr_uint32_t parent_pid,
                                     const fcgp_msg_acquire_t *m,
                                     char **out, apr_size_t *len);
apr_status_t fcgp_ipc_decode_acquire(apr_pool_t *p, const char *body,
                                     apr_size_t len, fcgp_msg_acquire_t *m);
apr_status_t fcgp_ipc_encode_grant(apr_pool_t *p, apr_uint32_t parent_pid,
                                   const fcgp_msg_grant_t *m,
                                   char **out, apr_size_t *len);
apr_status_t fcgp_ipc_decode_grant(apr_pool_t *p, const char *body,
                                   apr_size_t len, fcgp_msg_grant_t *m);
apr_status_t fcgp_ipc_encode_release(apr_pool_t *p, apr_uint32_t parent_pid,
                                     const fcgp_msg_release_t *m,
                                     char **out, apr_size_t *len);
apr_status_t fcgp_ipc_decode_release(const char *body, apr_size_t len,
                                     fcgp_msg_release_t *m);

/* STATUS: the request has no body; the reply carries one snapshot,
 * rows and all (the PM's numbers, then classes, workers and exits, each
 * a u32 count and its rows).  decode_status_reply allocates the arrays
 * and strings from p; it rejects counts over FCGP_STATUS_MAX_* or over
 * what the body can hold, and states, sources and flags out of range. */
apr_status_t fcgp_ipc_encode_status(apr_pool_t *p, apr_uint32_t parent_pid,
                                    char **out, apr_size_t *len);
apr_status_t fcgp_ipc_decode_status(const char *body, apr_size_t len);
apr_status_t fcgp_ipc_encode_status_reply(apr_pool_t *p,
                                          apr_uint32_t parent_pid,
                                          const fcgp_status_t *st,
                                          char **out, apr_size_t *len);
apr_status_t fcgp_ipc_decode_status_reply(apr_pool_t *p, const char *body,
                                          apr_size_t len, fcgp_status_t *st);

/* KICK: the table's nonce (u64). */
apr_status_t fcgp_ipc_encode_kick(apr_pool_t *p, apr_uint32_t parent_pid,
                                  apr_uint64_t nonce, char **out,
                                  apr_size_t *len);
apr_status_t fcgp_ipc_decode_kick(const char *body, apr_size_t len,
                                  apr_uint64_t *nonce);

/* A stable binary key for the class a spec describes (vhost, argv, env,
 * each length-prefixed), allocated from p; *klen is its length. */
const char *fcgp_ipc_class_key(apr_pool_t *p, const fcgp_app_spec_t *spec,
                               apr_size_t *klen);

#endif
