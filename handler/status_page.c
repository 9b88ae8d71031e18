/* status_page.c: the HTML status page (see status_page.h).
 *
 * Read at a glance: a state is a colour and a symbol with its word (a
 * filled dot busy, a ring idle, a cross stopping), so it is found without
 * colours and without reading every cell; every worker row carries
 * data-state and a class st-<state> for scripts and tests.  Durations are
 * written for people (ms, s, min, h); the JSON (?json) keeps the numbers. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_escape.h>
#include <apr_tables.h>
#include "pm/pm_types.h"
#include "handler/status_page.h"
#include "handler/status_format.h"

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *out;    /* of const char * pieces */
} page_t;

static void put(page_t *g, const char *s)
{
    APR_ARRAY_PUSH(g->out, const char *) = s;
}

static void putf(page_t *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void putf(page_t *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put(g, apr_pvsprintf(g->p, fmt, ap));
    va_end(ap);
}

static const char *esc(apr_pool_t *p, const char *s)
{
    return apr_pescape_entity(p, s ? s : "", 0);
}

/* A duration for people: 0.4 ms, 850 ms, 12.3 s, 4 min 05 s, 2 h 07 min,
 * 3 d 4 h. */
static const char *human(apr_pool_t *p, apr_interval_time_t t)
{
    apr_int64_t s;
    if (t < 0) {
        t = 0;
    }
    s = apr_time_sec(t);
    if (t < 10000) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT ".%" APR_INT64_T_FMT
                            " ms", (apr_int64_t)t / 1000,
                            (apr_int64_t)t / 100 % 10);
    }
    if (t < APR_USEC_PER_SEC) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT " ms",
                            (apr_int64_t)apr_time_as_msec(t));
    }
    if (s < 60) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT ".%" APR_INT64_T_FMT
                            " s", s, (apr_int64_t)(t / 100000) % 10);
    }
    if (s < 3600) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT " min %02" APR_INT64_T_FMT
                            " s", s / 60, s % 60);
    }
    if (s < 86400) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT " h %02" APR_INT64_T_FMT
                            " min", s / 3600, s % 3600 / 60);
    }
    return apr_psprintf(p, "%" APR_INT64_T_FMT " d %" APR_INT64_T_FMT " h",
                        s / 86400, s % 86400 / 3600);
}

/* ---- states ------------------------------------------------------------ */

typedef struct {
    const char *key;            /* data-state, class st-<key> */
    const char *mark;           /* the shape */
    const char *word;
} state_look_t;

static const state_look_t looks[] = {
    {"idle", "\xe2\x97\x8b", "idle"},                   /* ○ */
    {"busy", "\xe2\x97\x8f", "busy"},                   /* ● */
    {"last", "\xe2\x97\x91", "busy, last request"},     /* ◑ */
    {"stopping", "\xe2\x9c\x95", "stopping"},           /* ✕ */
    {"unknown", "?", "unknown"}
};

static const state_look_t *look(const fcgp_status_worker_t *w)
{
    switch (w->state) {
    case FCGP_WORKER_IDLE:
        return &looks[0];
    case FCGP_WORKER_BUSY:
        return &looks[w->last_request ? 2 : 1];
    case FCGP_WORKER_STOPPING:
        return &looks[3];
    default:
        return &looks[4];
    }
}

static const char *badge(apr_pool_t *p, const state_look_t *l)
{
    return apr_psprintf(p, "<span class=\"st st-%s\">%s %s</span>", l->key,
                        l->mark, l->word);
}

/* Rows in a stable order, so that a page that reloads itself does not
 * shuffle: classes by name, workers by class and slot. */
