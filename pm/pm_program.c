/* pm_program.c: the program file a class runs, and its new versions.
 *
 * PM process only.  Owns each class's record of its program on disk
 * (pm_class_t.prog, and its identity in the worker table, which handlers
 * compare with what they see) and what each worker was started from
 * (pm_slot_t.prog_ident, pm_slot_t.superseded).
 *
 * A deploy moves a new file into place (`mv app.fcgi.new app.fcgi`: a new
 * inode) or writes over the old one (a new mtime or size).  A handler
 * that sees another file than the class's (httpd's stat of a script that
 * is the app, on every request; a wrapper's program, once a second per
 * class) sends a WANT; the PM looks itself (pm_program_check), so a
 * handler's word alone retires nothing.  A new version: the workers
 * started from another file are superseded: the idle ones retire now, and
 * the busy ones are marked `closing` in the table (no claim takes them
 * again; their hand-back comes to the PM) and no longer count as the
 * class's live workers, so new ones start beside them (up to
 * FcgiProcMaxProcessesPerClass, and the class minimum counts only them);
 * they retire when their request is done.  A program that is gone, or no
 * longer a regular executable file, is not a new version: the current
 * workers keep serving, and that is logged once. */
#include <errno.h>
#include <unistd.h>
#include <apr_atomic.h>
#include <apr_file_info.h>
#include <apr_strings.h>

#include "httpd.h"
#include "http_log.h"
#include "fcgp_log.h"
#include "pm/pm_internal.h"

APLOG_USE_MODULE(fcgiproc);

/* What makes a program file's identity (fcgp_table_ident). */
#define WANTED (APR_FINFO_TYPE | APR_FINFO_IDENT | APR_FINFO_MTIME \
                | APR_FINFO_SIZE)

static apr_uint64_t ident_of(const apr_finfo_t *f)
{
    return fcgp_table_ident((apr_uint64_t)f->device, (apr_uint64_t)f->inode,
                            f->mtime, f->size);
}

static const char *when(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t x;
    apr_size_t n;
    char buf[32];
    apr_time_exp_lt(&x, t);
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%d %H:%M:%S", &x);
    return apr_psprintf(p, "%s.%06d", buf, (int)x.tm_usec);
}

/* The identity of class c's program now (a worker about to start from
 * it); 0 when it cannot be stat()ed. */
apr_uint64_t pm_program_ident(pm_t *pm, pm_class_t *c)
{
    apr_finfo_t f;
    if (apr_stat(&f, c->spec.argv[0], WANTED, pm->tmp) != APR_SUCCESS
        || (f.valid & WANTED) != WANTED) {
        return 0;
    }
    return ident_of(&f);
}

/* Worker s was started from another file than the class's program now:
 * it gets no new request and retires (idle: now; busy: when handed
 * back).  Returns 1 if it retires now. */
static int supersede(pm_t *pm, pm_slot_t *s)
{
    s->superseded = 1;
    if (s->published) {
        /* First: from here on, no claim takes it and its hand-back comes
         * to us (pm/table.c). */
        apr_atomic_set32(&fcgp_table_slot(pm->table, s->id)->closing, 1);
    }
    if (s->state == SLOT_IDLE) {
        /* As the policy says (superseded, unless it says more); a worker
         * claimed just now is left to its hand-back. */
        const char *why = pm_retire_reason(pm, s, 0, FCGP_OUT_OK,
                                           apr_time_now());
        if (why) {
            pm_retire(pm, s, why);
        }
    }
    if (s->state == SLOT_STOPPING || s->state == SLOT_FREE) {
        return 1;
    }
    if (s->state == SLOT_BUSY) {
        /* Serving its last request: not one of the class's live workers
         * any more, so a new one may start beside it. */
        pm_slot_set(pm, s, SLOT_LAST);
    }
    /* Handed back to the line just before the mark: it is done. */
    pm_sync_slot(pm, s);
    return 0;
}

/* Why a file is not a program we could start (NULL: it is). */
static const char *unusable(pm_t *pm, const char *path, apr_status_t rv,
                            const apr_finfo_t *f)
{
    char buf[120];
    if (rv != APR_SUCCESS || (f->valid & WANTED) != WANTED) {
        return apr_pstrcat(pm->tmp, "cannot be found (",
                           apr_strerror(rv, buf, sizeof(buf)), ")", NULL);
    }
    if (f->filetype != APR_REG) {
        return "is not a regular file";
    }
    if (access(path, X_OK) != 0) {
        return apr_pstrcat(pm->tmp, "is not executable for the httpd User (",
                           apr_strerror(APR_FROM_OS_ERROR(errno), buf,
                                        sizeof(buf)), ")", NULL);
    }
    return NULL;
}

