/* fcgi_decode.c: resumable decoder for what a FastCGI 1.0 app sends back,
 * plus a name-value pair reader and a record header helper.  See
 * fcgi_proto.h.
 *
 * The decoder is a byte-level state machine in the style of nginx's
 * ngx_http_fastcgi_process_record(): it keeps the partial record header in
 * the decoder and can stop and resume at any byte, so the caller may feed
 * input in pieces of any size (including one byte at a time) and gets the
 * same events, in the same order, with the same content bytes.
 *
 * Header validation is done as early as the bytes allow, so an error is
 * reported on the byte that makes it certain:
 *
 *   byte 0 (version)     not 1                     -> FCGP_ERR_VERSION
 *   byte 3 (requestId)   neither 0 nor ours        -> FCGP_ERR_REQUEST_ID
 *                        ours, and a type only a web server may send
 *                        (BEGIN_REQUEST, ABORT_REQUEST, PARAMS, STDIN,
 *                        DATA, GET_VALUES)         -> FCGP_ERR_UNEXPECTED_TYPE
 *   byte 5 (contentLen)  END_REQUEST with our id
 *                        and a length other than 8 -> FCGP_ERR_END_REQUEST_LEN
 *
 * Records that are skipped whole (content and padding, no event):
 *   - management records (requestId 0), whatever their type;
 *   - GET_VALUES_RESULT, UNKNOWN_TYPE, and any type the spec does not define
 *     (0 and above 11), with our request id.
 *
 * STDOUT/STDERR content is reported piecewise: each event covers the content
 * bytes of that record present in this call's buffer (ev->data points into
 * it, ev->len > 0).  A call returns right after producing an event, so
 * *consumed may be less than len; the caller calls again with the rest.
 * Zero-length STDOUT/STDERR records produce no event.
 *
 * END_REQUEST: the 8-byte body is collected in d->end_body (it may arrive
 * split).  The END_REQUEST event is emitted, and the decoder becomes DONE,
 * only once the record's padding has been consumed too: a stream cut inside
 * that padding is not complete.  app_status is the 32-bit big-endian
 * appStatus, protocol_status the protocolStatus byte, passed through as is
 * (FCGP_REQUEST_COMPLETE, FCGP_CANT_MPX_CONN, FCGP_OVERLOADED,
 * FCGP_UNKNOWN_ROLE or anything else the app wrote).  Any byte given to a
 * DONE decoder is FCGP_ERR_AFTER_END (that byte is not consumed).
 *
 * Errors are terminal: the decoder becomes FAILED, and every later call
 * returns APR_EGENERAL and the same error event, consuming nothing.
 * fcgp_decoder_done() stays true after an FCGP_ERR_AFTER_END error, since
 * the END_REQUEST itself was decoded.
 */

#include <apr.h>
#include <apr_errno.h>

#include <string.h>

#include "fcgi_proto.h"

static apr_uint16_t hdr_request_id(const fcgp_decoder_t *d)
{
    return (apr_uint16_t)((d->hdr[2] << 8) | d->hdr[3]);
}

static apr_size_t hdr_content_len(const fcgp_decoder_t *d)
{
    return ((apr_size_t)d->hdr[4] << 8) | d->hdr[5];
}

/* The types an app may send to us about our request. */
static int type_is_unexpected(unsigned char type)
{
    switch (type) {
    case FCGP_BEGIN_REQUEST:
    case FCGP_ABORT_REQUEST:
    case FCGP_PARAMS:
    case FCGP_STDIN:
    case FCGP_DATA:
    case FCGP_GET_VALUES:
        return 1;
    default:
        return 0;
    }
}

/* What to do with the content of the current record. */
typedef enum {
    REC_SKIP = 0,
    REC_STDOUT,
    REC_STDERR,
    REC_END
} rec_kind_e;

static rec_kind_e rec_kind(const fcgp_decoder_t *d)
{
    if (hdr_request_id(d) == 0) {
        return REC_SKIP;
    }
    switch (d->type) {
    case FCGP_STDOUT:
        return REC_STDOUT;
    case FCGP_STDERR:
        return REC_STDERR;
    case FCGP_END_REQUEST:
        return REC_END;
    default:
        return REC_SKIP;
    }
}

static apr_status_t dec_fail(fcgp_decoder_t *d, fcgp_event_t *ev,
                             fcgp_error_e err)
{
    d->state = FCGP_ST_FAILED;
    d->error = err;
    ev->type = FCGP_EV_ERROR;
    ev->error = err;
    ev->rec_type = d->type;
    return APR_EGENERAL;
}

