/* proto_check.c: compile-time checks that our FastCGI constants
 * (fcgi_proto.h, which may not include httpd headers) are httpd's
 * (util_fcgi.h, which the handler uses to build what it sends), so the
 * records the handler writes with AP_FCGI_* and those the decoder reads
 * with FCGP_* cannot drift apart.  Nothing but _Static_assert: the object
 * has no code and no data, and a wrong constant fails the build.
 *
 * Not checked, because util_fcgi.h has no counterpart: the END_REQUEST
 * protocolStatus values (FCGP_REQUEST_COMPLETE ...), which httpd never
 * reads.  We have no role or flag constants of our own (the handler uses
 * AP_FCGI_RESPONDER and AP_FCGI_KEEP_CONN). */
#include "util_fcgi.h"
#include "fcgi_proto/fcgi_proto.h"

#define SAME(ours, httpds) \
    _Static_assert((ours) == (httpds), #ours " must equal " #httpds)

SAME(FCGP_VERSION_1, AP_FCGI_VERSION_1);
SAME(FCGP_HEADER_LEN, AP_FCGI_HEADER_LEN);
SAME(FCGP_MAX_CONTENT_LEN, AP_FCGI_MAX_CONTENT_LEN);

/* record types */
SAME(FCGP_BEGIN_REQUEST, AP_FCGI_BEGIN_REQUEST);
SAME(FCGP_ABORT_REQUEST, AP_FCGI_ABORT_REQUEST);
SAME(FCGP_END_REQUEST, AP_FCGI_END_REQUEST);
SAME(FCGP_PARAMS, AP_FCGI_PARAMS);
SAME(FCGP_STDIN, AP_FCGI_STDIN);
SAME(FCGP_STDOUT, AP_FCGI_STDOUT);
SAME(FCGP_STDERR, AP_FCGI_STDERR);
SAME(FCGP_DATA, AP_FCGI_DATA);
SAME(FCGP_GET_VALUES, AP_FCGI_GET_VALUES);
SAME(FCGP_GET_VALUES_RESULT, AP_FCGI_GET_VALUES_RESULT);
SAME(FCGP_UNKNOWN_TYPE, AP_FCGI_UNKNOWN_TYPE);
/* the decoder skips every type above the last one the spec defines */
SAME(FCGP_UNKNOWN_TYPE, AP_FCGI_MAXTYPE);

/* the header the decoder collects is the header httpd writes */
SAME(sizeof(((fcgp_decoder_t *)0)->hdr), sizeof(ap_fcgi_header));
SAME(sizeof(ap_fcgi_header), AP_FCGI_HEADER_LEN);