static int str_cmp(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int class_cmp(const void *a, const void *b)
{
    return str_cmp((*(const fcgp_status_class_t *const *)a)->name,
                   (*(const fcgp_status_class_t *const *)b)->name);
}

static int worker_cmp(const void *a, const void *b)
{
    const fcgp_status_worker_t *x = *(const fcgp_status_worker_t *const *)a;
    const fcgp_status_worker_t *y = *(const fcgp_status_worker_t *const *)b;
    int c = str_cmp(x->cls, y->cls);
    return c ? c : (x->slot > y->slot) - (x->slot < y->slot);
}

static const void **sorted(apr_pool_t *p, const void *rows, apr_size_t size,
                           apr_uint32_t n,
                           int (*cmp)(const void *, const void *))
{
    const void **v = apr_palloc(p, sizeof(*v) * (n + 1));
    apr_uint32_t i;
    for (i = 0; i < n; i++) {
        v[i] = (const char *)rows + i * size;
    }
    qsort(v, n, sizeof(*v), cmp);
    return v;
}

/* An exit that says something went wrong: the worker died unexpectedly,
 * or was retired after a broken request or a missed deadline (the PM's
 * reasons: pm_reap.c, fcgp_policy_retire).  Retired at a limit, idle,
 * old, at a restart, or exited by itself (an app's own request limit):
 * planned. */
static int exit_trouble(const char *reason)
{
    return !reason || strstr(reason, "unexpected")
           || strstr(reason, "broken") || strstr(reason, "deadline");
}

/* ---- the page ---------------------------------------------------------- */

static const char style[] =
    "<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222;"
    "background:#fff}\n"
    "h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 "
    ".3em}\n"
    "table{border-collapse:collapse}\n"
    "th,td{border:1px solid #bbb;padding:3px 8px;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#eee}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.cmd{max-width:28em;overflow-wrap:anywhere}"
    "code{overflow-wrap:anywhere}\n"
    ".st{display:inline-block;min-width:7.5em;padding:0 6px;"
    "border-radius:3px;font-weight:600;white-space:nowrap}\n"
    ".st-idle{background:#e6f4e6;color:#185c18;border:1px solid #185c18}\n"
    ".st-busy{background:#1d5bbf;color:#fff;border:1px solid #1d5bbf}\n"
    ".st-last{background:#1d5bbf;color:#fff;border:1px dashed #000}\n"
    ".st-stopping{background:#a8001c;color:#fff;border:1px solid #a8001c}\n"
    ".st-unknown{background:#777;color:#fff}\n"
    "tr.w-busy td,tr.w-last td{background:#eef3fc}"
    "tr.w-stopping td{background:#fcecee}\n"
    "tr.trouble td{background:#fcecee}"
    ".warn{color:#a8001c;font-weight:600}\n"
    ".bar{display:inline-block;width:10em;height:.8em;border:1px solid #777;"
    "vertical-align:middle;margin-right:.5em;background:#fff;"
    "overflow:hidden}\n"
    ".bar span{display:block;height:100%;float:left}"
    ".bar .b{background:#1d5bbf}.bar .i{background:#7cc47c}"
    ".bar .s{background:#a8001c}\n"
    ".banner{background:#fff3cd;border:1px solid #c90;padding:.4em .8em}\n"
    ".legend .st{min-width:0;margin-right:.5em}"
    ".muted{color:#666}\n"
    "</style>\n";

/* Counts of one class name's processes. */
typedef struct {
    apr_uint32_t busy, idle, stopping;
} load_t;

static load_t load_of(const fcgp_status_t *st, const char *name)
{
    load_t l;
    apr_uint32_t i;
    memset(&l, 0, sizeof(l));
    for (i = 0; i < st->nworkers; i++) {
        const fcgp_status_worker_t *w = &st->workers[i];
        if (strcmp(w->cls ? w->cls : "", name ? name : "") != 0) {
            continue;
        }
        if (w->state == FCGP_WORKER_BUSY) {
            l.busy++;
        }
        else if (w->state == FCGP_WORKER_STOPPING) {
            l.stopping++;
        }
        else {
            l.idle++;
        }
    }
    return l;
}

/* Width in percent of n out of max, for the load bar. */
static unsigned pct(apr_uint32_t n, apr_uint32_t max)
{
    apr_uint64_t v = max ? (apr_uint64_t)n * 100 / max : 0;
    return (unsigned)(v > 100 ? 100 : v);
}

static void summary(page_t *g, const fcgp_status_t *st, int refresh)
{
    apr_uint32_t i, busy = 0, idle = 0, stopping = 0, unexpected = 0;
    apr_uint64_t waiting = 0, slow = 0, failed = 0;
    unsigned k;

    for (i = 0; i < st->nworkers; i++) {
        apr_uint32_t s = st->workers[i].state;
        busy += s == FCGP_WORKER_BUSY;
        stopping += s == FCGP_WORKER_STOPPING;
        idle += s != FCGP_WORKER_BUSY && s != FCGP_WORKER_STOPPING;
    }
    for (i = 0; i < st->nclasses; i++) {
        waiting += st->classes[i].waiting;
        slow += st->classes[i].slow_requests;
    }
    for (i = 0; i < st->nexits; i++) {
        unexpected += exit_trouble(st->exits[i].reason);
    }
    for (i = 0; i < st->nmetrics; i++) {
        for (k = 0; k < FCGP_CNT_NFAILS; k++) {
            failed += st->metrics[i].v[FCGP_CNT_FAIL + k];
        }
    }
    if (st->draining) {
        put(g, "<p class=\"banner\" id=\"draining\">\xe2\x9a\xa0 This process "
               "manager is draining (graceful restart or stop): it takes no "
               "new requests; its workers finish theirs.</p>\n");
    }
    putf(g, "<p id=\"summary\">Process manager pid %u: <b>%u</b> "
         "process%s of FcgiProcMaxProcesses %u (%u busy, %u idle, %u "
         "stopping); ", st->pm_pid, st->processes,
         st->processes == 1 ? "" : "es", st->max_processes, busy, idle,
         stopping);
    putf(g, "<span%s>%" APR_UINT64_T_FMT " request%s waiting</span>; ",
         waiting ? " class=\"warn\"" : "", waiting, waiting == 1 ? "" : "s");
    putf(g, "%" APR_UINT64_T_FMT " slow request%s; ", slow,
         slow == 1 ? "" : "s");
    if (failed) {
        putf(g, "<span class=\"warn\">%" APR_UINT64_T_FMT " failed "
             "request%s</span> (<a href=\"#counters\">counters</a>); ",
             failed, failed == 1 ? "" : "s");
    }
    putf(g, "%u exit%s so far", st->exits_total,
         st->exits_total == 1 ? "" : "s");
    if (unexpected) {
        putf(g, ", <span class=\"warn\">%u of the last %u after "
             "trouble (died, broken request, missed deadline)</span>",
             unexpected, st->nexits);
    }
    put(g, ".</p>\n<p class=\"legend\">States: ");
    for (i = 0; i < 4; i++) {
        put(g, badge(g->p, &looks[i]));
    }
    if (refresh > 0) {
        putf(g, "&nbsp; This page reloads every %d s (<a href=\"?\">stop"
             "</a>).</p>\n", refresh);
    }
    else {
        put(g, "&nbsp; Reload every <a href=\"?refresh=2\">2 s</a>, "
               "<a href=\"?refresh=10\">10 s</a>, "
               "<a href=\"?refresh=60\">60 s</a>.</p>\n");
    }
}

static void classes(page_t *g, const fcgp_status_t *st)
{
    const void **rows;
    apr_uint32_t i;

    put(g, "<h2>Applications</h2>\n");
    if (!st->nclasses) {
        put(g, "<p class=\"muted\">None yet: an application class appears "
               "with its first request.</p>\n");
        return;
    }
    put(g, "<table id=\"classes\"><tr><th>Application</th><th>Load "
           "(busy, idle, stopping of its maximum)</th><th>Waiting</th>"
           "<th>Min</th><th>Request limit</th><th>Slow requests</th></tr>\n");
    rows = sorted(g->p, st->classes, sizeof(*st->classes), st->nclasses,
                  class_cmp);
    for (i = 0; i < st->nclasses; i++) {
        const fcgp_status_class_t *c = rows[i];
        load_t l = load_of(st, c->name);
        int full = c->max_procs && c->processes >= c->max_procs;
        putf(g, "<tr class=\"c%s\" data-waiting=\"%u\">"
             "<td class=\"cmd\">%s</td>",
             c->waiting || full ? " trouble" : "", c->waiting,
             esc(g->p, c->name));
        putf(g, "<td><span class=\"bar\" aria-hidden=\"true\">"
             "<span class=\"b\" style=\"width:%u%%\"></span>"
             "<span class=\"i\" style=\"width:%u%%\"></span>"
             "<span class=\"s\" style=\"width:%u%%\"></span></span>"
             "%u busy, %u idle, %u stopping of %u%s</td>",
             pct(l.busy, c->max_procs), pct(l.idle, c->max_procs),
             pct(l.stopping, c->max_procs), l.busy, l.idle, l.stopping,
             c->max_procs, full ? " <span class=\"warn\">\xe2\x9a\xa0 at "
                                  "FcgiProcMaxProcessesPerClass</span>" : "");
        putf(g, "<td class=\"n\">%s%u</td><td class=\"n\">%u</td>",
             c->waiting ? "<span class=\"warn\">\xe2\x9a\xa0</span> " : "",
             c->waiting, c->min_procs);
        putf(g, "<td>%s (%s)</td><td class=\"n%s\">%" APR_UINT64_T_FMT
             "</td></tr>\n",
             c->limit ? apr_psprintf(g->p, "%u", c->limit) : "none",
             esc(g->p, fcgp_limit_source_name(
                 (fcgp_limit_source_e)c->limit_source)),
             c->slow_requests ? " warn" : "", c->slow_requests);
    }
    put(g, "</table>\n");
}

static void workers(page_t *g, const fcgp_status_t *st)
{
    const void **rows;
    apr_uint32_t i;

    put(g, "<h2>Workers</h2>\n");
    if (!st->nworkers) {
        put(g, "<p class=\"muted\">No worker process now.</p>\n");
        return;
    }
    put(g, "<table id=\"workers\"><tr><th>State</th><th>Pid</th>"
           "<th>Application</th><th>Requests</th><th>Age</th><th>Idle</th>"
           "<th>Current request</th><th>Running</th><th>Last took</th>"
           "<th>Why stopping</th></tr>\n");
    rows = sorted(g->p, st->workers, sizeof(*st->workers), st->nworkers,
                  worker_cmp);
    for (i = 0; i < st->nworkers; i++) {
        const fcgp_status_worker_t *w = rows[i];
        const state_look_t *l = look(w);
        int req = w->state == FCGP_WORKER_BUSY && w->method && *w->method;

        /* php-cgi's parent mode: the pid is the child that serves; its
         * parent and the children before it follow. */
        putf(g, "<tr class=\"w w-%s\" data-state=\"%s\" data-pid=\"%u\">"
             "<td>%s</td><td class=\"n\">%u%s</td><td class=\"cmd\">%s</td>",
             l->key, l->key, w->pid, badge(g->p, l), w->pid,
             w->parent_pid ? apr_psprintf(g->p, "<br><span class=\"muted\">"
                                          "parent %u, %u before</span>",
                                          w->parent_pid, w->renewals) : "",
             esc(g->p, w->cls));
        putf(g, "<td class=\"n\">%u%s</td><td class=\"n\">%s</td>"
             "<td class=\"n\">%s</td>", w->requests,
             w->limit ? apr_psprintf(g->p, " of %u", w->limit) : "",
             human(g->p, w->age),
             w->state == FCGP_WORKER_IDLE ? human(g->p, w->idle) : "-");
        if (req) {
            putf(g, "<td class=\"req\"><code>%s %s</code></td>"
                 "<td class=\"n\">%s</td>", esc(g->p, w->method),
                 esc(g->p, w->uri), human(g->p, w->running));
        }
        else {
            put(g, "<td class=\"req\"></td><td class=\"n\">-</td>");
        }
        putf(g, "<td class=\"n\">%s</td><td>%s</td></tr>\n",
             w->last_took ? human(g->p, w->last_took) : "-",
             w->state == FCGP_WORKER_STOPPING ? esc(g->p, w->reason) : "");
    }
    put(g, "</table>\n");
}

static void exits(page_t *g, const fcgp_status_t *st, apr_time_t now)
{
    apr_uint32_t i;

    put(g, "<h2>Last exits (newest first)</h2>\n");
    if (!st->nexits) {
        put(g, "<p class=\"muted\">No worker has exited since this process "
               "manager started.</p>\n");
        return;
    }
    put(g, "<table id=\"exits\"><tr><th>When</th><th>Pid</th>"
           "<th>Application</th><th>Why</th><th>Exit</th><th>Requests</th>"
           "<th>Up</th></tr>\n");
    for (i = 0; i < st->nexits; i++) {
        const fcgp_status_exit_t *e = &st->exits[i];
        int trouble = exit_trouble(e->reason);
        apr_time_exp_t t;
        apr_time_exp_gmt(&t, e->when);
        putf(g, "<tr class=\"x%s\"><td class=\"n\">%s ago (%04d-%02d-%02d "
             "%02d:%02d:%02d GMT)</td><td class=\"n\">%u</td>"
             "<td class=\"cmd\">%s</td>",
             trouble ? " trouble" : "",
             human(g->p, now > e->when ? now - e->when : 0),
             t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min,
             t.tm_sec, e->pid, esc(g->p, e->cls));
        putf(g, "<td>%s%s</td><td>%s</td><td class=\"n\">%u</td>"
             "<td class=\"n\">%s</td></tr>\n",
             trouble ? "<span class=\"warn\">\xe2\x9a\xa0</span> " : "",
             esc(g->p, e->reason), esc(g->p, e->how), e->requests,
             human(g->p, e->uptime));
    }
    put(g, "</table>\n");
}

const char *fcgp_status_page(apr_pool_t *p, const fcgp_status_t *st,
                             int refresh, apr_time_t now)
{
    page_t g;
    g.p = p;
    g.out = apr_array_make(p, 256, sizeof(const char *));
    if (refresh > FCGP_STATUS_REFRESH_MAX) {
        refresh = FCGP_STATUS_REFRESH_MAX;
    }
    put(&g, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "\n<title>mod_fcgiproc status</title>\n");
    if (refresh > 0) {
        putf(&g, "<meta http-equiv=\"refresh\" content=\"%d\">\n", refresh);
    }
    put(&g, style);
    put(&g, "</head><body>\n<h1>mod_fcgiproc status</h1>\n");
    summary(&g, st, refresh);
    classes(&g, st);
    workers(&g, st);
    exits(&g, st, now);
    put(&g, fcgp_status_counters_html(p, st));
    put(&g, "<p class=\"muted\"><a href=\"?json\">JSON</a> &middot; "
            "<a href=\"?json&amp;full\">JSON with the current requests</a>"
            " &middot; <a href=\"?metrics\">Prometheus</a></p>\n"
            "</body></html>\n");
    return apr_array_pstrcat(p, g.out, '\0');
}