/* Validate the header bytes seen so far; called after each header byte. */
static fcgp_error_e check_header(const fcgp_decoder_t *d)
{
    apr_uint16_t id;

    switch (d->hdr_have) {
    case 1:
        if (d->hdr[0] != FCGP_VERSION_1) {
            return FCGP_ERR_VERSION;
        }
        break;
    case 4:
        id = hdr_request_id(d);
        if (id != 0 && id != d->request_id) {
            return FCGP_ERR_REQUEST_ID;
        }
        if (id != 0 && type_is_unexpected(d->type)) {
            return FCGP_ERR_UNEXPECTED_TYPE;
        }
        break;
    case 6:
        if (rec_kind(d) == REC_END && hdr_content_len(d) != 8) {
            return FCGP_ERR_END_REQUEST_LEN;
        }
        break;
    default:
        break;
    }
    return FCGP_ERR_NONE;
}

/* Content and padding of the current record are both consumed.  Returns
 * 1 if that completes the END_REQUEST (the event is filled in). */
static int finish_record(fcgp_decoder_t *d, fcgp_event_t *ev)
{
    const unsigned char *b = d->end_body;

    if (rec_kind(d) != REC_END) {
        d->state = FCGP_ST_HEADER;
        return 0;
    }
    d->state = FCGP_ST_DONE;
    ev->type = FCGP_EV_END_REQUEST;
    ev->rec_type = FCGP_END_REQUEST;
    ev->app_status = ((apr_uint32_t)b[0] << 24) | ((apr_uint32_t)b[1] << 16)
                     | ((apr_uint32_t)b[2] << 8) | (apr_uint32_t)b[3];
    ev->protocol_status = b[4];
    return 1;
}

/* Content of the current record is consumed: go on to its padding, or
 * finish it. */
static int end_content(fcgp_decoder_t *d, fcgp_event_t *ev)
{
    if (d->padding_left > 0) {
        d->state = FCGP_ST_PADDING;
        return 0;
    }
    return finish_record(d, ev);
}

void fcgp_decoder_init(fcgp_decoder_t *d, apr_uint16_t request_id)
{
    memset(d, 0, sizeof(*d));
    d->state = FCGP_ST_HEADER;
    d->request_id = request_id;
    d->error = FCGP_ERR_NONE;
}

apr_status_t fcgp_decode(fcgp_decoder_t *d, const char *buf, apr_size_t len,
                         apr_size_t *consumed, fcgp_event_t *ev)
{
    const unsigned char *p = (const unsigned char *)buf;
    apr_size_t i = 0, n;
    fcgp_error_e err;
    rec_kind_e kind;

    memset(ev, 0, sizeof(*ev));
    ev->type = FCGP_EV_NONE;
    *consumed = 0;

    if (d->state == FCGP_ST_FAILED) {
        ev->type = FCGP_EV_ERROR;
        ev->error = d->error;
        ev->rec_type = d->type;
        return APR_EGENERAL;
    }
    if (d->state == FCGP_ST_DONE) {
        if (len == 0) {
            return APR_SUCCESS;
        }
        d->type = 0;    /* no record caused this */
        return dec_fail(d, ev, FCGP_ERR_AFTER_END);
    }

    while (i < len) {
        switch (d->state) {
        case FCGP_ST_HEADER:
            if (d->hdr_have == 0) {
                d->type = 0;
            }
            d->hdr[d->hdr_have++] = p[i++];
            if (d->hdr_have == 2) {
                d->type = d->hdr[1];
            }
            err = check_header(d);
            if (err != FCGP_ERR_NONE) {
                *consumed = i;
                return dec_fail(d, ev, err);
            }
            if (d->hdr_have < FCGP_HEADER_LEN) {
                break;
            }
            d->hdr_have = 0;
            d->content_left = hdr_content_len(d);
            d->padding_left = d->hdr[6];
            d->end_have = 0;
            if (d->content_left > 0) {
                d->state = FCGP_ST_CONTENT;
            }
            else if (end_content(d, ev)) {
                *consumed = i;
                return APR_SUCCESS;
            }
            break;

        case FCGP_ST_CONTENT:
            n = len - i;
            if (n > d->content_left) {
                n = d->content_left;
            }
            kind = rec_kind(d);
            if (kind == REC_END) {
                /* END_REQUEST is exactly 8 bytes (checked in the header) */
                memcpy(d->end_body + d->end_have, p + i, n);
                d->end_have += n;
            }
            else if (kind == REC_STDOUT || kind == REC_STDERR) {
                ev->type = kind == REC_STDOUT ? FCGP_EV_STDOUT
                                              : FCGP_EV_STDERR;
                ev->rec_type = d->type;
                ev->data = buf + i;
                ev->len = n;
            }
            i += n;
            d->content_left -= n;
            if (d->content_left == 0) {
                /* an END_REQUEST without padding completes here; a STDOUT
                 * piece is already an event, and finish_record() only
                 * sets the state for non-END records */
                if (end_content(d, ev)) {
                    *consumed = i;
                    return APR_SUCCESS;
                }
            }
            if (ev->type != FCGP_EV_NONE) {
                *consumed = i;
                return APR_SUCCESS;
            }
            break;

        case FCGP_ST_PADDING:
            n = len - i;
            if (n > d->padding_left) {
                n = d->padding_left;
            }
            i += n;
            d->padding_left -= n;
            if (d->padding_left == 0 && finish_record(d, ev)) {
                *consumed = i;
                return APR_SUCCESS;
            }
            break;

        default:
            /* DONE and FAILED are handled above; a corrupted state */
            *consumed = i;
            return dec_fail(d, ev, d->error);
        }
    }

    *consumed = i;
    return APR_SUCCESS;
}

