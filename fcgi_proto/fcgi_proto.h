/* fcgi_proto.h: the FastCGI 1.0 wire format, as mod_fcgiproc reads it.
 *
 * Pure code: depends on APR types only and calls no httpd function, so the
 * Check unit tests and the libFuzzer target link it on its own.  Encoding of
 * what we send (BEGIN_REQUEST, PARAMS, STDIN) uses httpd's util_fcgi.h in the
 * handler; what httpd lacks is a resumable decoder for what the app sends,
 * which lives here.
 *
 * All functions are reentrant and allocate nothing: a decoder is a small
 * struct the caller owns (per-request, in r->pool for the handler).
 */
#ifndef FCGP_FCGI_PROTO_H
#define FCGP_FCGI_PROTO_H

#include <apr.h>
#include <apr_errno.h>

#define FCGP_VERSION_1          1
#define FCGP_HEADER_LEN         8
#define FCGP_MAX_CONTENT_LEN    65535

/* Record types (FastCGI 1.0 spec, section 8). */
#define FCGP_BEGIN_REQUEST      1
#define FCGP_ABORT_REQUEST      2
#define FCGP_END_REQUEST        3
#define FCGP_PARAMS             4
#define FCGP_STDIN              5
#define FCGP_STDOUT             6
#define FCGP_STDERR             7
#define FCGP_DATA               8
#define FCGP_GET_VALUES         9
#define FCGP_GET_VALUES_RESULT  10
#define FCGP_UNKNOWN_TYPE       11

/* END_REQUEST protocolStatus values. */
#define FCGP_REQUEST_COMPLETE   0
#define FCGP_CANT_MPX_CONN      1
#define FCGP_OVERLOADED         2
#define FCGP_UNKNOWN_ROLE       3

/* What one call to fcgp_decode() produced. */
typedef enum {
    FCGP_EV_NONE = 0,    /* consumed input, nothing to report (need more) */
    FCGP_EV_STDOUT,      /* data/len: a piece of FCGI_STDOUT content */
    FCGP_EV_STDERR,      /* data/len: a piece of FCGI_STDERR content */
    FCGP_EV_END_REQUEST, /* app_status, protocol_status are set */
    FCGP_EV_ERROR        /* error is set; the stream is unusable from here */
} fcgp_event_type_e;

/* Why the stream was rejected (FCGP_EV_ERROR). */
typedef enum {
    FCGP_ERR_NONE = 0,
    FCGP_ERR_VERSION,         /* version byte is not 1 */
    FCGP_ERR_REQUEST_ID,      /* requestId is not ours (and not 0 for mgmt) */
    FCGP_ERR_END_REQUEST_LEN, /* END_REQUEST content length is not 8 */
    FCGP_ERR_AFTER_END,       /* bytes after END_REQUEST */
    FCGP_ERR_UNEXPECTED_TYPE  /* a type an app must not send to us
                               * (BEGIN_REQUEST, PARAMS, STDIN, ...) */
} fcgp_error_e;

typedef struct {
    fcgp_event_type_e type;
    const char *data;           /* points into the caller's input buffer */
    apr_size_t len;
    apr_uint32_t app_status;    /* END_REQUEST only */
    unsigned char protocol_status; /* END_REQUEST only */
    fcgp_error_e error;         /* FCGP_EV_ERROR only */
    unsigned char rec_type;     /* record type that caused the event */
} fcgp_event_t;

typedef enum {
    FCGP_ST_HEADER = 0,  /* collecting the 8-byte header */
    FCGP_ST_CONTENT,     /* inside content */
    FCGP_ST_PADDING,     /* skipping padding */
    FCGP_ST_DONE,        /* END_REQUEST seen */
    FCGP_ST_FAILED       /* an error was reported */
} fcgp_dec_state_e;

/* Decoder state.  Treat as opaque; it is public only so that callers can
 * embed it without an allocation. */
typedef struct {
    fcgp_dec_state_e state;
    apr_uint16_t request_id;    /* the one id we expect */
    unsigned char hdr[FCGP_HEADER_LEN];
    apr_size_t hdr_have;
    unsigned char type;         /* current record */
    apr_size_t content_left;
    apr_size_t padding_left;
    unsigned char end_body[8];  /* END_REQUEST body being collected */
    apr_size_t end_have;
    fcgp_error_e error;
} fcgp_decoder_t;

/* Start decoding the replies to request `request_id` (usually 1). */
void fcgp_decoder_init(fcgp_decoder_t *d, apr_uint16_t request_id);

/* Consume input and produce at most one event.
 *
 * Reads from buf[0..len), sets *consumed to the bytes used (always > 0 when
 * len > 0 and the decoder is not DONE/FAILED) and fills *ev.  STDOUT and
 * STDERR content is handed out in pieces as it arrives (ev->data points into
 * buf), never buffered.  Records of type GET_VALUES_RESULT, UNKNOWN_TYPE and
 * any type > 11 are skipped whole, as are management records (requestId 0).
 * Zero-length STDOUT/STDERR records (end-of-stream markers) give no event.
 * After END_REQUEST the decoder is DONE: further input gives
 * FCGP_EV_ERROR/FCGP_ERR_AFTER_END.  After an error it stays FAILED and
 * consumes nothing.
 *
 * Returns APR_SUCCESS, or APR_EGENERAL together with an FCGP_EV_ERROR event.
 */
apr_status_t fcgp_decode(fcgp_decoder_t *d, const char *buf, apr_size_t len,
                         apr_size_t *consumed, fcgp_event_t *ev);

/* True once END_REQUEST has been decoded. */
int fcgp_decoder_done(const fcgp_decoder_t *d);

/* A short English description of an error code, for log lines. */
const char *fcgp_strerror(fcgp_error_e err);

/* Name-value pairs (spec section 3.4): 1-byte lengths below 128, else
 * 4-byte lengths with the high bit set.  (We only read them: the handler
 * encodes what it sends with httpd's ap_fcgi_encode_env().)
 *
 * fcgp_nv_next() reads one pair from buf[*pos..len): on success sets
 * name/value pointers into buf and advances *pos.  Returns APR_SUCCESS,
 * APR_INCOMPLETE when the pair runs past len (nothing advanced), or
 * APR_EINVAL when *pos is past len. */
apr_status_t fcgp_nv_next(const char *buf, apr_size_t len, apr_size_t *pos,
                          const char **name, apr_size_t *name_len,
                          const char **value, apr_size_t *value_len);

/* Fill an 8-byte record header. */
void fcgp_header_pack(unsigned char *out, unsigned char type,
                      apr_uint16_t request_id, apr_uint16_t content_len,
                      unsigned char padding_len);

#endif /* FCGP_FCGI_PROTO_H */
