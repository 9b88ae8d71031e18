/* status_format.c: the status page as JSON or HTML, from a snapshot of the
 * process manager (see status_format.h).  Each row of the snapshot becomes
 * a list of cells (JSON key, text, number or not); one writer per format
 * turns cells into output, so both formats show the same values. */
#include <apr_strings.h>
#include <apr_escape.h>
#include <apr_tables.h>
#include "pm/pm_types.h"
#include "handler/status_format.h"

#define MAX_COLS 10

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
    {"class", "class"}, {"processes", "processes"}, {"waiting", "waiting"},
    {"max", "max"}, {"min", "min"}, {"limit", "limit"},
    {"limit_source", "limit from"}, {"program_inode", "program inode"},
    {"program_mtime", "program mtime"}, {"replaced", "replaced"}
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
}

static const col_t worker_cols[] = {
    {"slot", "slot"}, {"pid", "pid"}, {"class", "class"},
    {"state", "state"}, {"requests", "requests"}, {"limit", "limit"},
    {"limit_source", "limit from"}, {"age_s", "age (s)"},
    {"idle_s", "idle (s)"}
};

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
                            int json)
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
    SECTION(&d, "workers", "Workers", worker_cols, worker_cells,
            st->workers, st->nworkers);
    SECTION(&d, "recent_exits", "Last exits (newest first)", exit_cols,
            exit_cells, st->exits, st->nexits);
    if (json) {
        put(&d, "}\n");
    }
    return apr_array_pstrcat(p, d.out, '\0');
}

const char *fcgp_status_json(apr_pool_t *p, const fcgp_status_t *st)
{
    return document(p, st, 1);
}

const char *fcgp_status_html(apr_pool_t *p, const fcgp_status_t *st)
{
    return document(p, st, 0);
}
