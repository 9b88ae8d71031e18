/* status_format.c: the status page as JSON, its counters as Prometheus's
 * text and as an HTML table (for status_page.c), and mod_status's section,
 * from a snapshot of the process manager (see status_format.h).  Each row
 * of the snapshot becomes a list of cells (JSON key, text, number or not)
 * that the JSON writer turns into objects.  (The HTML page is
 * status_page.c's.) */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_escape.h>
#include <apr_hash.h>
#include <apr_tables.h>
#include "pm/pm_types.h"
#include "handler/status_format.h"

#define MAX_COLS 16

typedef struct {
    const char *key;            /* JSON */
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
        return w->last_request == 2 ? "busy (last request: program replaced)"
               : w->last_request ? "busy (last request)" : "busy";
    case FCGP_WORKER_STOPPING:
        return "stopping";
    default:
        return "?";
    }
}

static const col_t class_cols[] = {
    {"class"}, {"processes"}, {"waiting"}, {"max"}, {"min"}, {"limit"},
    {"limit_source"}, {"program_inode"}, {"program_mtime"}, {"replaced"},
    {"slow_requests"}
};

/* A time of day, or "" for none. */
static cell_t date(apr_pool_t *p, apr_time_t t)
{
    char *s;
    if (!t) {
        return text("");
    }
    s = apr_palloc(p, APR_RFC822_DATE_LEN);
    apr_rfc822_date(s, t);
    return text(s);
}

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
    c[7] = num(p, k->program_inode);
    c[8] = date(p, k->program_mtime);
    c[9] = date(p, k->replaced);
    c[10] = num(p, k->slow_requests);
}

static const col_t worker_cols[] = {
    {"slot"}, {"pid"}, {"class"}, {"state"}, {"requests"}, {"limit"},
    {"limit_source"}, {"age_s"}, {"idle_s"}, {"reason"},
    {"parent_pid"}, {"renewals"},
    /* ?json&full only: */
    {"request_method"}, {"request_uri"}, {"request_ms"}, {"last_request_ms"}
};
#define WORKER_BASE_COLS 12

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
    c[10] = num(p, w->parent_pid);
    c[11] = num(p, w->renewals);
    c[12] = serving(w) ? text(w->method) : none();
    c[13] = serving(w) ? text(w->uri) : none();
    c[14] = serving(w) ? msecs(p, w->running) : none();
    c[15] = w->last_took ? msecs(p, w->last_took) : none();
}

