/* gen_directives.c: writes docs/directives.md, the directive reference,
 * from conf/directives.h (the table conf.c makes the command table from),
 * so that the two cannot drift.  `make docs/directives.md`; check-rules
 * fails when the committed file is not what this writes.  Built for the
 * build machine only; not part of the module. */
#include <stdio.h>
#include <string.h>
#include "httpd.h"
#include "http_config.h"
#include "apr_lib.h"
#include "conf/directives.h"

#define FCGP_UNPAREN(...) __VA_ARGS__

typedef struct {
    const char *names[4];
    const char *func;
    int where, global;
    const char *syntax, *deftext, *help, *doc, *fcgid;
} row_t;

#define ROW(id, names, how, func, where, global, kind, min, max, def, \
            syntax, deftext, help, doc, fcgid) \
    {{FCGP_UNPAREN names}, #func, where, global, syntax, deftext, help, \
     doc, fcgid},

static const row_t rows[] = {
    FCGP_DIRECTIVES(ROW)
};

static void context(const row_t *r, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s",
             r->global ? "server config"
                       : (r->where & RSRC_CONF)
                         ? "server config, virtual host" : "",
             (r->where & ACCESS_CONF) ? ", directory" : "",
             (r->where & OR_FILEINFO) ? ", .htaccess" : "");
}

int main(void)
{
    size_t i, k, n = sizeof(rows) / sizeof(rows[0]);
    char ctx[128];

    printf("# mod_fcgiproc directives\n\n"
           "<!-- Written by conf/gen_directives.c from conf/directives.h "
           "(`make docs/directives.md`); do not edit. -->\n\n"
           "Every directive is checked when httpd starts: a bad value "
           "stops it with the directive's name, file and line. Times are "
           "seconds, or a number with `ms`, `s`, `mi` or `h`; sizes are "
           "bytes, or a number with `K`, `M` or `G`. A virtual host "
           "inherits what it does not set. Directive names are "
           "case-insensitive. Each directive also answers to mod_fcgid's "
           "names for it (\"Also\"), so a mod_fcgid configuration loads "
           "unchanged (see migrating-from-mod_fcgid.md).\n\n");
    printf("| directive | also | default |\n|---|---|---|\n");
    for (i = 0; i < n; i++) {
        char anchor[64];
        for (k = 0; rows[i].names[0][k] && k < sizeof(anchor) - 1; k++) {
            anchor[k] = (char)apr_tolower(rows[i].names[0][k]);
        }
        anchor[k] = '\0';
        printf("| [%s](#%s) |", rows[i].names[0], anchor);
        for (k = 1; k < 4 && rows[i].names[k]; k++) {
            printf("%s%s", k > 1 ? ", " : " ", rows[i].names[k]);
        }
        printf(" | %s |\n", rows[i].deftext);
    }
    printf("\n## mod_fcgid's directives\n\n"
           "Every directive of mod_fcgid 2.3.9, current and deprecated "
           "names, and what it is here. *Same*: the same meaning (details "
           "below); *differs*: the same purpose, with the difference "
           "described below; *not needed*: accepted and checked as "
           "mod_fcgid checks it, one INFO line at startup (FCGP01011) says "
           "why. `FcgidWin32PreventOrphans` exists only on Windows, and is "
           "an error on Linux here as in mod_fcgid.\n\n"
           "| mod_fcgid | here | |\n|---|---|---|\n");
    for (i = 0; i < n; i++) {
        const row_t *r = &rows[i];
        int unneeded = strcmp(r->func, "set_unneeded") == 0;
        const char *verdict = unneeded ? "not needed"
            : strncmp(r->fcgid, "Same", 4) == 0 ? "same" : "differs";
        for (k = unneeded ? 0 : 1; k < 4 && r->names[k]; k++) {
            printf("| %s | %s | %s |\n", r->names[k], r->names[0],
                   verdict);
        }
    }
    for (i = 0; i < n; i++) {
        const row_t *r = &rows[i];
        context(r, ctx, sizeof(ctx));
        printf("\n## %s\n\n", r->names[0]);
        printf("| | |\n|---|---|\n");
        printf("| Description | %s |\n", r->help);
        printf("| Syntax | `%s %s` |\n", r->names[0], r->syntax);
        printf("| Default | %s |\n", r->deftext);
        printf("| Context | %s |\n", ctx);
        if (r->where & OR_FILEINFO) {
            printf("| Override | FileInfo |\n");
        }
        printf("| mod_fcgid names |");
        if (!r->names[1]) {
            printf(" none |\n");
        }
        for (k = 1; k < 4 && r->names[k]; k++) {
            printf("%s%s", k > 1 ? ", " : " ", r->names[k]);
        }
        if (r->names[1]) {
            printf(" |\n");
        }
        printf("\n%s\n\n**Compared with mod_fcgid:** %s%s\n", r->doc,
               r->fcgid, r->fcgid[strlen(r->fcgid) - 1] == '.' ? "" : ".");
    }
    return 0;
}
