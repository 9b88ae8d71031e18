/* ipc.h: messages between the handler (in httpd children) and the process
 * manager, over the PM's unix socket.  Workers are never handed out here:
 * handlers take them from the shared worker table (pm/table.h).  The
 * socket is for what only the PM can do:
 *
 *   handler -> PM   WANT     (class spec + limits): no idle worker of this
 *                            class; make the class known, start a worker
 *                            if there is room
 *   PM -> handler   ANSWER   (the class's index in the table: wait there;
 *                            or why no worker can be had: 503)
 *   handler -> PM   KICK     (no answer): look at the table, a worker was
 *                            handed back for a decision or is near its
 *                            limit
 *   handler -> PM   STATUS, PM -> handler STATUS_REPLY: the status page
 *
 * Every message has a fixed, versioned header and carries the httpd
 * parent's pid, so a stray client of another server instance is rejected.
 * APR only; encode/decode are pure and fuzzed. */
#ifndef FCGP_PM_IPC_H
#define FCGP_PM_IPC_H

#include <apr.h>
#include <apr_pools.h>
#include "pm/pm_types.h"
#include "pm/status_data.h"

#define FCGP_IPC_MAGIC      0x46435050u    /* "FCPP" */
#define FCGP_IPC_VERSION    7
#define FCGP_IPC_HDR_LEN    16
#define FCGP_IPC_MAX_BODY   (1024 * 1024)

typedef enum {
    FCGP_MSG_WANT = 1,
    FCGP_MSG_ANSWER = 2,        /* (3 was a lease's hand-back: retired) */
    FCGP_MSG_STATUS = 4,        /* handler -> PM: empty body */
    FCGP_MSG_STATUS_REPLY = 5,  /* PM -> handler: a snapshot
                                 * (pm/status_data.h) */
    FCGP_MSG_KICK = 6           /* handler -> PM, no answer: look at the
                                 * worker table (pm/table.h) whose nonce
                                 * this is */
} fcgp_msg_type_e;

/* ANSWER status, and what a lease got (pm.h) */
typedef enum {
    FCGP_GRANT_OK = 0,
    FCGP_GRANT_BUSY,          /* queue timeout: every worker busy at the max */
    FCGP_GRANT_SPAWN_FAILED,  /* could not start the app */
    FCGP_GRANT_BACKOFF,       /* the class keeps crashing; fast 503 */
    FCGP_GRANT_REFUSED,       /* bad message, ... */
    FCGP_GRANT_RETRY          /* this PM is draining: ask again (the
                               * next PM listens on the same socket) */
} fcgp_grant_status_e;

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
} fcgp_msg_want_t;

typedef struct {
    apr_uint32_t status;        /* fcgp_grant_status_e */
    apr_uint32_t cls;           /* OK: the class's index in the table */
    apr_uint32_t retry_after;   /* seconds, for BUSY/BACKOFF */
    const char *message;        /* what happened (not OK) */
} fcgp_msg_answer_t;

/* Header: encode into 16 bytes; decode checks magic and version and the
 * body length cap.  APR_EINVAL when the header is not ours. */
void fcgp_ipc_hdr_pack(unsigned char *out, apr_uint16_t type,
                       apr_uint32_t body_len, apr_uint32_t parent_pid);
apr_status_t fcgp_ipc_hdr_unpack(const unsigned char *in, fcgp_ipc_hdr_t *h);

/* Bodies: *_encode allocates the whole message (header included) from p.
 * *_decode parses a body; strings are copied into p.  APR_EINVAL on any
 * malformed body (short, overlong, counts out of range). */
apr_status_t fcgp_ipc_encode_want(apr_pool_t *p, apr_uint32_t parent_pid,
                                  const fcgp_msg_want_t *m,
                                  char **out, apr_size_t *len);
apr_status_t fcgp_ipc_decode_want(apr_pool_t *p, const char *body,
                                  apr_size_t len, fcgp_msg_want_t *m);
apr_status_t fcgp_ipc_encode_answer(apr_pool_t *p, apr_uint32_t parent_pid,
                                    const fcgp_msg_answer_t *m,
                                    char **out, apr_size_t *len);
apr_status_t fcgp_ipc_decode_answer(apr_pool_t *p, const char *body,
                                    apr_size_t len, fcgp_msg_answer_t *m);

/* STATUS: the request carries how many classes the metrics rows show
 * with their own labels (u32; an empty body means
 * FCGP_METRICS_CLASSES_DEFAULT); the reply carries one snapshot, rows and
 * all (the PM's numbers, then classes, workers and exits, each a u32
 * count and its rows, then the counters: their start, the table's class
 * count and the metrics rows, each with its non-zero counters as (id,
 * value) pairs in ascending order).  decode_status_reply allocates the
 * arrays and strings from p; it rejects counts over FCGP_STATUS_MAX_* or
 * over what the body can hold, and states, sources, flags, counter ids
 * and their order out of range. */
apr_status_t fcgp_ipc_encode_status(apr_pool_t *p, apr_uint32_t parent_pid,
                                    apr_uint32_t metrics_classes,
                                    char **out, apr_size_t *len);
apr_status_t fcgp_ipc_decode_status(const char *body, apr_size_t len,
                                    apr_uint32_t *metrics_classes);
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
 * each length-prefixed, and the identity), allocated from p; *klen is its length. */
const char *fcgp_ipc_class_key(apr_pool_t *p, const fcgp_app_spec_t *spec,
                               apr_size_t *klen);
/* The spec a class key was made from (vhost, argv, env; no limits),
 * allocated from p; APR_EINVAL when it is not one. */
apr_status_t fcgp_ipc_class_key_parse(apr_pool_t *p, const char *key,
                                      apr_size_t klen, fcgp_app_spec_t *spec);

#endif
