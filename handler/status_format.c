/* status_format.c: the status page as JSON or HTML, and mod_status's
 * section, from a snapshot of the process manager (see status_format.h).
 * Each row of the snapshot becomes a list of cells (JSON key, text, number
 * or not); one writer per format turns cells into output, so both formats
 * show the same values. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_escape.h>
#include <apr_hash.h>
#include <apr_tables.h>
#include "pm/pm_types.h"
#include "handler/status_format.h"

#define MAX_COLS 14

typedef struct {
    const char *key;            /* JSON */
    const char *head;           /* HTML column head */
} col_t;

typedef struct {
    const char *text;
    int num;                    /* a number: unquoted in JSON */
} cell_t;

/* Fills one row's cells (as many as the section has columns). */
typedef void (*cells_fn)(apr_pool_t *p, const void *row, cell_t *out);

typedef struct {
    apr_pool_t *p;
    int json;
    apr_array_header_t *out;    /* of const char * pieces */
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

static cell_t num(apr_pool_t *p, apr_uint64_t v)
{
    cell_t c;
    c.text = apr_psprintf(p, "%" APR_UINT64_T_FMT, v);
    c.num = 1;
    return c;
}

static cell_t secs(apr_pool_t *p, apr_interval_time_t t)
{
    cell_t c;
    c.text = apr_psprintf(p, "%" APR_TIME_T_FMT, apr_time_sec(t));
    c.num = 1;
    return c;
}

/* JSON's null (a value the row does not have). */
static cell_t none(void)
{
    cell_t c;
    c.text = "null";
    c.num = 1;
    return c;
}

static cell_t msecs(apr_pool_t *p, apr_interval_time_t t)
{
    cell_t c;
    c.text = apr_psprintf(p, "%" APR_TIME_T_FMT, apr_time_as_msec(t));
    c.num = 1;
    return c;
}

static cell_t text(const char *s)
{
    cell_t c;
    c.text = s ? s : "";
    c.num = 0;
    return c;
}

static cell_t source(apr_uint32_t src)
{
    return text(fcgp_limit_source_name((fcgp_limit_source_e)src));
}

static const char *state_name(const fcgp_status_worker_t *w)
{
    switch (w->state) {
    case FCGP_WORKER_IDLE:
        return "idle";
    case FCGP_WORKER_BUSY:
        return w->last_request ? "busy (last request)" : "busy";
    case FCGP_WORKER_STOPPING:
        return "stopping";
    default:
        return "?";
    }
}

static const col_t class_cols[] = {
    {"class", "class"}, {"processes", "processes"}, {"waiting", "waiting"},
    {"max", "max"}, {"min", "min"}, {"limit", "limit"},
    {"limit_source", "limit from"}, {"slow_requests", "slow requests"}
};

static void class_cells(apr_pool_t *p, const void *row, cell_t *c)
{
    const fcgp_status_class_t *k = row;
    c[0] = text(k->name);
    c[1] = num(p, k->processes);
    c[2] = num(p, k->waiting);
    c[3] = num(p, k->max_procs);
    c[4] = num(p, k->min_procs);
    c[5] = num(p, k->limit);
    c[6] = source(k->limit_source);
    c[7] = num(p, k->slow_requests);
}

static const col_t worker_cols[] = {
    {"slot", "slot"}, {"pid", "pid"}, {"class", "class"},
    {"state", "state"}, {"requests", "requests"}, {"limit", "limit"},
    {"limit_source", "limit from"}, {"age_s", "age (s)"},
    {"idle_s", "idle (s)"}, {"reason", "why stopping"},
    /* ?json&full only: */
    {"request_method", "method"}, {"request_uri", "URI"},
    {"request_ms", "running (ms)"}, {"last_request_ms", "last took (ms)"}
};
#define WORKER_BASE_COLS 10

/* A busy worker's current request, null for others. */
static int serving(const fcgp_status_worker_t *w)
{
    return w->state == FCGP_WORKER_BUSY && w->method && *w->method;
}

static void worker_cells(apr_pool_t *p, const void *row, cell_t *c)
{
    const fcgp_status_worker_t *w = row;
    c[0] = num(p, w->slot);
    c[1] = num(p, w->pid);
    c[2] = text(w->cls);
    c[3] = text(state_name(w));
    c[4] = num(p, w->requests);
    c[5] = num(p, w->limit);
    c[6] = source(w->limit_source);
    c[7] = secs(p, w->age);
    c[8] = secs(p, w->idle);
    c[9] = text(w->state == FCGP_WORKER_STOPPING ? w->reason : "");
    c[10] = serving(w) ? text(w->method) : none();
    c[11] = serving(w) ? text(w->uri) : none();
    c[12] = serving(w) ? msecs(p, w->running) : none();
    c[13] = w->last_took ? msecs(p, w->last_took) : none();
}

static const col_t exit_cols[] = {
    {"time", "time"}, {"pid", "pid"}, {"class", "class"}, {"exit", "exit"},
    {"requests", "requests"}, {"up_s", "up (s)"}, {"reason", "why"}
};

static void exit_cells(apr_pool_t *p, const void *row, cell_t *c)
{
    const fcgp_status_exit_t *e = row;
    char *when = apr_palloc(p, APR_RFC822_DATE_LEN);
    apr_rfc822_date(when, e->when);
    c[0] = text(when);
    c[1] = num(p, e->pid);
    c[2] = text(e->cls);
    c[3] = text(e->how);
    c[4] = num(p, e->requests);
    c[5] = secs(p, e->uptime);
    c[6] = text(e->reason);
}

static void json_row(doc_t *d, int first, int ncols, const col_t *cols,
                     const cell_t *c)
{
    int i;
    put(d, first ? "{" : ",{");
    for (i = 0; i < ncols; i++) {
        put(d, apr_psprintf(d->p, "%s\"%s\":%s", i ? "," : "", cols[i].key,
                            c[i].num ? c[i].text : json_str(d->p, c[i].text)));
    }
    put(d, "}");
}

static void html_row(doc_t *d, int ncols, const cell_t *c)
{
    int i;
    put(d, "<tr>");
    for (i = 0; i < ncols; i++) {
        put(d, apr_pstrcat(d->p, "<td>",
                           apr_pescape_entity(d->p, c[i].text, 0), "</td>",
                           NULL));
    }
    put(d, "</tr>\n");
}

#define N_COLS(cols) (sizeof(cols) / sizeof((cols)[0]))
_Static_assert(N_COLS(class_cols) <= MAX_COLS
               && N_COLS(worker_cols) <= MAX_COLS
               && N_COLS(exit_cols) <= MAX_COLS, "MAX_COLS too small");

/* One section: a JSON array named `name`, or an HTML table titled
 * `title`, of n rows of `size` bytes each from rows. */
static void section(doc_t *d, const char *name, const char *title,
                    int ncols, const col_t *cols, cells_fn cells,
                    const void *rows, apr_size_t size, apr_uint32_t n)
{
    cell_t c[MAX_COLS];
    apr_uint32_t r;
    int i;

    if (d->json) {
        put(d, apr_psprintf(d->p, ",\"%s\":[", name));
    }
    else {
        put(d, apr_psprintf(d->p, "<h2>%s</h2>\n<table border=\"1\"><tr>",
                            title));
        for (i = 0; i < ncols; i++) {
            put(d, apr_pstrcat(d->p, "<th>", cols[i].head, "</th>", NULL));
        }
        put(d, "</tr>\n");
    }
    for (r = 0; r < n; r++) {
        cells(d->p, (const char *)rows + r * size, c);
        if (d->json) {
            json_row(d, r == 0, ncols, cols, c);
        }
        else {
            html_row(d, ncols, c);
        }
    }
    put(d, d->json ? "]" : "</table>\n");
}

#define SECTION(d, name, title, cols, fn, rows, n)                        \
    section(d, name, title, (int)N_COLS(cols), cols, fn, rows,            \
            sizeof(*(rows)), n)

static const char *document(apr_pool_t *p, const fcgp_status_t *st,
                            int json, int full)
{
    doc_t d;
    d.p = p;
    d.json = json;
    d.out = apr_array_make(p, 64, sizeof(const char *));
    if (json) {
        put(&d, apr_psprintf(p, "{\"pm_pid\":%u,\"processes\":%u,"
                             "\"max_processes\":%u,\"exits_total\":%u,"
                             "\"draining\":%s", st->pm_pid, st->processes,
                             st->max_processes, st->exits_total,
                             st->draining ? "true" : "false"));
    }
    else {
        put(&d, apr_psprintf(p, "<p>Process manager pid %u: %u processes "
                             "(FcgiProcMaxProcesses %u), %u exits so far"
                             "%s.</p>\n", st->pm_pid, st->processes,
                             st->max_processes, st->exits_total,
                             st->draining ? "; draining" : ""));
    }
    SECTION(&d, "classes", "Applications", class_cols, class_cells,
            st->classes, st->nclasses);
    section(&d, "workers", "Workers", full ? (int)N_COLS(worker_cols)
                                           : WORKER_BASE_COLS,
            worker_cols, worker_cells, st->workers, sizeof(*st->workers),
            st->nworkers);
    SECTION(&d, "recent_exits", "Last exits (newest first)", exit_cols,
            exit_cells, st->exits, st->nexits);
    if (json) {
        put(&d, "}\n");
    }
    return apr_array_pstrcat(p, d.out, '\0');
}

const char *fcgp_status_json(apr_pool_t *p, const fcgp_status_t *st)
{
    return document(p, st, 1, 0);
}

const char *fcgp_status_json_full(apr_pool_t *p, const fcgp_status_t *st)
{
    return document(p, st, 1, 1);
}

const char *fcgp_status_html(apr_pool_t *p, const fcgp_status_t *st)
{
    return document(p, st, 0, 0);
}

/* ---- mod_status's section (/server-status) ------------------------------
 * The same snapshot, grouped by class: every process of a class in one
 * table (ExtendedStatus On), or one line of totals (Off), or mod_status's
 * "Key: value" lines (?auto). */

typedef struct {
    apr_uint32_t processes, busy, idle, stopping;
    apr_uint64_t requests;      /* served by the processes alive now */
    apr_uint64_t waiting;       /* requests in the classes' lines */
} totals_t;

/* The processes of one class name (command line and virtual host) and
 * the classes of that name: one, or more when the environments differ
 * (none when the snapshot does not list it: not expected, but its
 * processes are shown all the same). */
typedef struct {
    const char *name;
    apr_array_header_t *classes;    /* const fcgp_status_class_t * */
    apr_array_header_t *workers;    /* const fcgp_status_worker_t * */
} group_t;

static totals_t totals(const fcgp_status_t *st)
{
    totals_t t;
    apr_uint32_t i;
    memset(&t, 0, sizeof(t));
    for (i = 0; i < st->nworkers; i++) {
        const fcgp_status_worker_t *w = &st->workers[i];
        t.processes++;
        t.requests += w->requests;
        if (w->state == FCGP_WORKER_BUSY) {
            t.busy++;
        }
        else if (w->state == FCGP_WORKER_STOPPING) {
            t.stopping++;
        }
        else {
            t.idle++;
        }
    }
    for (i = 0; i < st->nclasses; i++) {
        t.waiting += st->classes[i].waiting;
    }
    return t;
}

static int group_cmp(const void *a, const void *b)
{
    return strcmp((*(group_t *const *)a)->name, (*(group_t *const *)b)->name);
}

static group_t *group_new(apr_pool_t *p, apr_hash_t *by_name,
                          apr_array_header_t *all, const char *name)
{
    group_t *g = apr_pcalloc(p, sizeof(*g));
    g->name = name ? name : "";
    g->classes = apr_array_make(p, 1, sizeof(const fcgp_status_class_t *));
    g->workers = apr_array_make(p, 4, sizeof(const fcgp_status_worker_t *));
    apr_hash_set(by_name, g->name, APR_HASH_KEY_STRING, g);
    APR_ARRAY_PUSH(all, group_t *) = g;
    return g;
}

/* The classes, sorted by name, each with its processes in slot order. */
static apr_array_header_t *groups(apr_pool_t *p, const fcgp_status_t *st)
{
    apr_hash_t *by_name = apr_hash_make(p);
    apr_array_header_t *all = apr_array_make(p, (int)st->nclasses + 1,
                                             sizeof(group_t *));
    apr_uint32_t i;

    for (i = 0; i < st->nclasses; i++) {
        const fcgp_status_class_t *c = &st->classes[i];
        group_t *g = apr_hash_get(by_name, c->name ? c->name : "",
                                  APR_HASH_KEY_STRING);
        if (!g) {
            g = group_new(p, by_name, all, c->name);
        }
        APR_ARRAY_PUSH(g->classes, const fcgp_status_class_t *) = c;
    }
    for (i = 0; i < st->nworkers; i++) {
        const fcgp_status_worker_t *w = &st->workers[i];
        group_t *g = apr_hash_get(by_name, w->cls ? w->cls : "",
                                  APR_HASH_KEY_STRING);
        if (!g) {
            g = group_new(p, by_name, all, w->cls);
        }
        APR_ARRAY_PUSH(g->workers, const fcgp_status_worker_t *) = w;
    }
    qsort(all->elts, (size_t)all->nelts, sizeof(group_t *), group_cmp);
    return all;
}

static const char *esc(apr_pool_t *p, const char *s)
{
    return apr_pescape_entity(p, s ? s : "", 0);
}

static const char *limit_text(apr_pool_t *p, apr_uint32_t limit)
{
    return limit ? apr_psprintf(p, "%u", limit) : "none";
}

/* A process's state, with why it stops when it does. */
static const char *section_state(apr_pool_t *p, const fcgp_status_worker_t *w)
{
    if (w->state == FCGP_WORKER_STOPPING && w->reason && *w->reason) {
        return apr_pstrcat(p, "stopping (", w->reason, ")", NULL);
    }
    return state_name(w);
}

static const char *s_if(apr_uint64_t n)
{
    return n == 1 ? "" : "s";
}

static void section_short(doc_t *d, const fcgp_status_t *st)
{
    totals_t t = totals(st);
    put(d, apr_psprintf(d->p,
                        "FcgiProcManagerUp: 1\n"
                        "FcgiProcProcesses: %u\n"
                        "FcgiProcBusy: %u\n"
                        "FcgiProcIdle: %u\n"
                        "FcgiProcStopping: %u\n"
                        "FcgiProcClasses: %u\n"
                        "FcgiProcWaiting: %" APR_UINT64_T_FMT "\n"
                        "FcgiProcRequests: %" APR_UINT64_T_FMT "\n"
                        "FcgiProcExits: %u\n"
                        "FcgiProcMaxProcesses: %u\n"
                        "FcgiProcDraining: %u\n",
                        t.processes, t.busy, t.idle, t.stopping,
                        st->nclasses, t.waiting, t.requests,
                        st->exits_total, st->max_processes, st->draining));
}

/* "N (B busy, I idle, S stopping) in C classes, W requests waiting" */
static const char *totals_line(apr_pool_t *p, const totals_t *t,
                               apr_uint32_t nclasses)
{
    return apr_psprintf(p, "%u (%u busy, %u idle, %u stopping) in %u "
                        "class%s, %" APR_UINT64_T_FMT " request%s waiting",
                        t->processes, t->busy, t->idle, t->stopping,
                        nclasses, nclasses == 1 ? "" : "es", t->waiting,
                        s_if(t->waiting));
}

/* One process: pid, state, requests, limit, age, idle (as text). */
#define PROC_COLS 6
static const char *const proc_heads[PROC_COLS] = {
    "Pid", "State", "Requests", "Limit", "Age (s)", "Idle (s)"
};

static void proc_cells(apr_pool_t *p, const fcgp_status_worker_t *w,
                       const char **c)
{
    c[0] = apr_psprintf(p, "%u", w->pid);
    c[1] = esc(p, section_state(p, w));
    c[2] = apr_psprintf(p, "%u", w->requests);
    c[3] = limit_text(p, w->limit);
    c[4] = apr_psprintf(p, "%" APR_TIME_T_FMT, apr_time_sec(w->age));
    c[5] = w->state == FCGP_WORKER_IDLE
           ? apr_psprintf(p, "%" APR_TIME_T_FMT, apr_time_sec(w->idle))
           : "-";
}

static void section_group(doc_t *d, const group_t *g, int notable)
{
    const char *cells[PROC_COLS];
    int i, k;

    put(d, apr_pstrcat(d->p, "<h2>", esc(d->p, g->name), "</h2>\n", NULL));
    for (i = 0; i < g->classes->nelts; i++) {
        const fcgp_status_class_t *c =
            APR_ARRAY_IDX(g->classes, i, const fcgp_status_class_t *);
        put(d, apr_psprintf(d->p, "<p>%u process%s "
                            "(FcgiProcMaxProcessesPerClass %u, "
                            "FcgiProcMinProcessesPerClass %u), %u request%s "
                            "waiting; request limit %s (%s).</p>\n",
                            c->processes, c->processes == 1 ? "" : "es",
                            c->max_procs, c->min_procs, c->waiting,
                            s_if(c->waiting), limit_text(d->p, c->limit),
                            esc(d->p, fcgp_limit_source_name(
                                (fcgp_limit_source_e)c->limit_source))));
    }
    if (g->workers->nelts == 0) {
        put(d, "<p>No process now.</p>\n");
        return;
    }
    if (notable) {
        put(d, "<ul>\n");
    }
    else {
        put(d, "<table border=\"0\"><tr>");
        for (k = 0; k < PROC_COLS; k++) {
            put(d, apr_pstrcat(d->p, "<th>", proc_heads[k], "</th>", NULL));
        }
        put(d, "</tr>\n");
    }
    for (i = 0; i < g->workers->nelts; i++) {
        proc_cells(d->p, APR_ARRAY_IDX(g->workers, i,
                                       const fcgp_status_worker_t *), cells);
        if (notable) {
            put(d, apr_psprintf(d->p, "<li>pid %s: %s, %s requests "
                                "(limit %s), age %s s, idle %s s</li>\n",
                                cells[0], cells[1], cells[2], cells[3],
                                cells[4], cells[5]));
            continue;
        }
        put(d, "<tr>");
        for (k = 0; k < PROC_COLS; k++) {
            put(d, apr_pstrcat(d->p, "<td>", cells[k], "</td>", NULL));
        }
        put(d, "</tr>\n");
    }
    put(d, notable ? "</ul>\n" : "</table>\n");
}

static void section_html(doc_t *d, const fcgp_status_t *st, int flags)
{
    totals_t t = totals(st);
    apr_array_header_t *gs;
    int i;

    if (!(flags & FCGP_SECTION_EXTENDED)) {
        put(d, apr_pstrcat(d->p, "<hr />\n<p>mod_fcgiproc: FastCGI "
                           "processes: ", totals_line(d->p, &t, st->nclasses),
                           ". <code>ExtendedStatus On</code> lists every "
                           "process.</p>\n", NULL));
        return;
    }
    put(d, apr_psprintf(d->p, "<hr />\n<h1>mod_fcgiproc status</h1>\n"
                        "<p>Total FastCGI processes: %s; FcgiProcMaxProcesses "
                        "%u. They have served %" APR_UINT64_T_FMT
                        " request%s; %u process%s exited since the process "
                        "manager (pid %u) started%s.</p>\n",
                        totals_line(d->p, &t, st->nclasses),
                        st->max_processes, t.requests, s_if(t.requests),
                        st->exits_total, st->exits_total == 1 ? "" : "es",
                        st->pm_pid, st->draining ? "; it is draining" : ""));
    gs = groups(d->p, st);
    for (i = 0; i < gs->nelts; i++) {
        section_group(d, APR_ARRAY_IDX(gs, i, group_t *),
                      flags & FCGP_SECTION_NOTABLE);
    }
    put(d, "<p><b>Requests</b>: served by the process, of at most "
           "<b>Limit</b> before it is replaced; <b>Age</b> and <b>Idle</b>: "
           "seconds since it started and since its last request.</p>\n");
}

const char *fcgp_status_section(apr_pool_t *p, const fcgp_status_t *st,
                                const char *errmsg, int flags)
{
    doc_t d;
    d.p = p;
    d.json = 0;
    d.out = apr_array_make(p, 64, sizeof(const char *));
    if (!st) {
        put(&d, (flags & FCGP_SECTION_SHORT)
                ? "FcgiProcManagerUp: 0\n"
                : apr_pstrcat(p, "<hr />\n<p>mod_fcgiproc: the process "
                              "manager cannot be reached (",
                              esc(p, errmsg ? errmsg : "no answer"),
                              ").</p>\n", NULL));
    }
    else if (flags & FCGP_SECTION_SHORT) {
        section_short(&d, st);
    }
    else {
        section_html(&d, st, flags);
    }
    return apr_array_pstrcat(p, d.out, '\0');
}