/* Look at class c's program on disk (a handler saw another file, or
 * asks for a worker): the first look records it; a new version
 * supersedes the workers started from any other file. */
void pm_program_check(pm_t *pm, pm_class_t *c)
{
    const char *path = c->spec.argv[0];
    pm_program_t *pr = &c->prog;
    apr_uint32_t idle = 0, busy = 0;
    apr_array_header_t *old;
    apr_uint64_t ident;
    const char *why;
    apr_finfo_t f;
    apr_status_t rv;
    int i;

    rv = apr_stat(&f, path, WANTED, pm->tmp);
    ident = rv == APR_SUCCESS && (f.valid & WANTED) == WANTED
            ? ident_of(&f) : 0;
    if (ident && ident == pr->ident) {
        pr->refused = 0;
        return;
    }
    if ((why = unusable(pm, path, rv, &f)) != NULL) {
        apr_uint64_t key = ident ? ident : 1;
        if (pr->ident && pr->refused != key) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, pm->s,
                         FCGP_LOGNO(03036) "the program %s of %s changed on "
                         "disk and %s: its %u workers keep serving, and no "
                         "new one can start until a program is back in "
                         "place (logged once)", path, c->name, why,
                         c->n[SLOT_IDLE] + c->n[SLOT_BUSY]);
        }
        pr->refused = key;
        return;
    }
    pr->refused = 0;
    if (!pr->ident) {
        /* The first look: the version the class's workers run. */
        pr->ident = ident;
        pr->inode = (apr_uint64_t)f.inode;
        pr->mtime = f.mtime;
        fcgp_table_set_ident(pm->table, c->tidx, ident);
        return;
    }
    /* A new version.  Workers started from it already (between the
     * replacement and this look) stay.  Whether its workers are php-cgi
     * parents is looked at again (a starter script may now say
     * otherwise); php-cgi itself is one whatever its version. */
    c->parents = c->php_itself ? PM_PARENTS_SEEN : PM_PARENTS_UNKNOWN;
    old = apr_array_make(pm->tmp, c->slots->nelts, sizeof(pm_slot_t *));
    for (i = 0; i < c->slots->nelts; i++) {
        pm_slot_t *s = APR_ARRAY_IDX(c->slots, i, pm_slot_t *);
        if (s->state != SLOT_STOPPING && s->prog_ident != ident) {
            APR_ARRAY_PUSH(old, pm_slot_t *) = s;
        }
    }
    for (i = 0; i < old->nelts; i++) {
        pm_slot_t *s = APR_ARRAY_IDX(old, i, pm_slot_t *);
        if (s->cls != c || s->state == SLOT_FREE) {
            idle++;         /* gone with its pool (a php-cgi pool) */
            continue;
        }
        if (s->prog_ident == ident) {
            continue;       /* freed so, and given to a new worker */
        }
        if (supersede(pm, s)) {
            idle++;
        }
        else {
            busy++;
        }
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, pm->s, FCGP_LOGNO(03035)
                 "the program %s of %s was replaced (inode %" APR_UINT64_T_FMT
                 ", mtime %s -> inode %" APR_UINT64_T_FMT ", mtime %s): %u "
                 "workers of the old version retire (%u idle now, %u busy "
                 "when their request is done); new requests go to new "
                 "workers", path, c->name, pr->inode, when(pm->tmp, pr->mtime),
                 (apr_uint64_t)f.inode, when(pm->tmp, f.mtime), idle + busy,
                 idle, busy);
    pr->ident = ident;
    pr->inode = (apr_uint64_t)f.inode;
    pr->mtime = f.mtime;
    pr->replaced = apr_time_now();
    fcgp_table_set_ident(pm->table, c->tidx, ident);
    /* A new version gets a fresh start: a pause for the old one's
     * crashes (or an earlier broken one's) ends. */
    fcgp_policy_note_success(&c->failures);
    pm_class_to_table(pm, c);
    pm_update_full(pm, c);
}

/* For the rapid-failure line: when the class's program was last
 * replaced, or "". */
const char *pm_program_replaced_text(pm_t *pm, const pm_class_t *c)
{
    if (!c->prog.replaced) {
        return "";
    }
    return apr_psprintf(pm->tmp, "; its program %s was replaced at %s "
                        "(inode %" APR_UINT64_T_FMT ")", c->spec.argv[0],
                        when(pm->tmp, c->prog.replaced), c->prog.inode);
}