int fcgp_decoder_done(const fcgp_decoder_t *d)
{
    return d->state == FCGP_ST_DONE
           || (d->state == FCGP_ST_FAILED
               && d->error == FCGP_ERR_AFTER_END);
}

const char *fcgp_strerror(fcgp_error_e err)
{
    switch (err) {
    case FCGP_ERR_NONE:
        return "no error";
    case FCGP_ERR_VERSION:
        return "unsupported FastCGI version";
    case FCGP_ERR_REQUEST_ID:
        return "record for another request id";
    case FCGP_ERR_END_REQUEST_LEN:
        return "END_REQUEST record with a body length other than 8";
    case FCGP_ERR_AFTER_END:
        return "data after END_REQUEST";
    case FCGP_ERR_UNEXPECTED_TYPE:
        return "record type an application must not send";
    default:
        return "unknown FastCGI decoder error";
    }
}

/* Read one pair length at buf[*at..len): 1 byte below 128, else 4 bytes
 * with the high bit set (the other 31 bits are the length). */
static apr_status_t nv_read_len(const unsigned char *p, apr_size_t len,
                                apr_size_t *at, apr_size_t *out)
{
    apr_size_t a = *at;

    if (a >= len) {
        return APR_INCOMPLETE;
    }
    if (p[a] < 0x80) {
        *out = p[a];
        *at = a + 1;
        return APR_SUCCESS;
    }
    if (len - a < 4) {
        return APR_INCOMPLETE;
    }
    *out = ((apr_size_t)(p[a] & 0x7f) << 24) | ((apr_size_t)p[a + 1] << 16)
           | ((apr_size_t)p[a + 2] << 8) | (apr_size_t)p[a + 3];
    *at = a + 4;
    return APR_SUCCESS;
}

/* A decoded length is at most 0x7fffffff by construction, so no bytes are
 * invalid, only incomplete; APR_EINVAL is returned for *pos > len, a caller
 * error.  The size checks below are subtractions, so they cannot overflow
 * even with a 32-bit apr_size_t. */
apr_status_t fcgp_nv_next(const char *buf, apr_size_t len, apr_size_t *pos,
                          const char **name, apr_size_t *name_len,
                          const char **value, apr_size_t *value_len)
{
    const unsigned char *p = (const unsigned char *)buf;
    apr_size_t at = *pos, nlen, vlen;
    apr_status_t rv;

    if (at > len) {
        return APR_EINVAL;
    }
    rv = nv_read_len(p, len, &at, &nlen);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = nv_read_len(p, len, &at, &vlen);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (nlen > len - at || vlen > len - at - nlen) {
        return APR_INCOMPLETE;
    }
    *name = buf + at;
    *name_len = nlen;
    *value = buf + at + nlen;
    *value_len = vlen;
    *pos = at + nlen + vlen;
    return APR_SUCCESS;
}

void fcgp_header_pack(unsigned char *out, unsigned char type,
                      apr_uint16_t request_id, apr_uint16_t content_len,
                      unsigned char padding_len)
{
    out[0] = FCGP_VERSION_1;
    out[1] = type;
    out[2] = (unsigned char)(request_id >> 8);
    out[3] = (unsigned char)(request_id & 0xff);
    out[4] = (unsigned char)(content_len >> 8);
    out[5] = (unsigned char)(content_len & 0xff);
    out[6] = padding_len;
    out[7] = 0;
}