static const col_t exit_cols[] = {
    {"time"}, {"pid"}, {"class"}, {"exit"}, {"requests"}, {"up_s"},
    {"reason"}
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

#define N_COLS(cols) (sizeof(cols) / sizeof((cols)[0]))
_Static_assert(N_COLS(class_cols) <= MAX_COLS
               && N_COLS(worker_cols) <= MAX_COLS
               && N_COLS(exit_cols) <= MAX_COLS, "MAX_COLS too small");

/* One section: a JSON array named `name` of n rows of `size` bytes each
 * from rows. */
static void section(doc_t *d, const char *name, int ncols,
                    const col_t *cols, cells_fn cells, const void *rows,
                    apr_size_t size, apr_uint32_t n)
{
    cell_t c[MAX_COLS];
    apr_uint32_t r;

    put(d, apr_psprintf(d->p, ",\"%s\":[", name));
    for (r = 0; r < n; r++) {
        cells(d->p, (const char *)rows + r * size, c);
        json_row(d, r == 0, ncols, cols, c);
    }
    put(d, "]");
}

#define SECTION(d, name, cols, fn, rows, n)                               \
    section(d, name, (int)N_COLS(cols), cols, fn, rows, sizeof(*(rows)), n)

static void json_metrics(doc_t *d, const fcgp_status_t *st,
                         const fcgp_fmt_t *f);
static const fcgp_fmt_t *fmt_or_default(apr_pool_t *p, const fcgp_fmt_t *f);

static const char *document(apr_pool_t *p, const fcgp_status_t *st,
                            int full, const fcgp_fmt_t *f)
{
    doc_t d;
    d.p = p;
    d.json = 1;
    d.out = apr_array_make(p, 64, sizeof(const char *));
    put(&d, apr_psprintf(p, "{\"pm_pid\":%u,\"processes\":%u,"
                         "\"max_processes\":%u,\"exits_total\":%u,"
                         "\"draining\":%s", st->pm_pid, st->processes,
                         st->max_processes, st->exits_total,
                         st->draining ? "true" : "false"));
    SECTION(&d, "classes", class_cols, class_cells, st->classes,
            st->nclasses);
    section(&d, "workers", full ? (int)N_COLS(worker_cols)
                                : WORKER_BASE_COLS,
            worker_cols, worker_cells, st->workers, sizeof(*st->workers),
            st->nworkers);
    SECTION(&d, "recent_exits", exit_cols, exit_cells, st->exits,
            st->nexits);
    json_metrics(&d, st, fmt_or_default(p, f));
    put(&d, "}\n");
    return apr_array_pstrcat(p, d.out, '\0');
}

const char *fcgp_status_json(apr_pool_t *p, const fcgp_status_t *st,
                             const fcgp_fmt_t *f)
{
    return document(p, st, 0, f);
}

const char *fcgp_status_json_full(apr_pool_t *p, const fcgp_status_t *st,
                                  const fcgp_fmt_t *f)
{
    return document(p, st, 1, f);
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

/* ---- the counters: ?metrics, ?json, the page ---------------------------
 * From the snapshot's metrics rows (pm/status_data.h): row 0 counts the
 * requests of no known class; the others are classes (or "(other)"). */

static const fcgp_fmt_t *fmt_or_default(apr_pool_t *p, const fcgp_fmt_t *f)
{
    fcgp_fmt_t *d;
    if (f) {
        return f;
    }
    d = apr_pcalloc(p, sizeof(*d));
    d->now = apr_time_now();
    return d;
}

static const char *fail_label(apr_pool_t *p, const fcgp_fmt_t *f, unsigned k)
{
    unsigned i;
    for (i = 0; f->fail_names && f->fail_names[i]; i++) {
        if (i == k) {
            return f->fail_names[i];
        }
    }
    return apr_psprintf(p, "cause_%u", k);
}

/* Causes 1 .. (0 is "none"), as many as have names (or all slots). */
static unsigned nfails(const fcgp_fmt_t *f)
{
    unsigned n = 0;
    if (!f->fail_names) {
        return FCGP_CNT_NFAILS;
    }
    while (n < FCGP_CNT_NFAILS && f->fail_names[n]) {
        n++;
    }
    return n;
}

/* Seconds as Prometheus and JSON read them. */
static const char *seconds(apr_pool_t *p, apr_interval_time_t t)
{
    return apr_psprintf(p, "%" APR_TIME_T_FMT ".%06" APR_TIME_T_FMT,
                        t / APR_USEC_PER_SEC, t % APR_USEC_PER_SEC);
}

static apr_uint64_t total_of(const fcgp_status_metrics_t *m)
{
    return (apr_uint64_t)m->idle + m->active;
}

/* ---- Prometheus text format 0.0.4 ---- */

/* A label value: backslash, double quote and newline escaped. */
static const char *prom_esc(apr_pool_t *p, const char *s)
{
    apr_size_t n = 0;
    const char *i;
    char *out, *o;
    for (i = s ? s : ""; *i; i++) {
        n += (*i == '\\' || *i == '"' || *i == '\n') ? 2 : 1;
    }
    o = out = apr_palloc(p, n + 1);
    for (i = s ? s : ""; *i; i++) {
        if (*i == '\n') {
            *o++ = '\\';
            *o++ = 'n';
            continue;
        }
        if (*i == '\\' || *i == '"') {
            *o++ = '\\';
        }
        *o++ = *i;
    }
    *o = '\0';
    return out;
}

static void family(doc_t *d, const char *name, const char *type,
                   const char *help)
{
    put(d, apr_psprintf(d->p, "# HELP %s %s\n# TYPE %s %s\n", name, help,
                        name, type));
}

/* name{command="..",vhost=".."[,extra]} value */
static void sample(doc_t *d, const char *name, const char *labels,
                   const char *extra, const char *value)
{
    put(d, apr_pstrcat(d->p, name, "{", labels, extra ? "," : "",
                       extra ? extra : "", "} ", value, "\n", NULL));
}

static const char *u64s(apr_pool_t *p, apr_uint64_t v)
{
    return apr_psprintf(p, "%" APR_UINT64_T_FMT, v);
}

/* Which rows a family has: every row; the classes (not row 0); the
 * classes the answering PM runs (its gauges). */
enum { ROWS_ALL, ROWS_CLASSES, ROWS_KNOWN };

typedef struct {
    const char *name;
    const char *type;
    const char *help;
    int rows;
    int id;                     /* a counter id, or -1: value() */
    apr_uint64_t (*value)(const fcgp_status_metrics_t *m);
} fam_t;

static apr_uint64_t v_waiting(const fcgp_status_metrics_t *m)
{
    return m->waiting;
}
static apr_uint64_t v_idle(const fcgp_status_metrics_t *m)
{
    return m->idle;
}
static apr_uint64_t v_active(const fcgp_status_metrics_t *m)
{
    return m->active;
}
static apr_uint64_t v_leaving(const fcgp_status_metrics_t *m)
{
    return m->leaving;
}
static apr_uint64_t v_stopping(const fcgp_status_metrics_t *m)
{
    return m->stopping;
}
static apr_uint64_t v_max(const fcgp_status_metrics_t *m)
{
    return m->max_procs;
}
static apr_uint64_t v_limit(const fcgp_status_metrics_t *m)
{
    return m->limit;
}
static apr_uint64_t v_learned(const fcgp_status_metrics_t *m)
{
    return m->learned_limit;
}

/* The plain families, one sample per row, in the order they are
 * written; php-fpm's names are said where they mean the same. */
static const fam_t plain[] = {
    {"fcgiproc_accepted_connections_total", "counter",
     "Requests handed to a worker of the class (php-fpm: accepted conn).",
     ROWS_CLASSES, FCGP_CNT_ACCEPTED, NULL},
    {"fcgiproc_retries_total", "counter",
     "Requests retried once on another worker after the first failed "
     "before answering (FCGP02004).", ROWS_CLASSES, FCGP_CNT_RETRIES, NULL},
    {"fcgiproc_slow_requests_total", "counter",
     "Requests whose application time passed FcgiProcSlowRequestTimeout "
     "(FCGP02070; php-fpm: slow requests).", ROWS_CLASSES, FCGP_CNT_SLOW,
     NULL},
    {"fcgiproc_listen_queue", "gauge",
     "Requests waiting for a worker of the class now (php-fpm: listen "
     "queue).", ROWS_CLASSES, -1, v_waiting},
    {"fcgiproc_max_listen_queue", "gauge",
     "The most requests that waited at once since the class's start "
     "(php-fpm: max listen queue).", ROWS_CLASSES, FCGP_CNT_MAX_WAITING,
     NULL},
    {"fcgiproc_idle_processes", "gauge",
     "Workers that may take a request now (php-fpm: idle processes).",
     ROWS_KNOWN, -1, v_idle},
    {"fcgiproc_active_processes", "gauge",
     "Workers serving a request (php-fpm: active processes).", ROWS_KNOWN,
     -1, v_active},
    {"fcgiproc_total_processes", "gauge",
     "Idle plus active workers, at most fcgiproc_max_processes (php-fpm: "
     "total processes).", ROWS_KNOWN, -1, NULL},
    {"fcgiproc_leaving_processes", "gauge",
     "Workers on their way out that still run: given their last request, "
     "or whose replacement is already started (not in total).",
     ROWS_KNOWN, -1, v_leaving},
    {"fcgiproc_stopping_processes", "gauge",
     "Workers retired and signalled, not exited yet.", ROWS_KNOWN, -1,
     v_stopping},
    {"fcgiproc_max_processes", "gauge",
     "FcgiProcMaxProcessesPerClass (summed over the row's classes).",
     ROWS_KNOWN, -1, v_max},
    {"fcgiproc_max_active_processes", "gauge",
     "The most workers of the class serving at once since its start "
     "(php-fpm: max active processes).", ROWS_CLASSES,
     FCGP_CNT_MAX_ACTIVE, NULL},
    {"fcgiproc_max_children_reached_total", "counter",
     "Times the class needed another worker and FcgiProcMaxProcessesPerClass "
     "or FcgiProcMaxProcesses stopped it (php-fpm: max children reached).",
     ROWS_CLASSES, FCGP_CNT_MAX_REACHED, NULL},
    {"fcgiproc_spawns_total", "counter", "Worker processes started.",
     ROWS_CLASSES, FCGP_CNT_SPAWNS, NULL},
    {"fcgiproc_spawn_failures_total", "counter",
     "Worker processes that could not be started (FCGP03002, FCGP03003, "
     "FCGP03004).", ROWS_CLASSES, FCGP_CNT_SPAWN_FAILURES, NULL},
    {"fcgiproc_worker_kills_total", "counter",
     "Retiring workers sent SIGKILL after FcgiProcKillTimeout (FCGP03012), "
     "and php-cgi children killed for a failed request (FCGP03014).",
     ROWS_CLASSES, FCGP_CNT_KILLS, NULL},
    {"fcgiproc_backoffs_total", "counter",
     "Rapid-failure pauses started (FCGP03013).", ROWS_CLASSES,
     FCGP_CNT_BACKOFFS, NULL},
    {"fcgiproc_backoff_seconds", "gauge",
     "Seconds left of the class's rapid-failure pause (0: none).",
     ROWS_KNOWN, -1, NULL},
    {"fcgiproc_request_limit", "gauge",
     "Requests a worker serves before it is replaced (0: no limit).",
     ROWS_KNOWN, -1, v_limit},
    {"fcgiproc_learned_request_limit", "gauge",
     "The application's own request limit, learned from its exits "
     "(FCGP03011; 0: none).", ROWS_KNOWN, -1, v_learned}
};

static int row_in(const fcgp_status_metrics_t *m, apr_uint32_t i, int rows)
{
    return rows == ROWS_ALL || (i > 0 && (rows == ROWS_CLASSES || m->known));
}

static void prom_plain(doc_t *d, const fcgp_status_t *st,
                       const char *const *labels, const fam_t *fm)
{
    apr_uint32_t i;
    family(d, fm->name, fm->type, fm->help);
    for (i = 0; i < st->nmetrics; i++) {
        const fcgp_status_metrics_t *m = &st->metrics[i];
        const char *v;
        if (!row_in(m, i, fm->rows)) {
            continue;
        }
        if (fm->id >= 0) {
            v = u64s(d->p, m->v[fm->id]);
        }
        else if (fm->value) {
            v = u64s(d->p, fm->value(m));
        }
        else if (strcmp(fm->name, "fcgiproc_total_processes") == 0) {
            v = u64s(d->p, total_of(m));
        }
        else {
            v = seconds(d->p, m->backoff);
        }
        sample(d, fm->name, labels[i], NULL, v);
    }
}

/* A family with one more label, whose values are counters first .. first
 * + n - 1; all: every value (else only those not 0). */
static void prom_labelled(doc_t *d, const fcgp_status_t *st,
                          const char *const *labels, const char *name,
                          const char *help, const char *label,
                          unsigned first, unsigned n, int all, int row0,
                          const char *(*label_of)(apr_pool_t *,
                                                  const fcgp_fmt_t *,
                                                  unsigned),
                          const fcgp_fmt_t *f)
{
    apr_uint32_t i;
    unsigned k;
    family(d, name, "counter", help);
    for (i = row0 ? 0 : 1; i < st->nmetrics; i++) {
        const fcgp_status_metrics_t *m = &st->metrics[i];
        for (k = 0; k < n; k++) {
            if (!all && !m->v[first + k]) {
                continue;
            }
            sample(d, name, labels[i],
                   apr_psprintf(d->p, "%s=\"%s\"", label,
                                prom_esc(d->p, label_of(d->p, f, k))),
                   u64s(d->p, m->v[first + k]));
        }
    }
}

static const char *code_of(apr_pool_t *p, const fcgp_fmt_t *f, unsigned k)
{
    (void)p;
    (void)f;
    return fcgp_cnt_status_label(k);
}

static const char *cause_of(apr_pool_t *p, const fcgp_fmt_t *f, unsigned k)
{
    return fail_label(p, f, k + 1);
}

static const char *reason_of(apr_pool_t *p, const fcgp_fmt_t *f, unsigned k)
{
    (void)p;
    (void)f;
    return fcgp_cnt_exit_label(k);
}

static void prom_histogram(doc_t *d, const fcgp_status_t *st,
                           const char *const *labels)
{
    const char *name = "fcgiproc_queue_wait_seconds";
    apr_uint32_t i;
    unsigned k;
    family(d, name, "histogram", "Time from asking for a worker to getting "
           "one, or to a 503 (FcgiProcQueueTimeout, back-off).");
    for (i = 1; i < st->nmetrics; i++) {
        const fcgp_status_metrics_t *m = &st->metrics[i];
        apr_uint64_t cum = 0;
        for (k = 0; k < FCGP_CNT_NBUCKETS; k++) {
            cum += m->v[FCGP_CNT_WAIT + k];
            sample(d, "fcgiproc_queue_wait_seconds_bucket", labels[i],
                   apr_psprintf(d->p, "le=\"%s\"", fcgp_cnt_wait_label(k)),
                   u64s(d->p, cum));
        }
        sample(d, "fcgiproc_queue_wait_seconds_sum", labels[i], NULL,
               seconds(d->p, (apr_interval_time_t)
                             m->v[FCGP_CNT_WAIT_SUM_US]));
        sample(d, "fcgiproc_queue_wait_seconds_count", labels[i], NULL,
               u64s(d->p, cum));
    }
}

/* One value without labels. */
static void prom_scalar(doc_t *d, const char *name, const char *type,
                        const char *help, const char *value)
{
    family(d, name, type, help);
    put(d, apr_pstrcat(d->p, name, " ", value, "\n", NULL));
}

const char *fcgp_status_metrics(apr_pool_t *p, const fcgp_status_t *st,
                                const fcgp_fmt_t *f)
{
    const char **labels;
    apr_uint64_t procs = 0;
    apr_uint32_t i;
    unsigned k;
    doc_t d;

    f = fmt_or_default(p, f);
    d.p = p;
    d.json = 0;
    d.out = apr_array_make(p, 256, sizeof(const char *));
    prom_scalar(&d, "fcgiproc_up", "gauge", "1: the process manager "
                "answered and the figures below are its; 0: it could not "
                "be reached.", st ? "1" : "0");
    if (!st) {
        return apr_array_pstrcat(p, d.out, '\0');
    }
    labels = apr_pcalloc(p, sizeof(*labels) * (st->nmetrics + 1));
    for (i = 0; i < st->nmetrics; i++) {
        const fcgp_status_metrics_t *m = &st->metrics[i];
        labels[i] = apr_psprintf(p, "command=\"%s\",vhost=\"%s\"",
                                 prom_esc(p, m->command),
                                 prom_esc(p, m->vhost));
        procs += (apr_uint64_t)m->idle + m->active + m->leaving
                 + m->stopping;
    }
    prom_scalar(&d, "fcgiproc_start_time_seconds", "gauge", "When the "
                "counters started (httpd's start; kept across graceful "
                "restarts), in seconds since the epoch.",
                seconds(p, st->counters_since));
    prom_scalar(&d, "fcgiproc_start_since_seconds", "gauge", "Seconds "
                "since the counters started (php-fpm: start since).",
                seconds(p, f->now > st->counters_since
                           ? f->now - st->counters_since : 0));
    prom_scalar(&d, "fcgiproc_draining", "gauge", "1 while the answering "
                "process manager drains (graceful restart or stop) and "
                "takes no new requests.", st->draining ? "1" : "0");
    prom_scalar(&d, "fcgiproc_server_max_processes", "gauge",
                "FcgiProcMaxProcesses.", u64s(p, st->max_processes));
    prom_scalar(&d, "fcgiproc_server_processes", "gauge", "Worker "
                "processes of the answering process manager, stopping ones "
                "included (at most fcgiproc_server_max_processes).",
                u64s(p, procs));
    prom_scalar(&d, "fcgiproc_classes", "gauge", "Application classes "
                "(command line, environment, virtual host) used since the "
                "counters started.", u64s(p, st->classes_total));

    family(&d, "fcgiproc_class_start_time_seconds", "gauge", "When the "
           "class's counters started (its first request), in seconds since "
           "the epoch.");
    for (i = 1; i < st->nmetrics; i++) {
        sample(&d, "fcgiproc_class_start_time_seconds", labels[i], NULL,
               seconds(p, st->metrics[i].since));
    }
    prom_labelled(&d, st, labels, "fcgiproc_requests_total", "Requests by "
                  "final status (after a local redirect, the redirected "
                  "request's). The row with empty command and vhost counts "
                  "requests of no known class.", "code", FCGP_CNT_STATUS,
                  FCGP_CNT_NSTATUS, 0, 1, code_of, f);
    k = nfails(f);
    prom_labelled(&d, st, labels, "fcgiproc_failures_total", "Failed "
                  "requests by cause (each logged once as FCGP02001); a cause "
                  "that never happened is not listed.",
                  "cause", FCGP_CNT_FAIL + 1, k ? k - 1 : 0, 0, 1, cause_of,
                  f);
    for (k = 0; k < sizeof(plain) / sizeof(plain[0]); k++) {
        prom_plain(&d, st, labels, &plain[k]);
        if (plain[k].id == FCGP_CNT_SPAWN_FAILURES) {
            prom_labelled(&d, st, labels, "fcgiproc_worker_exits_total",
                          "Worker processes that ended, by why.", "reason",
                          FCGP_CNT_EXIT, FCGP_EXIT_N, 1, 0, reason_of, f);
        }
    }
    prom_histogram(&d, st, labels);
    return apr_array_pstrcat(p, d.out, '\0');
}

/* ---- JSON: the same rows ---- */

static void json_counts(doc_t *d, const char *key,
                        const fcgp_status_metrics_t *m, unsigned first,
                        unsigned n, const char *(*label_of)(
                            apr_pool_t *, const fcgp_fmt_t *, unsigned),
                        const fcgp_fmt_t *f)
{
    unsigned k;
    int any = 0;
    put(d, apr_psprintf(d->p, ",\"%s\":{", key));
    for (k = 0; k < n; k++) {
        if (m->v[first + k]) {
            put(d, apr_psprintf(d->p, "%s%s:%" APR_UINT64_T_FMT,
                                any ? "," : "",
                                json_str(d->p, label_of(d->p, f, k)),
                                m->v[first + k]));
            any = 1;
        }
    }
    put(d, "}");
}

static void json_metrics(doc_t *d, const fcgp_status_t *st,
                         const fcgp_fmt_t *f)
{
    apr_uint32_t i;
    unsigned k;

    put(d, apr_psprintf(d->p, ",\"counters_since\":%" APR_TIME_T_FMT
                        ",\"classes_total\":%u,\"metrics\":[",
                        apr_time_sec(st->counters_since), st->classes_total));
    for (i = 0; i < st->nmetrics; i++) {
        const fcgp_status_metrics_t *m = &st->metrics[i];
        apr_uint64_t cum = 0;
        put(d, apr_psprintf(
            d->p, "%s{\"command\":%s,\"vhost\":%s,\"since\":%"
            APR_TIME_T_FMT ",\"classes\":%u,\"known\":%s,"
            "\"idle_processes\":%u,\"active_processes\":%u,"
            "\"total_processes\":%" APR_UINT64_T_FMT ","
            "\"leaving_processes\":%u,\"stopping_processes\":%u,"
            "\"max_processes\":%u,\"listen_queue\":%u,"
            "\"max_listen_queue\":%" APR_UINT64_T_FMT ","
            "\"max_active_processes\":%" APR_UINT64_T_FMT ","
            "\"request_limit\":%u,\"learned_request_limit\":%u,"
            "\"backoff_seconds\":%s,\"accepted_connections\":%"
            APR_UINT64_T_FMT ",\"retries\":%" APR_UINT64_T_FMT ","
            "\"slow_requests\":%" APR_UINT64_T_FMT ","
            "\"max_children_reached\":%" APR_UINT64_T_FMT ","
            "\"spawns\":%" APR_UINT64_T_FMT ",\"spawn_failures\":%"
            APR_UINT64_T_FMT ",\"worker_kills\":%" APR_UINT64_T_FMT ","
            "\"backoffs\":%" APR_UINT64_T_FMT,
            i ? "," : "", json_str(d->p, m->command),
            json_str(d->p, m->vhost), apr_time_sec(m->since), m->classes,
            m->known ? "true" : "false", m->idle, m->active, total_of(m),
            m->leaving, m->stopping, m->max_procs, m->waiting,
            m->v[FCGP_CNT_MAX_WAITING], m->v[FCGP_CNT_MAX_ACTIVE], m->limit,
            m->learned_limit, seconds(d->p, m->backoff),
            m->v[FCGP_CNT_ACCEPTED], m->v[FCGP_CNT_RETRIES],
            m->v[FCGP_CNT_SLOW], m->v[FCGP_CNT_MAX_REACHED],
            m->v[FCGP_CNT_SPAWNS], m->v[FCGP_CNT_SPAWN_FAILURES],
            m->v[FCGP_CNT_KILLS], m->v[FCGP_CNT_BACKOFFS]));
        json_counts(d, "requests", m, FCGP_CNT_STATUS, FCGP_CNT_NSTATUS,
                    code_of, f);
        k = nfails(f);
        json_counts(d, "failures", m, FCGP_CNT_FAIL + 1, k ? k - 1 : 0,
                    cause_of, f);
        json_counts(d, "worker_exits", m, FCGP_CNT_EXIT, FCGP_EXIT_N,
                    reason_of, f);
        put(d, ",\"queue_wait\":{\"buckets\":{");
        for (k = 0; k < FCGP_CNT_NBUCKETS; k++) {
            cum += m->v[FCGP_CNT_WAIT + k];
            put(d, apr_psprintf(d->p, "%s\"%s\":%" APR_UINT64_T_FMT,
                                k ? "," : "", fcgp_cnt_wait_label(k), cum));
        }
        put(d, apr_psprintf(d->p, "},\"sum_seconds\":%s,\"count\":%"
                            APR_UINT64_T_FMT "}}",
                            seconds(d->p, (apr_interval_time_t)
                                          m->v[FCGP_CNT_WAIT_SUM_US]), cum));
    }
    put(d, "]");
}

/* ---- the HTML page's counters: one small table ---- */

const char *fcgp_status_counters_html(apr_pool_t *p, const fcgp_status_t *st)
{
    doc_t dd, *d = &dd;
    char *since = apr_palloc(p, APR_RFC822_DATE_LEN);
    apr_uint32_t i;
    unsigned k;

    dd.p = p;
    dd.json = 0;
    dd.out = apr_array_make(p, 32, sizeof(const char *));

    apr_rfc822_date(since, st->counters_since);
    put(d, apr_psprintf(d->p, "<a id=\"counters\"></a><h2>Counters</h2>\n"
                        "<p>Since %s (kept across graceful restarts); "
                        "<a href=\"?metrics\">Prometheus</a>.</p>\n"
                        "<table border=\"1\"><tr><th>command</th>"
                        "<th>vhost</th><th>requests</th><th>5xx</th>"
                        "<th>failed</th><th>retried</th><th>slow</th>"
                        "<th>spawns</th><th>spawn failures</th>"
                        "<th>exits</th><th>max active</th>"
                        "<th>max waiting</th></tr>\n", since));
    for (i = 0; i < st->nmetrics; i++) {
        const fcgp_status_metrics_t *m = &st->metrics[i];
        apr_uint64_t req = 0, e5 = 0, failed = 0, exits = 0;
        for (k = 0; k < FCGP_CNT_NSTATUS; k++) {
            const char *l = fcgp_cnt_status_label(k);
            req += m->v[FCGP_CNT_STATUS + k];
            e5 += l[0] == '5' ? m->v[FCGP_CNT_STATUS + k] : 0;
        }
        for (k = 0; k < FCGP_CNT_NFAILS; k++) {
            failed += m->v[FCGP_CNT_FAIL + k];
        }
        for (k = 0; k < FCGP_EXIT_N; k++) {
            exits += m->v[FCGP_CNT_EXIT + k];
        }
        if (i == 0 && !req) {
            continue;   /* no request of no known class */
        }
        put(d, apr_psprintf(
            d->p, "<tr><td>%s</td><td>%s</td><td>%" APR_UINT64_T_FMT
            "</td><td>%" APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT
            "</td><td>%" APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT
            "</td><td>%" APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT
            "</td><td>%" APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT
            "</td><td>%" APR_UINT64_T_FMT "</td></tr>\n",
            i ? esc(d->p, m->command) : "(no class)", esc(d->p, m->vhost),
            req, e5, failed, m->v[FCGP_CNT_RETRIES], m->v[FCGP_CNT_SLOW],
            m->v[FCGP_CNT_SPAWNS], m->v[FCGP_CNT_SPAWN_FAILURES], exits,
            m->v[FCGP_CNT_MAX_ACTIVE], m->v[FCGP_CNT_MAX_WAITING]));
    }
    put(d, "</table>\n");
    return apr_array_pstrcat(p, d->out, '\0');
}
