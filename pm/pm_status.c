/* pm_status.c: the process manager's status page, as HTML or JSON: every
 * worker (pid, class, state, requests served, effective limit and where it
 * came from, age), every class, and the last exits with their reasons.
 * PM only; built from the PM's own state, so it is exact, not sampled. */
#include <unistd.h>
#include <apr_strings.h>
#include <apr_escape.h>
#include "pm/pm_internal.h"
#include "pm/policy.h"

typedef struct {
    apr_pool_t *p;
    int json;
    apr_array_header_t *out;    /* of const char * pieces */
    int first;                  /* no comma before the next JSON item */
} doc_t;

static void put(doc_t *d, const char *s)
{
    APR_ARRAY_PUSH(d->out, const char *) = s;
}

static const char *json_str(apr_pool_t *p, const char *s)
{
    apr_size_t n = 2;
    const char *i;
    char *out, *o;
    for (i = s; *i; i++) {
        n += ((unsigned char)*i < 0x20 || *i == '"' || *i == '\\') ? 6 : 1;
    }
    o = out = apr_palloc(p, n + 1);
    *o++ = '"';
    for (i = s; *i; i++) {
        unsigned char c = (unsigned char)*i;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        }
        else if (c < 0x20) {
            apr_snprintf(o, 7, "\\u%04x", c);
            o += 6;
        }
        else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

static const char *html(apr_pool_t *p, const char *s)
{
    return apr_pescape_entity(p, s, 0);
}

/* One row: JSON object or HTML table row from name/value pairs; values
 * starting with '\x01' are numbers (JSON unquoted). */
static void row(doc_t *d, int n, const char *const *kv)
{
    int i;
    if (d->json) {
        put(d, d->first ? "{" : ",{");
        d->first = 0;
        for (i = 0; i < n; i++) {
            const char *v = kv[2 * i + 1];
            put(d, apr_psprintf(d->p, "%s\"%s\":%s", i ? "," : "",
                                kv[2 * i], v[0] == '\x01'
                                ? v + 1 : json_str(d->p, v)));
        }
        put(d, "}");
        return;
    }
    put(d, "<tr>");
    for (i = 0; i < n; i++) {
        const char *v = kv[2 * i + 1];
        put(d, apr_pstrcat(d->p, "<td>", html(d->p, v[0] == '\x01' ? v + 1
                                                                  : v),
                           "</td>", NULL));
    }
    put(d, "</tr>\n");
}

static void section(doc_t *d, const char *name, const char *title,
                    int n, const char *const *heads)
{
    int i;
    if (d->json) {
        put(d, apr_psprintf(d->p, ",\"%s\":[", name));
        d->first = 1;
        return;
    }
    put(d, apr_psprintf(d->p, "<h2>%s</h2>\n<table border=\"1\"><tr>",
                        title));
    for (i = 0; i < n; i++) {
        put(d, apr_pstrcat(d->p, "<th>", heads[i], "</th>", NULL));
    }
    put(d, "</tr>\n");
}

static void end_section(doc_t *d)
{
    put(d, d->json ? "]" : "</table>\n");
}

#define NUM(p, fmt, v) apr_psprintf(p, "\x01" fmt, v)

static void workers(doc_t *d, pm_t *pm, apr_time_t now)
{
    static const char *const heads[] = {
        "slot", "pid", "class", "state", "requests", "limit",
        "limit from", "age (s)", "idle (s)"
    };
    apr_uint32_t i;
    section(d, "workers", "Workers", 9, heads);
    for (i = 0; i < pm->nslots; i++) {
        pm_slot_t *s = pm->slots[i];
        apr_uint32_t src, limit;
        const char *kv[18];
        if (!s || s->state == SLOT_FREE) {
            continue;
        }
        limit = pm_class_limit(s->cls, &src);
        kv[0] = "slot";     kv[1] = NUM(d->p, "%u", s->id);
        kv[2] = "pid";      kv[3] = NUM(d->p, "%d", (int)s->proc.pid);
        kv[4] = "class";    kv[5] = s->cls->name;
        kv[6] = "state";    kv[7] = fcgp_pm_slot_state_name(s->state);
        kv[8] = "requests"; kv[9] = NUM(d->p, "%u", s->served);
        kv[10] = "limit";   kv[11] = NUM(d->p, "%u", limit);
        kv[12] = "limit_source";
        kv[13] = fcgp_limit_source_name(src);
        kv[14] = "age_s";   kv[15] = NUM(d->p, "%" APR_TIME_T_FMT,
                                      apr_time_sec(now - s->started));
        kv[16] = "idle_s";  kv[17] = NUM(d->p, "%" APR_TIME_T_FMT,
                                      s->state == SLOT_IDLE
                                      ? apr_time_sec(now - (s->last_used
                                                            ? s->last_used
                                                            : s->started))
                                      : 0);
        row(d, 9, kv);
    }
    end_section(d);
}

static void classes(doc_t *d, pm_t *pm)
{
    static const char *const heads[] = {
        "class", "processes", "waiting", "max", "min", "limit", "limit from"
    };
    apr_hash_index_t *hi;
    section(d, "classes", "Applications", 7, heads);
    for (hi = apr_hash_first(d->p, pm->classes); hi; hi = apr_hash_next(hi)) {
        pm_class_t *c = apr_hash_this_val(hi);
        apr_uint32_t src, limit = pm_class_limit(c, &src);
        const char *kv[14];
        kv[0] = "class";     kv[1] = c->name;
        kv[2] = "processes"; kv[3] = NUM(d->p, "%d", c->slots->nelts);
        kv[4] = "waiting";   kv[5] = NUM(d->p, "%u",
                                         fcgp_pm_class_waiting(pm, c));
        kv[6] = "max";       kv[7] = NUM(d->p, "%u", c->limits.max_procs);
        kv[8] = "min";       kv[9] = NUM(d->p, "%u", c->limits.min_procs);
        kv[10] = "limit";    kv[11] = NUM(d->p, "%u", limit);
        kv[12] = "limit_source";
        kv[13] = fcgp_limit_source_name(src);
        row(d, 7, kv);
    }
    end_section(d);
}

static void exits(doc_t *d, pm_t *pm)
{
    static const char *const heads[] = {
        "time", "pid", "class", "exit", "requests", "up (s)", "why"
    };
    apr_uint32_t n = pm->nexits < PM_EXITS_KEPT ? pm->nexits : PM_EXITS_KEPT;
    apr_uint32_t i;
    section(d, "recent_exits", "Last exits (newest first)", 7, heads);
    for (i = 0; i < n; i++) {
        pm_exit_t *e = &pm->exits[(pm->nexits - 1 - i) % PM_EXITS_KEPT];
        char when[APR_RFC822_DATE_LEN];
        const char *kv[14];
        apr_rfc822_date(when, e->when);
        kv[0] = "time";     kv[1] = apr_pstrdup(d->p, when);
        kv[2] = "pid";      kv[3] = NUM(d->p, "%d", e->pid);
        kv[4] = "class";    kv[5] = e->cls;
        kv[6] = "exit";     kv[7] = e->how;
        kv[8] = "requests"; kv[9] = NUM(d->p, "%u", e->served);
        kv[10] = "up_s";    kv[11] = NUM(d->p, "%" APR_TIME_T_FMT,
                                      apr_time_sec(e->uptime));
        kv[12] = "reason";  kv[13] = e->reason;
        row(d, 7, kv);
    }
    end_section(d);
}

const char *fcgp_pm_slot_state_name(int state)
{
    static const char *const names[] = {
        "free", "idle", "busy", "busy (last request)", "stopping"
    };
    return state >= 0 && state < SLOT_NSTATES ? names[state] : "?";
}

/* Requests waiting for a worker of c in the table's line. */
apr_uint32_t fcgp_pm_class_waiting(pm_t *pm, const pm_class_t *c)
{
    return fcgp_table_sleepers(pm->table, c->tidx);
}

const char *fcgp_pm_status_doc(pm_t *pm, apr_pool_t *p, int format)
{
    doc_t d;
    apr_time_t now = apr_time_now();

    d.p = p;
    d.json = format == FCGP_STATUS_JSON;
    d.out = apr_array_make(p, 64, sizeof(const char *));
    d.first = 1;
    if (d.json) {
        put(&d, apr_psprintf(p, "{\"pm_pid\":%d,\"processes\":%u,"
                             "\"max_processes\":%u,\"exits_total\":%u,"
                             "\"draining\":%s", (int)getpid(), pm->nprocs,
                             pm->settings.max_procs, pm->nexits,
                             pm->draining ? "true" : "false"));
    }
    else {
        put(&d, apr_psprintf(p, "<p>Process manager pid %d: %u processes "
                             "(FcgiProcMaxProcesses %u), %u exits so far"
                             "%s.</p>\n", (int)getpid(), pm->nprocs,
                             pm->settings.max_procs, pm->nexits,
                             pm->draining ? "; draining" : ""));
    }
    classes(&d, pm);
    workers(&d, pm, now);
    exits(&d, pm);
    if (d.json) {
        put(&d, "}\n");
    }
    return apr_array_pstrcat(p, d.out, '\0');
}
