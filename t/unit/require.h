/* require.h: REQUIRE(), an assertion for hot loops, and the context its
 * failure message names.  Unlike ck_assert(), a passing REQUIRE() writes
 * nothing (in fork mode every passing ck_assert() writes a location record
 * to the runner's pipe).  Include after <check.h>. */
#ifndef FCGP_T_UNIT_REQUIRE_H
#define FCGP_T_UNIT_REQUIRE_H

/* what is being tested, for failure messages */
static char ctx[256] __attribute__((unused));

#define REQUIRE(cond)                                                   \
    do {                                                                \
        if (!(cond)) {                                                  \
            ck_abort_msg("%s:%d: %s failed [%s]", __FILE__, __LINE__,   \
                         #cond, ctx);                                   \
        }                                                               \
    } while (0)

#endif
