/* gen_directives.c: writes docs/directives.md, the directive reference,
 * from conf/directives.h (the table conf.c makes the command table from),
 * so that the two cannot drift.  `make docs/directives.md`; check-rules
 * fails when the committed file is not what this writes.  Built for the
 * build machine only; not part of the module. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
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

/* mod_fastcgi 2.4's directives (its manual and command table), with what
 * each is here.  The FastCgiAuth* names are mod_fcgid's deprecated names
 * too; the others are mod_fastcgi's only. */
static const struct {
    const char *name;
    const char *here;
    int also_fcgid;
} fastcgi[] = {
    {"FastCgiServer", "same, a static application", 0},
    {"AppClass", "same (FastCgiServer's old name)", 0},
    {"FastCgiExternalServer", "same, and several backends, IPv6", 0},
    {"ExternalAppClass", "same (FastCgiExternalServer's old name)", 0},
    {"FastCgiConfig", "each option mapped to ours, or not needed", 0},
    {"FCGIConfig", "the same as FastCgiConfig", 0},
    {"FastCgiIpcDir", "same", 0},
    {"FastCgiWrapper", "accepted; httpd's suexec (SuexecUserGroup) is used", 0},
    {"FastCgiSuexec", "accepted; httpd's suexec (SuexecUserGroup) is used", 0},
    {"FastCgiAuthenticator",
     "same as with -compat (only Variable-* exported)", 1},
    {"FastCgiAuthenticatorAuthoritative", "same", 1},
    {"FastCgiAuthorizer",
     "same as with -compat (only Variable-* exported)", 1},
    {"FastCgiAuthorizerAuthoritative", "same", 1},
    {"FastCgiAccessChecker",
     "same as with -compat (only Variable-* exported)", 1},
    {"FastCgiAccessCheckerAuthoritative", "same", 1},
};
#define NFASTCGI (sizeof(fastcgi) / sizeof(fastcgi[0]))

/* 1: a name of mod_fastcgi's only; 2: of both modules'; 0: not. */
static int fastcgi_name(const char *name)
{
    size_t i;
    for (i = 0; i < NFASTCGI; i++) {
        if (strcasecmp(name, fastcgi[i].name) == 0) {
            return fastcgi[i].also_fcgid ? 2 : 1;
        }
    }
    return 0;
}

static void context(const row_t *r, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s",
             r->global ? "server config"
                       : (r->where & RSRC_CONF)
                         ? "server config, virtual host" : "",
             (r->where & ACCESS_CONF) ? ", directory" : "",
             (r->where & OR_FILEINFO) ? ", .htaccess" : "");
}

/* The row's other names that are mod_fcgid's (fastcgi 0) or
 * mod_fastcgi's (1), as a table line; mod_fcgid's line is always there. */
static void print_names(const row_t *r, const char *title, int fastcgi_side)
{
    size_t k;
    int shown = 0;
    /* mod_fcgid's: the row's other names (as before mod_fastcgi's were
     * added), mod_fastcgi's: any of its names. */
    for (k = fastcgi_side ? 0 : 1; k < 4 && r->names[k]; k++) {
        int f = fastcgi_name(r->names[k]);
        if (fastcgi_side ? f == 0 : f == 1) {
            continue;
        }
        if (shown) {
            printf(", ");
        }
        else {
            printf("| %s | ", title);
        }
        printf("%s", r->names[k]);
        shown++;
    }
    if (shown) {
        printf(" |\n");
    }
    else if (!fastcgi_side) {
        printf("| %s | none |\n", title);
    }
}

static const char *compared_with(const row_t *r)
{
    size_t k;
    for (k = 0; k < 4 && r->names[k]; k++) {
        if (fastcgi_name(r->names[k]) == 1) {
            return "mod_fcgid and mod_fastcgi";
        }
    }
    return "mod_fcgid";
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
           "and mod_fastcgi's names for it (\"Also\"), so a mod_fcgid or "
           "mod_fastcgi configuration loads unchanged (see "
           "migrating-from-mod_fcgid.md and "
           "migrating-from-mod_fastcgi.md).\n\n");
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
            if (fastcgi_name(r->names[k]) == 1) {
                continue;
            }
            printf("| %s | %s | %s |\n", r->names[k], r->names[0],
                   verdict);
        }
    }
    printf("\n## mod_fastcgi's directives\n\n"
           "Every directive of mod_fastcgi 2.4, and what it is here. Each "
           "option is in migrating-from-mod_fastcgi.md.\n\n"
           "| mod_fastcgi | here | |\n|---|---|---|\n");
    for (k = 0; k < NFASTCGI; k++) {
        for (i = 0; i < n; i++) {
            size_t j;
            for (j = 0; j < 4 && rows[i].names[j]; j++) {
                if (strcasecmp(rows[i].names[j], fastcgi[k].name) == 0) {
                    printf("| %s | %s | %s |\n", fastcgi[k].name,
                           rows[i].names[0], fastcgi[k].here);
                }
            }
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
        print_names(r, "mod_fcgid names", 0);
        print_names(r, "mod_fastcgi names", 1);
        printf("\n%s\n\n**Compared with %s:** %s%s\n", r->doc,
               compared_with(r), r->fcgid,
               r->fcgid[strlen(r->fcgid) - 1] == '.' ? "" : ".");
    }
    return 0;
}
