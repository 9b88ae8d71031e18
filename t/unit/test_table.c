/* test_table.c: Check unit tests for pm/table.c, the worker table in
 * shared memory.
 *
 * The table is driven the way its two users drive it: the PM fills a
 * slot (class, served, limit, ahead, pid, path) and publishes it, takes it
 * back or seizes it; handlers claim, wait and release.  Most tests lay a
 * small table out in zeroed pool memory (fcgp_table_size + _init); one
 * uses fcgp_table_create (anonymous shared memory) and a forked child.
 * Threads stand in for concurrent handlers where the test needs them;
 * they never call ck_assert (fork mode), they record what they saw and
 * the test thread checks it after joining.
 *
 * Threads end by returning (APR joins them all the same), not by
 * apr_thread_exit(): pthread_exit() leaves the thread function's frame
 * poisoned for ASan's use-after-scope check (SAN=1), which then trips
 * over its own sigaltstack teardown.
 *
 * Hot loops use REQUIRE() rather than ck_assert(): in fork mode every
 * passing ck_assert() writes a location record to the runner's pipe.
 */
#include <apr.h>
#include <apr_atomic.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

#include <check.h>
#include "t/unit/unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pm/table.h"


#define REQUIRE(cond)                                                   \
    do {                                                                \
        if (!(cond)) {                                                  \
            ck_abort_msg("%s:%d: %s failed", __FILE__, __LINE__, #cond); \
        }                                                               \
    } while (0)

#define HOLDER      4242u       /* the "httpd child" claiming */
#define OUT_BROKEN  2u          /* fcgp_outcome_e values (pm/ipc.h) */
#define OUT_TIMEOUT 3u

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* A table in zeroed pool memory. */
static fcgp_table_t *mk_table(apr_uint32_t nslots, apr_uint32_t nclasses,
                              apr_uint32_t key_bytes)
{
    apr_size_t size = fcgp_table_size(nslots, nclasses, key_bytes);
    void *mem = apr_pcalloc(pool, size);
    fcgp_table_t *t = fcgp_table_init(mem, nslots, nclasses, key_bytes,
                                      APR_UINT64_C(0x1122334455667788));
    ck_assert_ptr_nonnull(t);
    return t;
}

/* A table with one class "php" (index in *cls). */
static fcgp_table_t *mk_table_cls(apr_uint32_t nslots, apr_uint32_t *cls)
{
    fcgp_table_t *t = mk_table(nslots, 16, 1024);
    *cls = fcgp_table_add_class(t, "php", 3);
    ck_assert_uint_ne(*cls, FCGP_TBL_NO_CLASS);
    return t;
}

static apr_uint32_t word_of(fcgp_table_t *t, apr_uint32_t i)
{
    return apr_atomic_read32(&fcgp_table_slot(t, i)->word);
}

static apr_uint32_t state_of(fcgp_table_t *t, apr_uint32_t i)
{
    return FCGP_TBL_STATE(word_of(t, i));
}

static apr_uint32_t served_of(fcgp_table_t *t, apr_uint32_t i)
{
    return apr_atomic_read32(&fcgp_table_slot(t, i)->served);
}

static apr_uint32_t pid_for(apr_uint32_t i)
{
    return 1000 + i;
}

static const char *path_for(apr_uint32_t i)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), "/run/fcgiproc/w%u.sock", (unsigned)i);
    return buf;
}

/* The PM's side of a publish: fill slot i while it is OFF, then publish. */
static void put(fcgp_table_t *t, apr_uint32_t i, apr_uint32_t cls,
                apr_uint32_t served, apr_uint32_t limit, apr_uint32_t ahead)
{
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, i);
    ck_assert_ptr_nonnull(s);
    s->cls = cls;
    apr_atomic_set32(&s->served, served);
    s->limit = limit;
    s->ahead = ahead;
    s->limit_source = limit ? 1 : 0;
    s->pid = pid_for(i);
    s->holder = 0;
    apr_cpystrn(s->path, path_for(i), sizeof(s->path));
    fcgp_table_publish(t, i);
}

/* A key whose hash lands in bucket `home` of a table of n classes; the
 * k-th such key (k from 0), in buf. */
static apr_size_t key_with_home(char *buf, apr_size_t size, apr_uint32_t n,
                                apr_uint32_t home, int k)
{
    unsigned i;
    for (i = 0;; i++) {
        apr_size_t len = (apr_size_t)snprintf(buf, size, "key-%u", i);
        if ((fcgp_table_hash(buf, len) & (n - 1)) == home && k-- == 0) {
            return len;
        }
    }
}

static apr_time_t elapsed_ms(apr_time_t since)
{
    return apr_time_as_msec(apr_time_now() - since);
}

/* ------------------------------------------------------------------ */
/* Layout and classes                                                  */

START_TEST(test_init_rejects_class_counts)
{
    static const apr_uint32_t bad[] = { 0, 3, 5, 6, 100, 1000 };
    static const apr_uint32_t good[] = { 1, 2, 4, 8, 1024 };
    int i;
    for (i = 0; i < N_OF(bad); i++) {
        void *mem = apr_pcalloc(pool, fcgp_table_size(4, bad[i], 64));
        ck_assert_msg(fcgp_table_init(mem, 4, bad[i], 64, 1) == NULL,
                      "nclasses %u accepted", bad[i]);
    }
    for (i = 0; i < N_OF(good); i++) {
        void *mem = apr_pcalloc(pool, fcgp_table_size(4, good[i], 64));
        fcgp_table_t *t = fcgp_table_init(mem, 4, good[i], 64, 77);
        ck_assert_msg(t != NULL, "nclasses %u refused", good[i]);
        ck_assert_uint_eq(fcgp_table_nslots(t), 4);
        ck_assert(fcgp_table_nonce(t) == 77);
        ck_assert_ptr_nonnull(fcgp_table_class(t, good[i] - 1));
        ck_assert_ptr_null(fcgp_table_class(t, good[i]));
    }
}
END_TEST

/* Slots, classes and keys do not overlap, and all fit in the size asked
 * for: writing every byte of every slot leaves the classes and the keys
 * as they were. */
START_TEST(test_layout_disjoint)
{
    fcgp_table_t *t = mk_table(5, 8, 40);
    apr_uint32_t i, a, b;
    char *mem = (char *)t;
    apr_size_t size = fcgp_table_size(5, 8, 40);

    ck_assert_ptr_null(fcgp_table_slot(t, 5));
    a = fcgp_table_add_class(t, "first", 5);
    b = fcgp_table_add_class(t, "second", 6);
    for (i = 0; i < 5; i++) {
        char *s = (char *)fcgp_table_slot(t, i);
        ck_assert(s >= mem && s + sizeof(fcgp_tbl_slot_t) <= mem + size);
        memset(s, 0xA5, sizeof(fcgp_tbl_slot_t));
    }
    ck_assert_uint_eq(fcgp_table_find_class(t, "first", 5), a);
    ck_assert_uint_eq(fcgp_table_find_class(t, "second", 6), b);
    for (i = 0; i < 8; i++) {
        char *c = (char *)fcgp_table_class(t, i);
        ck_assert(c >= mem && c + sizeof(fcgp_tbl_class_t) <= mem + size);
    }
}
END_TEST

/* FNV-1a 64, the published test vectors. */
START_TEST(test_hash_vectors)
{
    ck_assert(fcgp_table_hash("", 0) == APR_UINT64_C(0xcbf29ce484222325));
    ck_assert(fcgp_table_hash("a", 1) == APR_UINT64_C(0xaf63dc4c8601ec8c));
    ck_assert(fcgp_table_hash("foobar", 6)
              == APR_UINT64_C(0x85944171f73967e8));
    /* bytes past len do not count; a NUL inside does */
    ck_assert(fcgp_table_hash("foobarXYZ", 6)
              == APR_UINT64_C(0x85944171f73967e8));
    ck_assert(fcgp_table_hash("a\0", 2) != fcgp_table_hash("a", 1));
}
END_TEST

START_TEST(test_class_same_key_same_index)
{
    fcgp_table_t *t = mk_table(4, 64, 4096);
    static const char *keys[] = { "php", "php-cgi", "/usr/bin/php-cgi",
                                  "py", "ph", "phq", "" };
    apr_uint32_t idx[N_OF(keys)];
    int i, j;

    for (i = 0; i < N_OF(keys); i++) {
        ck_assert_uint_eq(fcgp_table_find_class(t, keys[i], strlen(keys[i])),
                          FCGP_TBL_NO_CLASS);
        idx[i] = fcgp_table_add_class(t, keys[i], strlen(keys[i]));
        ck_assert_uint_ne(idx[i], FCGP_TBL_NO_CLASS);
        ck_assert_uint_lt(idx[i], 64);
        ck_assert_ptr_nonnull(fcgp_table_class(t, idx[i]));
    }
    for (i = 0; i < N_OF(keys); i++) {
        ck_assert_uint_eq(fcgp_table_add_class(t, keys[i], strlen(keys[i])),
                          idx[i]);
        ck_assert_uint_eq(fcgp_table_find_class(t, keys[i], strlen(keys[i])),
                          idx[i]);
        for (j = 0; j < i; j++) {
            ck_assert_msg(idx[i] != idx[j], "\"%s\" and \"%s\" share %u",
                          keys[i], keys[j], idx[i]);
        }
    }
}
END_TEST

START_TEST(test_class_find_only_published)
{
    fcgp_table_t *t = mk_table(4, 64, 4096);
    apr_uint32_t a;

    ck_assert_uint_eq(fcgp_table_find_class(t, "alpha", 5),
                      FCGP_TBL_NO_CLASS);
    a = fcgp_table_add_class(t, "alpha", 5);
    ck_assert_uint_ne(a, FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "alpha", 5), a);
    /* same length, other bytes */
    ck_assert_uint_eq(fcgp_table_find_class(t, "alphb", 5),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "Alpha", 5),
                      FCGP_TBL_NO_CLASS);
    /* prefixes, and the key with more after it */
    ck_assert_uint_eq(fcgp_table_find_class(t, "alpha", 4),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "alpha", 0),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "alphabet", 8),
                      FCGP_TBL_NO_CLASS);
    /* the length given counts, not a terminator */
    ck_assert_uint_eq(fcgp_table_find_class(t, "alphabet", 5), a);
}
END_TEST

/* base followed by one byte, chosen so that the key lands in bucket
 * `home` of a table of n classes; in buf, its length returned. */
static apr_size_t extend_to_home(char *buf, const char *base,
                                 apr_size_t blen, apr_uint32_t n,
                                 apr_uint32_t home, int not_first)
{
    int ch;
    memcpy(buf, base, blen);
    for (ch = 0; ch < 256; ch++) {
        buf[blen] = (char)ch;
        if ((ch != (unsigned char)base[blen] || !not_first)
            && (fcgp_table_hash(buf, blen + 1) & (n - 1)) == home) {
            return blen + 1;
        }
    }
    ck_abort_msg("no byte puts \"%s\" in bucket %u", base, home);
    return 0;
}

/* A 64-bit hash collision, made by hand (the entry's stored hash is set
 * to that of the key looked up, which lands in the same bucket): the key
 * bytes and the length still decide.  Stored key s, looked-up key q:
 * same length other last byte; q a prefix of s; s a prefix of q. */
START_TEST(test_class_hash_collision)
{
    char s[16], q[16];
    apr_size_t slen, qlen;
    apr_uint32_t home, a;
    fcgp_table_t *t;
    fcgp_tbl_class_t *k;
    int kind = _i;

    t = mk_table(4, 4, 256);
    if (kind == 0) {            /* "alpha" vs "alphX" */
        slen = 5;
        memcpy(s, "alpha", 5);
        home = (apr_uint32_t)fcgp_table_hash(s, slen) & 3;
        qlen = extend_to_home(q, "alpha", 4, 4, home, 1);
    }
    else if (kind == 1) {       /* q "beta" is a prefix of s "betaX" */
        qlen = 4;
        memcpy(q, "beta", 4);
        home = (apr_uint32_t)fcgp_table_hash(q, qlen) & 3;
        slen = extend_to_home(s, "beta", 4, 4, home, 0);
    }
    else {                      /* s "gamma" is a prefix of q "gammaX" */
        slen = 5;
        memcpy(s, "gamma", 5);
        home = (apr_uint32_t)fcgp_table_hash(s, slen) & 3;
        qlen = extend_to_home(q, "gamma", 5, 4, home, 0);
    }
    ck_assert(slen != qlen || memcmp(s, q, slen) != 0);
    a = fcgp_table_add_class(t, s, slen);
    ck_assert_uint_eq(a, home);
    ck_assert_uint_eq(fcgp_table_find_class(t, q, qlen), FCGP_TBL_NO_CLASS);
    k = fcgp_table_class(t, a);
    k->hash = fcgp_table_hash(q, qlen);
    ck_assert_uint_eq(fcgp_table_find_class(t, q, qlen), FCGP_TBL_NO_CLASS);
    /* and add_class does not take q for s */
    ck_assert_uint_ne(fcgp_table_add_class(t, q, qlen), a);
}
END_TEST

/* Keys that land in the same bucket: found by probing, each its own. */
START_TEST(test_class_collisions)
{
    fcgp_table_t *t = mk_table(4, 16, 4096);
    char k[3][32];
    apr_size_t len[3];
    apr_uint32_t idx[2];
    int i;

    for (i = 0; i < 3; i++) {
        len[i] = key_with_home(k[i], sizeof(k[i]), 16, 5, i);
    }
    idx[0] = fcgp_table_add_class(t, k[0], len[0]);
    idx[1] = fcgp_table_add_class(t, k[1], len[1]);
    ck_assert_uint_eq(idx[0], 5);
    ck_assert_uint_eq(idx[1], 6);
    ck_assert_uint_eq(fcgp_table_find_class(t, k[1], len[1]), 6);
    ck_assert_uint_eq(fcgp_table_find_class(t, k[0], len[0]), 5);
    ck_assert_uint_eq(fcgp_table_find_class(t, k[2], len[2]),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_add_class(t, k[2], len[2]), 7);
    ck_assert_uint_eq(fcgp_table_find_class(t, k[2], len[2]), 7);
}
END_TEST

START_TEST(test_class_binary_keys)
{
    fcgp_table_t *t = mk_table(4, 64, 4096);
    static const char k1[] = { 'a', '\0', 'b' };
    static const char k2[] = { 'a', '\0', 'c' };
    static const char k3[] = { 'a', '\0', 'b', '\0' };
    static const char k4[] = { '\0' };
    apr_uint32_t i1, i2, i3, i4, ie;

    i1 = fcgp_table_add_class(t, k1, sizeof(k1));
    i2 = fcgp_table_add_class(t, k2, sizeof(k2));
    i3 = fcgp_table_add_class(t, k3, sizeof(k3));
    i4 = fcgp_table_add_class(t, k4, sizeof(k4));
    ie = fcgp_table_add_class(t, "", 0);
    ck_assert_uint_ne(i1, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(i2, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(i3, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(i4, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(ie, FCGP_TBL_NO_CLASS);
    ck_assert(i1 != i2 && i1 != i3 && i2 != i3 && i4 != ie
              && i4 != i1 && ie != i1);
    ck_assert_uint_eq(fcgp_table_find_class(t, k1, sizeof(k1)), i1);
    ck_assert_uint_eq(fcgp_table_find_class(t, k2, sizeof(k2)), i2);
    ck_assert_uint_eq(fcgp_table_find_class(t, k3, sizeof(k3)), i3);
    ck_assert_uint_eq(fcgp_table_find_class(t, k4, sizeof(k4)), i4);
    ck_assert_uint_eq(fcgp_table_find_class(t, "", 0), ie);
    /* "a" (what strlen would see) is none of them */
    ck_assert_uint_eq(fcgp_table_find_class(t, "a", 1), FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_add_class(t, k1, sizeof(k1)), i1);
}
END_TEST

/* The key area: a key that fits exactly is taken, one byte more is not;
 * known keys are still found and returned by add_class. */
START_TEST(test_class_key_area_full)
{
    fcgp_table_t *t = mk_table(4, 64, 16);
    apr_uint32_t a, b;

    a = fcgp_table_add_class(t, "12345678", 8);
    ck_assert_uint_ne(a, FCGP_TBL_NO_CLASS);
    /* 8 used (aligned), 8 left: 9 bytes do not fit ... */
    ck_assert_uint_eq(fcgp_table_add_class(t, "abcdefghi", 9),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "abcdefghi", 9),
                      FCGP_TBL_NO_CLASS);
    /* ... 8 do */
    b = fcgp_table_add_class(t, "abcdefgh", 8);
    ck_assert_uint_ne(b, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(a, b);
    ck_assert_uint_eq(fcgp_table_add_class(t, "x", 1), FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "x", 1), FCGP_TBL_NO_CLASS);
    /* the keys already there are intact and still found */
    ck_assert_uint_eq(fcgp_table_add_class(t, "12345678", 8), a);
    ck_assert_uint_eq(fcgp_table_add_class(t, "abcdefgh", 8), b);
    ck_assert_uint_eq(fcgp_table_find_class(t, "12345678", 8), a);
    ck_assert_uint_eq(fcgp_table_find_class(t, "abcdefgh", 8), b);
}
END_TEST

/* A short key still takes 8 bytes of the key area (alignment): two
 * 1-byte keys in a 10-byte area, the third does not fit. */
START_TEST(test_class_key_area_aligned)
{
    fcgp_table_t *t = mk_table(4, 64, 10);
    apr_uint32_t a, b;

    a = fcgp_table_add_class(t, "a", 1);
    b = fcgp_table_add_class(t, "bc", 2);
    ck_assert_uint_ne(a, FCGP_TBL_NO_CLASS);
    ck_assert_uint_ne(b, FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_add_class(t, "d", 1), FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, "a", 1), a);
    ck_assert_uint_eq(fcgp_table_find_class(t, "bc", 2), b);
}
END_TEST

/* The table's own room: a quarter stays free, so with 4 entries the
 * fourth key is refused (here all four share a bucket). */
START_TEST(test_class_table_room)
{
    fcgp_table_t *t = mk_table(4, 4, 4096);
    char k[4][32];
    apr_size_t len[4];
    int i;

    for (i = 0; i < 4; i++) {
        len[i] = key_with_home(k[i], sizeof(k[i]), 4, 1, i);
    }
    for (i = 0; i < 3; i++) {
        ck_assert_uint_eq(fcgp_table_add_class(t, k[i], len[i]),
                          (apr_uint32_t)(1 + i) & 3);
    }
    ck_assert_uint_eq(fcgp_table_add_class(t, k[3], len[3]),
                      FCGP_TBL_NO_CLASS);
    ck_assert_uint_eq(fcgp_table_find_class(t, k[3], len[3]),
                      FCGP_TBL_NO_CLASS);
    for (i = 0; i < 3; i++) {
        ck_assert_uint_eq(fcgp_table_find_class(t, k[i], len[i]),
                          (apr_uint32_t)(1 + i) & 3);
        ck_assert_uint_eq(fcgp_table_add_class(t, k[i], len[i]),
                          (apr_uint32_t)(1 + i) & 3);
    }
}
END_TEST

/* Many classes: every key added is found again at its index. */
START_TEST(test_class_many)
{
    fcgp_table_t *t = mk_table(4, 1024, 64 * 1024);
    apr_uint32_t idx[600];
    char buf[32];
    int i;

    for (i = 0; i < N_OF(idx); i++) {
        apr_size_t len = (apr_size_t)snprintf(buf, sizeof(buf), "/app/%d", i);
        idx[i] = fcgp_table_add_class(t, buf, len);
        REQUIRE(idx[i] != FCGP_TBL_NO_CLASS && idx[i] < 1024);
    }
    for (i = 0; i < N_OF(idx); i++) {
        apr_size_t len = (apr_size_t)snprintf(buf, sizeof(buf), "/app/%d", i);
        REQUIRE(fcgp_table_find_class(t, buf, len) == idx[i]);
        REQUIRE(fcgp_table_add_class(t, buf, len) == idx[i]);
    }
    for (i = 0; i < N_OF(idx); i++) {
        apr_size_t len = (apr_size_t)snprintf(buf, sizeof(buf), "/app/%dx", i);
        REQUIRE(fcgp_table_find_class(t, buf, len) == FCGP_TBL_NO_CLASS);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Claim and release                                                   */

START_TEST(test_claim_fields)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t w;

    put(t, 2, cls, 7, 100, 90);
    w = word_of(t, 2);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_IDLE);

    memset(&c, 0x5A, sizeof(c));
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 2);
    ck_assert_uint_eq(c.cls, cls);
    ck_assert_uint_eq(c.pid, pid_for(2));
    ck_assert_str_eq(c.path, path_for(2));
    ck_assert_uint_eq(c.nth, 8);
    ck_assert_uint_eq(c.limit, 100);
    ck_assert_uint_eq(c.limit_source, 1);
    ck_assert_int_eq(c.kick, 0);
    ck_assert_uint_eq(FCGP_TBL_STATE(c.word), FCGP_TBL_BUSY);
    ck_assert_uint_eq(FCGP_TBL_GEN(c.word), FCGP_TBL_GEN(w));
    /* the table: busy, counted, and who holds it */
    ck_assert_uint_eq(word_of(t, 2), c.word);
    ck_assert_uint_eq(served_of(t, 2), 8);
    ck_assert_uint_eq(fcgp_table_slot(t, 2)->holder, HOLDER);
}
END_TEST

START_TEST(test_claim_single_slot_protocol)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c, c2;
    apr_uint32_t n;

    put(t, 0, cls, 0, 0, 0);
    for (n = 1; n <= 5; n++) {
        ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
        ck_assert_uint_eq(c.slot, 0);
        ck_assert_uint_eq(c.nth, n);
        ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
        /* held: nobody else gets it */
        ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER + 1, &c2), 0);
        ck_assert_int_eq(c2.kick, 0);
        ck_assert_uint_eq(served_of(t, 0), n);
        /* back, clean, nobody waiting: no kick, claimable again */
        ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
        ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
        ck_assert_uint_eq(served_of(t, 0), n);
    }
}
END_TEST

START_TEST(test_claim_other_class)
{
    fcgp_table_t *t = mk_table(4, 16, 1024);
    apr_uint32_t a = fcgp_table_add_class(t, "php", 3);
    apr_uint32_t b = fcgp_table_add_class(t, "perl", 4);
    fcgp_tbl_claim_t c;

    ck_assert_uint_ne(a, b);
    put(t, 0, a, 0, 0, 0);
    put(t, 1, a, 3, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, b, HOLDER, &c), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_IDLE);
    ck_assert_uint_eq(served_of(t, 0), 0);
    ck_assert_uint_eq(served_of(t, 1), 3);
    /* out-of-range class: nothing, no crash */
    ck_assert_int_eq(fcgp_table_claim(t, 16, HOLDER, &c), 0);
    ck_assert_int_eq(fcgp_table_claim(t, FCGP_TBL_NO_CLASS, HOLDER, &c), 0);
    /* b gets its own worker, and only that one */
    put(t, 3, b, 0, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, b, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 3);
    ck_assert_int_eq(fcgp_table_claim(t, b, HOLDER, &c), 0);
}
END_TEST

/* A slot filled but not published, or taken back, is never handed out;
 * a slot published at a high index is found (the scan reaches it). */
START_TEST(test_claim_only_published)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(8, &cls);
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, 0);
    fcgp_tbl_claim_t c;

    s->cls = cls;
    s->pid = 99;
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    put(t, 6, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 6);
    ck_assert_uint_eq(c.pid, pid_for(6));
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_OFF);
}
END_TEST

/* Not ok: the slot goes to the PM (DONE) with the outcome, and the PM is
 * kicked; the slot is not claimable until the PM publishes it again. */
START_TEST(test_release_not_ok)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t w;

    put(t, 1, cls, 4, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_int_eq(fcgp_table_release(t, &c, 0, OUT_TIMEOUT), 1);
    ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_DONE);
    ck_assert_uint_eq(fcgp_table_outcome(t, 1), OUT_TIMEOUT);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    /* a second hand-back of the same claim changes nothing */
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_DONE);
    /* the PM accepts it: OFF, its own */
    w = fcgp_table_take(t, 1, FCGP_TBL_DONE);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_DONE);
    ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_OFF);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    /* and publishes it again */
    fcgp_table_publish(t, 1);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 1);
    ck_assert_uint_eq(c.nth, 6);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Limits                                                              */

START_TEST(test_limit_reached)
{
    apr_uint32_t cls, n;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    const apr_uint32_t L = 4;

    put(t, 0, cls, 0, L, 0);
    for (n = 1; n < L; n++) {
        ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
        ck_assert_uint_eq(c.nth, n);
        ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
        ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    }
    /* the L-th request is handed out ... */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.nth, L);
    /* ... and even a clean hand-back goes to the PM */
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(served_of(t, 0), L);
}
END_TEST

/* limit 1: the first request is the last. */
START_TEST(test_limit_one)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 0, 1, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.nth, 1);
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
}
END_TEST

/* The PM lowers the limit of a published idle worker to at or below
 * what it has served: it is not handed out, and goes to the PM. */
static const struct {
    apr_uint32_t served, limit;
} lowered_cases[] = {
    { 5, 3 }, { 3, 3 }, { 1, 1 }, { 500, 20 }, { 0xFFFFFFF0u, 2 },
};

START_TEST(test_limit_lowered)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t served = lowered_cases[_i].served;

    put(t, 0, cls, served, 0, 0);
    fcgp_table_slot(t, 0)->limit = lowered_cases[_i].limit;
    c.kick = 0;
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_int_eq(c.kick, 1);
    ck_assert_uint_eq(served_of(t, 0), served);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    /* not again, and the next claim has nothing to report */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_int_eq(c.kick, 0);
    ck_assert_uint_eq(served_of(t, 0), served);
    /* the PM can take it back */
    ck_assert_uint_eq(FCGP_TBL_STATE(fcgp_table_take(t, 0, FCGP_TBL_DONE)),
                      FCGP_TBL_DONE);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_OFF);
}
END_TEST

/* Lowered to exactly the next request: that one is handed out, and it is
 * the last. */
START_TEST(test_limit_lowered_to_next)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 5, 0, 0);
    fcgp_table_slot(t, 0)->limit = 6;
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.nth, 6);
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
}
END_TEST

/* A worker past its lowered limit is skipped: the request gets another
 * idle worker of the class. */
START_TEST(test_limit_lowered_other_slot)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 9, 0, 0);
    put(t, 1, cls, 2, 0, 0);
    fcgp_table_slot(t, 0)->limit = 4;
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 1);
    ck_assert_uint_eq(c.nth, 3);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_uint_eq(served_of(t, 0), 9);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Spawn-ahead                                                         */

static const struct {
    apr_uint32_t served, limit, ahead;
} ahead_cases[] = {
    { 0, 0, 3 },  { 0, 10, 8 }, { 0, 5, 1 }, { 2, 0, 6 }, { 0, 10, 10 },
    { 0, 0, 0 },  { 0, 10, 0 },
};

START_TEST(test_ahead_kicks_once)
{
    apr_uint32_t cls, n;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t limit = ahead_cases[_i].limit, ahead = ahead_cases[_i].ahead;
    apr_uint32_t last = limit ? limit : 20;
    int kicks = 0;

    put(t, 0, cls, ahead_cases[_i].served, limit, ahead);
    for (n = ahead_cases[_i].served + 1; n <= last; n++) {
        REQUIRE(fcgp_table_claim(t, cls, HOLDER, &c) == 1);
        REQUIRE(c.nth == n);
        if (c.kick != (ahead && n == ahead)) {
            ck_abort_msg("limit %u ahead %u: kick %d at request %u", limit,
                         ahead, c.kick, n);
        }
        kicks += c.kick;
        REQUIRE(fcgp_table_release(t, &c, 1, 0) == (limit && n == limit));
    }
    ck_assert_int_eq(kicks, ahead ? 1 : 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Warm first                                                          */

START_TEST(test_warm_first)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t a, b;

    put(t, 0, cls, 0, 0, 0);        /* fresh, lower index */
    put(t, 2, cls, 3, 0, 0);        /* warm */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &a), 1);
    ck_assert_uint_eq(a.slot, 2);
    ck_assert_uint_eq(a.nth, 4);
    ck_assert_uint_eq(served_of(t, 0), 0);
    /* only the fresh one idle: that one */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &b), 1);
    ck_assert_uint_eq(b.slot, 0);
    ck_assert_uint_eq(b.nth, 1);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &b), 0);
}
END_TEST

/* Repeated: the warm one is reused while it is free; the fresh one
 * stays untouched. */
START_TEST(test_warm_reused)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    int i;

    put(t, 0, cls, 0, 0, 0);
    put(t, 1, cls, 0, 0, 0);
    put(t, 3, cls, 1, 0, 0);
    for (i = 0; i < 10; i++) {
        ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
        ck_assert_uint_eq(c.slot, 3);
        ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    }
    ck_assert_uint_eq(served_of(t, 0), 0);
    ck_assert_uint_eq(served_of(t, 1), 0);
    ck_assert_uint_eq(served_of(t, 3), 11);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The PM's side                                                       */

START_TEST(test_take_idle)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t before = word_of(t, 0), w;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_uint_ne(word_of(t, 0), before);
    /* take DONE of an IDLE slot: not taken */
    w = fcgp_table_take(t, 0, FCGP_TBL_DONE);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_IDLE);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    /* take IDLE: OFF, the PM's, not claimable */
    w = fcgp_table_take(t, 0, FCGP_TBL_IDLE);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_IDLE);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_OFF);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(served_of(t, 0), 1);
    /* taking it again: it is not IDLE any more */
    w = fcgp_table_take(t, 0, FCGP_TBL_IDLE);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_OFF);
    /* out of range */
    ck_assert_uint_eq(fcgp_table_take(t, 4, FCGP_TBL_IDLE), FCGP_TBL_OFF);
}
END_TEST

START_TEST(test_take_busy_fails)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c, d;
    apr_uint32_t w;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    w = fcgp_table_take(t, 0, FCGP_TBL_IDLE);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_BUSY);
    ck_assert_uint_eq(w, c.word);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    /* the holder's hand-back is unaffected */
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &d), 1);
    ck_assert_uint_eq(d.nth, 3);
}
END_TEST

/* Seized while busy: the holder's hand-back fails, clean or not, and
 * leaves the slot the PM's (OFF). */
START_TEST(test_seize_busy)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t w, after;
    int ok = _i;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    w = fcgp_table_seize(t, 0);
    ck_assert_uint_eq(w, c.word);
    after = word_of(t, 0);
    ck_assert_uint_eq(FCGP_TBL_STATE(after), FCGP_TBL_OFF);
    ck_assert_uint_ne(FCGP_TBL_GEN(after), FCGP_TBL_GEN(c.word));
    ck_assert_int_eq(fcgp_table_release(t, &c, ok, OUT_BROKEN), 0);
    ck_assert_uint_eq(word_of(t, 0), after);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
}
END_TEST

/* Seize then publish (a new process in the slot): a claim record from
 * before cannot hand anything back into it. */
START_TEST(test_stale_claim_after_republish)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t old, cur;
    apr_uint32_t w;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &old), 1);
    fcgp_table_seize(t, 0);
    put(t, 0, cls, 0, 0, 0);        /* new worker, new pid */
    w = word_of(t, 0);
    ck_assert_uint_eq(FCGP_TBL_STATE(w), FCGP_TBL_IDLE);
    ck_assert_uint_ne(FCGP_TBL_GEN(w), FCGP_TBL_GEN(old.word));
    /* stale, against the idle new worker */
    ck_assert_int_eq(fcgp_table_release(t, &old, 1, 0), 0);
    ck_assert_uint_eq(word_of(t, 0), w);
    ck_assert_int_eq(fcgp_table_release(t, &old, 0, OUT_BROKEN), 0);
    ck_assert_uint_eq(word_of(t, 0), w);
    /* stale, against the new worker's holder */
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER + 1, &cur), 1);
    ck_assert_uint_eq(cur.pid, pid_for(0));
    ck_assert_uint_eq(cur.nth, 1);
    w = word_of(t, 0);
    ck_assert_int_eq(fcgp_table_release(t, &old, 1, 0), 0);
    ck_assert_int_eq(fcgp_table_release(t, &old, 0, OUT_BROKEN), 0);
    ck_assert_uint_eq(word_of(t, 0), w);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    /* the real holder's release works */
    ck_assert_int_eq(fcgp_table_release(t, &cur, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
}
END_TEST

/* Every publish is a new generation, even of a slot taken back by the
 * protocol (take IDLE, take DONE). */
START_TEST(test_publish_new_generation)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;
    apr_uint32_t g0, g1, g2;

    put(t, 0, cls, 1, 0, 0);
    g0 = FCGP_TBL_GEN(word_of(t, 0));
    fcgp_table_take(t, 0, FCGP_TBL_IDLE);
    fcgp_table_publish(t, 0);
    g1 = FCGP_TBL_GEN(word_of(t, 0));
    ck_assert_uint_ne(g1, g0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_int_eq(fcgp_table_release(t, &c, 0, OUT_BROKEN), 1);
    fcgp_table_take(t, 0, FCGP_TBL_DONE);
    fcgp_table_publish(t, 0);
    g2 = FCGP_TBL_GEN(word_of(t, 0));
    ck_assert_uint_ne(g2, g1);
    ck_assert_uint_ne(g2, g0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    /* the claim record from generation g1 is dead */
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
}
END_TEST

/* The generation wraps at 24 bits without touching the state. */
START_TEST(test_generation_wraps)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_slot_t *s = fcgp_table_slot(t, 0);
    fcgp_tbl_claim_t c;

    apr_atomic_set32(&s->word, FCGP_TBL_WORD(FCGP_TBL_OFF, 0xffffffu));
    put(t, 0, cls, 1, 0, 0);
    ck_assert_uint_eq(word_of(t, 0), FCGP_TBL_WORD(FCGP_TBL_IDLE, 0));
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.word, FCGP_TBL_WORD(FCGP_TBL_BUSY, 0));
    ck_assert_uint_eq(fcgp_table_seize(t, 0), FCGP_TBL_WORD(FCGP_TBL_BUSY, 0));
    ck_assert_uint_eq(word_of(t, 0), FCGP_TBL_WORD(FCGP_TBL_OFF, 1));
    apr_atomic_set32(&s->word, FCGP_TBL_WORD(FCGP_TBL_DONE, 0xffffffu));
    ck_assert_uint_eq(fcgp_table_seize(t, 0),
                      FCGP_TBL_WORD(FCGP_TBL_DONE, 0xffffffu));
    ck_assert_uint_eq(word_of(t, 0), FCGP_TBL_WORD(FCGP_TBL_OFF, 0));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fairness: requests queued in the PM come first                      */

START_TEST(test_waiting_blocks_claim)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 1, 0, 0);
    apr_atomic_set32(&k->waiting, 1);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    ck_assert_uint_eq(served_of(t, 0), 1);
    apr_atomic_set32(&k->waiting, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
}
END_TEST

/* Handlers sleeping in the table (wait_claim) come first too. */
START_TEST(test_sleepers_block_claim)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 1, 0, 0);
    apr_atomic_inc32(&k->sleepers);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    apr_atomic_dec32(&k->sleepers);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
}
END_TEST

/* Requests queued in the PM while the worker was busy: the clean
 * hand-back goes to the PM (which serves its queue with it). */
START_TEST(test_waiting_release_to_pm)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    apr_atomic_set32(&k->waiting, 2);
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_uint_eq(fcgp_table_outcome(t, 0), 0);
    apr_atomic_set32(&k->waiting, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Waiting in a full class                                             */

START_TEST(test_full_flag)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);

    ck_assert_int_eq(fcgp_table_class_full(t, cls), 0);
    fcgp_table_set_full(t, cls, 1);
    ck_assert_int_ne(fcgp_table_class_full(t, cls), 0);
    fcgp_table_set_full(t, cls, 7);
    ck_assert_int_ne(fcgp_table_class_full(t, cls), 0);
    fcgp_table_set_full(t, cls, 0);
    ck_assert_int_eq(fcgp_table_class_full(t, cls), 0);
    /* out of range: never full, no crash */
    fcgp_table_set_full(t, 16, 1);
    ck_assert_int_eq(fcgp_table_class_full(t, 16), 0);
}
END_TEST

START_TEST(test_wait_timeout)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t held, c;
    apr_time_t t0;
    fcgp_tbl_wait_e res;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &held), 1);
    fcgp_table_set_full(t, cls, 1);
    t0 = apr_time_now();
    res = fcgp_table_wait_claim(t, cls, HOLDER + 1, &c,
                                t0 + apr_time_from_msec(50));
    ck_assert_int_eq(res, FCGP_TBL_TIMEOUT);
    ck_assert_int_ge(elapsed_ms(t0), 40);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    ck_assert_uint_eq(apr_atomic_read32(&k->sleepers), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    /* a deadline already past: at once */
    t0 = apr_time_now();
    res = fcgp_table_wait_claim(t, cls, HOLDER + 1, &c, t0);
    ck_assert_int_eq(res, FCGP_TBL_TIMEOUT);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    ck_assert_uint_eq(apr_atomic_read32(&k->sleepers), 0);
}
END_TEST

START_TEST(test_wait_not_full_asks_pm)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t held, c;
    apr_time_t t0;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &held), 1);
    fcgp_table_set_full(t, cls, 0);
    t0 = apr_time_now();
    ck_assert_int_eq(fcgp_table_wait_claim(t, cls, HOLDER + 1, &c,
                                           t0 + apr_time_from_sec(10)),
                     FCGP_TBL_ASK_PM);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    ck_assert_uint_eq(apr_atomic_read32(&k->sleepers), 0);
    /* unknown class: the PM */
    ck_assert_int_eq(fcgp_table_wait_claim(t, 16, HOLDER + 1, &c,
                                           t0 + apr_time_from_sec(10)),
                     FCGP_TBL_ASK_PM);
}
END_TEST

/* An idle worker already there: claimed at once, even in a full class,
 * and the claim counts. */
START_TEST(test_wait_idle_at_once)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t c;
    apr_time_t t0;

    put(t, 1, cls, 2, 0, 0);
    fcgp_table_set_full(t, cls, 1);
    t0 = apr_time_now();
    ck_assert_int_eq(fcgp_table_wait_claim(t, cls, HOLDER, &c,
                                           t0 + apr_time_from_sec(10)),
                     FCGP_TBL_CLAIMED);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    ck_assert_uint_eq(c.slot, 1);
    ck_assert_uint_eq(c.nth, 3);
    ck_assert_uint_eq(state_of(t, 1), FCGP_TBL_BUSY);
    ck_assert_uint_eq(apr_atomic_read32(&k->sleepers), 0);
}
END_TEST

/* A worker handed back while others sleep was handed back for the
 * longest of them (its wake-up is on the way): one who comes to wait now
 * must not take it, or that sleeper finds nothing and goes to the end of
 * the line (a c=256 run had a p99 of 4x its mean from this). */
START_TEST(test_wait_newcomer_does_not_take_a_woken_sleepers_worker)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t c;
    apr_time_t t0;

    put(t, 0, cls, 1, 0, 0);
    fcgp_table_set_full(t, cls, 1);
    apr_atomic_inc32(&k->sleepers);     /* woken, not yet running */
    /* A deadline already past: one look, no sleep (a sleep would end
     * with a look of its own, once the sleeper ahead had its chance). */
    t0 = apr_time_now();
    ck_assert_int_eq(fcgp_table_wait_claim(t, cls, HOLDER + 1, &c, t0),
                     FCGP_TBL_TIMEOUT);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_IDLE);
    ck_assert_uint_eq(served_of(t, 0), 1);   /* not counted either */
    /* the sleeper gets its turn: nobody ahead of it now */
    apr_atomic_dec32(&k->sleepers);
    ck_assert_int_eq(fcgp_table_wait_claim(t, cls, HOLDER, &c,
                                           apr_time_now()
                                           + apr_time_from_sec(10)),
                     FCGP_TBL_CLAIMED);
    ck_assert_uint_eq(c.slot, 0);
    ck_assert_uint_eq(apr_atomic_read32(&k->sleepers), 0);
}
END_TEST

/* The wake-ups sleepers (in other processes) wait for: the class's seq
 * changes when a worker comes free or the class may grow, while someone
 * sleeps; and a sleeper leaving without a worker passes its wake-up on
 * to the next one. */
START_TEST(test_wake_protocol)
{
    apr_uint32_t cls, seq;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t c, d;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    apr_atomic_set32(&k->sleepers, 1);      /* somebody sleeps */
    /* a clean hand-back */
    seq = apr_atomic_read32(&k->seq);
    ck_assert_int_eq(fcgp_table_release(t, &c, 1, 0), 0);
    ck_assert_uint_ne(apr_atomic_read32(&k->seq), seq);
    /* the PM: a worker came free */
    seq = apr_atomic_read32(&k->seq);
    fcgp_table_wake(t, cls);
    ck_assert_uint_ne(apr_atomic_read32(&k->seq), seq);
    /* the PM: the class may grow */
    fcgp_table_set_full(t, cls, 1);
    seq = apr_atomic_read32(&k->seq);
    fcgp_table_set_full(t, cls, 0);
    ck_assert_uint_ne(apr_atomic_read32(&k->seq), seq);
    /* a second sleeper gives up (deadline past) with no worker free: the
     * wake-up goes on to the first */
    ck_assert_uint_eq(FCGP_TBL_STATE(fcgp_table_take(t, 0, FCGP_TBL_IDLE)),
                      FCGP_TBL_IDLE);
    fcgp_table_set_full(t, cls, 1);
    seq = apr_atomic_read32(&k->seq);
    ck_assert_int_eq(fcgp_table_wait_claim(t, cls, HOLDER, &d,
                                           apr_time_now()),
                     FCGP_TBL_TIMEOUT);
    ck_assert_uint_ne(apr_atomic_read32(&k->seq), seq);
    ck_assert_uint_eq(apr_atomic_read32(&k->sleepers), 1);
}
END_TEST

typedef struct {
    fcgp_table_t *t;
    apr_uint32_t cls;
    fcgp_tbl_claim_t *held;     /* release this one ... */
    int unfull;                 /* ... or set the class not full */
    apr_uint32_t saw_sleepers;
    int release_rc;
} waker_t;

static void *APR_THREAD_FUNC waker(apr_thread_t *th, void *data)
{
    waker_t *w = data;
    fcgp_tbl_class_t *k = fcgp_table_class(w->t, w->cls);
    int i;

    /* until the other thread is asleep in the table (2 s at most) */
    for (i = 0; i < 2000 && !apr_atomic_read32(&k->sleepers); i++) {
        apr_sleep(apr_time_from_msec(1));
    }
    w->saw_sleepers = apr_atomic_read32(&k->sleepers);
    apr_sleep(apr_time_from_msec(30));
    if (w->unfull) {
        fcgp_table_set_full(w->t, w->cls, 0);
    }
    else {
        w->release_rc = fcgp_table_release(w->t, w->held, 1, 0);
    }
    (void)th;     /* returning, not apr_thread_exit(): see the top */
    return NULL;
}

START_TEST(test_wait_woken_by_release)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t held, c;
    waker_t w;
    apr_thread_t *th;
    apr_status_t trv;
    apr_time_t t0;
    fcgp_tbl_wait_e res;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &held), 1);
    fcgp_table_set_full(t, cls, 1);
    memset(&w, 0, sizeof(w));
    w.t = t;
    w.cls = cls;
    w.held = &held;
    w.release_rc = -1;
    t0 = apr_time_now();
    ck_assert_int_eq(apr_thread_create(&th, NULL, waker, &w, pool),
                     APR_SUCCESS);
    res = fcgp_table_wait_claim(t, cls, HOLDER + 1, &c,
                                t0 + apr_time_from_sec(5));
    ck_assert_int_eq(apr_thread_join(&trv, th), APR_SUCCESS);
    ck_assert_int_eq(res, FCGP_TBL_CLAIMED);
    ck_assert_uint_eq(w.saw_sleepers, 1);
    ck_assert_int_eq(w.release_rc, 0);
    ck_assert_int_ge(elapsed_ms(t0), 25);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    ck_assert_uint_eq(c.slot, 0);
    ck_assert_uint_eq(c.nth, 3);
    ck_assert_uint_eq(fcgp_table_slot(t, 0)->holder, HOLDER + 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    ck_assert_uint_eq(apr_atomic_read32(&k->sleepers), 0);
}
END_TEST

/* The PM says the class may grow again: the sleeper goes to ask it. */
START_TEST(test_wait_woken_by_unfull)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_class_t *k = fcgp_table_class(t, cls);
    fcgp_tbl_claim_t held, c;
    waker_t w;
    apr_thread_t *th;
    apr_status_t trv;
    apr_time_t t0;
    fcgp_tbl_wait_e res;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &held), 1);
    fcgp_table_set_full(t, cls, 1);
    memset(&w, 0, sizeof(w));
    w.t = t;
    w.cls = cls;
    w.unfull = 1;
    t0 = apr_time_now();
    ck_assert_int_eq(apr_thread_create(&th, NULL, waker, &w, pool),
                     APR_SUCCESS);
    res = fcgp_table_wait_claim(t, cls, HOLDER + 1, &c,
                                t0 + apr_time_from_sec(5));
    ck_assert_int_eq(apr_thread_join(&trv, th), APR_SUCCESS);
    ck_assert_int_eq(res, FCGP_TBL_ASK_PM);
    ck_assert_uint_eq(w.saw_sleepers, 1);
    ck_assert_int_ge(elapsed_ms(t0), 25);
    ck_assert_int_lt(elapsed_ms(t0), 2000);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_BUSY);
    ck_assert_uint_eq(apr_atomic_read32(&k->sleepers), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Concurrency                                                         */

#define CONC_THREADS 8
#define CONC_LOOPS   20000
#define CONC_SLOTS   3

typedef struct {
    fcgp_table_t *t;
    apr_uint32_t cls;
    apr_uint32_t *owner;        /* per slot: 0, or the thread's id + 1 */
    apr_uint32_t *overlaps;     /* shared counters */
    apr_uint32_t *bad;
    apr_uint32_t id;
    apr_uint32_t claims;        /* this thread's successful claims */
} conc_t;

static void *APR_THREAD_FUNC conc_worker(apr_thread_t *th, void *data)
{
    conc_t *a = data;
    int i;

    for (i = 0; i < CONC_LOOPS; i++) {
        fcgp_tbl_claim_t c;
        if (!fcgp_table_claim(a->t, a->cls, a->id + 1, &c)) {
            if (c.kick) {
                apr_atomic_inc32(a->bad);
            }
            continue;
        }
        a->claims++;
        if (c.slot >= CONC_SLOTS || c.kick || c.pid != pid_for(c.slot)
            || c.nth == 0) {
            apr_atomic_inc32(a->bad);
            continue;
        }
        if (apr_atomic_cas32(&a->owner[c.slot], a->id + 1, 0) != 0) {
            apr_atomic_inc32(a->overlaps);
        }
        if ((i & 7) == 0) {
            apr_thread_yield();         /* hold it a while, sometimes */
        }
        if (apr_atomic_read32(&a->owner[c.slot]) != a->id + 1) {
            apr_atomic_inc32(a->overlaps);
        }
        apr_atomic_set32(&a->owner[c.slot], 0);
        if (fcgp_table_release(a->t, &c, 1, 0) != 0) {
            apr_atomic_inc32(a->bad);
        }
    }
    (void)th;     /* returning, not apr_thread_exit(): see the top */
    return NULL;
}

START_TEST(test_concurrent_claims)
{
    apr_uint32_t cls, i, total = 0, served = 0;
    fcgp_table_t *t = mk_table_cls(8, &cls);
    apr_uint32_t owner[CONC_SLOTS] = { 0 }, overlaps = 0, bad = 0;
    conc_t args[CONC_THREADS];
    apr_thread_t *th[CONC_THREADS];
    apr_status_t trv;

    for (i = 0; i < CONC_SLOTS; i++) {
        put(t, i, cls, i, 0, 0);        /* one fresh, two warm */
    }
    for (i = 0; i < CONC_THREADS; i++) {
        args[i].t = t;
        args[i].cls = cls;
        args[i].owner = owner;
        args[i].overlaps = &overlaps;
        args[i].bad = &bad;
        args[i].id = i;
        args[i].claims = 0;
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, conc_worker,
                                           &args[i], pool), APR_SUCCESS);
    }
    for (i = 0; i < CONC_THREADS; i++) {
        ck_assert_int_eq(apr_thread_join(&trv, th[i]), APR_SUCCESS);
        total += args[i].claims;
    }
    ck_assert_uint_eq(overlaps, 0);
    ck_assert_uint_eq(bad, 0);
    for (i = 0; i < CONC_SLOTS; i++) {
        ck_assert_uint_eq(state_of(t, i), FCGP_TBL_IDLE);
        served += served_of(t, i) - i;
    }
    ck_assert_uint_gt(total, 0);
    ck_assert_uint_eq(served, total);
}
END_TEST

/* ------------------------------------------------------------------ */
/* fcgp_table_create: anonymous shared memory, seen by a forked child   */

START_TEST(test_create_shared)
{
    fcgp_table_t *t, *t2;
    apr_uint32_t cls;
    fcgp_tbl_claim_t c;
    pid_t pid;
    int status;

    ck_assert_int_eq(fcgp_table_create(pool, 6, &t), APR_SUCCESS);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(fcgp_table_create(pool, 6, &t2), APR_SUCCESS);
    ck_assert_ptr_ne(t, t2);
    ck_assert(fcgp_table_nonce(t) != fcgp_table_nonce(t2));
    ck_assert_uint_eq(fcgp_table_nslots(t), 6);
    ck_assert_ptr_nonnull(fcgp_table_slot(t, 5));
    ck_assert_ptr_null(fcgp_table_slot(t, 6));
    ck_assert_ptr_nonnull(fcgp_table_class(t, 1023));
    ck_assert_ptr_null(fcgp_table_class(t, 1024));

    cls = fcgp_table_add_class(t, "/usr/bin/php-cgi", 16);
    ck_assert_uint_ne(cls, FCGP_TBL_NO_CLASS);
    put(t, 4, cls, 0, 0, 0);

    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* the "httpd child": finds the class, claims, exits holding it */
        apr_uint32_t k = fcgp_table_find_class(t, "/usr/bin/php-cgi", 16);
        int ok = k == cls
                 && fcgp_table_claim(t, k, (apr_uint32_t)getpid(), &c) == 1
                 && c.slot == 4 && c.nth == 1;
        _exit(ok ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the parent sees what the child did */
    ck_assert_uint_eq(state_of(t, 4), FCGP_TBL_BUSY);
    ck_assert_uint_eq(served_of(t, 4), 1);
    ck_assert_uint_eq(fcgp_table_slot(t, 4)->holder, (apr_uint32_t)pid);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 0);
    /* and, as the PM, takes it back from the dead holder */
    ck_assert_uint_eq(FCGP_TBL_STATE(fcgp_table_seize(t, 4)), FCGP_TBL_BUSY);
    ck_assert_uint_eq(state_of(t, 4), FCGP_TBL_OFF);
    /* the other table is untouched */
    ck_assert_uint_eq(fcgp_table_find_class(t2, "/usr/bin/php-cgi", 16),
                      FCGP_TBL_NO_CLASS);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Found by this suite, fixed since: kept as regression tests.          */

/* table.h: "Either way c->kick says the PM should be told (... or a
 * worker past its limit was handed back)".  A claim that retires a
 * worker past its lowered limit and then gets another one must still
 * say so. */
START_TEST(test_bug_kick_lost_on_claim)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t c;

    put(t, 0, cls, 9, 0, 0);
    put(t, 1, cls, 2, 0, 0);
    fcgp_table_slot(t, 0)->limit = 4;
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &c), 1);
    ck_assert_uint_eq(c.slot, 1);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_msg(c.kick, "slot 0 went DONE during the claim, kick is 0");
}
END_TEST

/* A hand-back that fails (the slot was seized and refilled) must not
 * touch the slot: the PM reads the outcome of the new holder's
 * hand-back. */
START_TEST(test_bug_stale_release_outcome)
{
    apr_uint32_t cls;
    fcgp_table_t *t = mk_table_cls(4, &cls);
    fcgp_tbl_claim_t old, cur;

    put(t, 0, cls, 1, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER, &old), 1);
    fcgp_table_seize(t, 0);
    put(t, 0, cls, 0, 0, 0);
    ck_assert_int_eq(fcgp_table_claim(t, cls, HOLDER + 1, &cur), 1);
    ck_assert_int_eq(fcgp_table_release(t, &cur, 0, OUT_BROKEN), 1);
    ck_assert_uint_eq(fcgp_table_outcome(t, 0), OUT_BROKEN);
    ck_assert_int_eq(fcgp_table_release(t, &old, 0, OUT_TIMEOUT), 0);
    ck_assert_uint_eq(state_of(t, 0), FCGP_TBL_DONE);
    ck_assert_msg(fcgp_table_outcome(t, 0) == OUT_BROKEN,
                  "failed stale release overwrote outcome with %u",
                  fcgp_table_outcome(t, 0));
}
END_TEST

/* table.c add_class: "Keep a quarter free: probes stay short."  Keys
 * in distinct buckets of a 4-entry table: at most 3 may be added. */
START_TEST(test_bug_quarter_not_kept_free)
{
    fcgp_table_t *t = mk_table(4, 4, 4096);
    char k[32];
    apr_uint32_t home;
    int added = 0;

    for (home = 0; home < 4; home++) {
        apr_size_t len = key_with_home(k, sizeof(k), 4, home, 0);
        added += fcgp_table_add_class(t, k, len) != FCGP_TBL_NO_CLASS;
    }
    ck_assert_msg(added <= 3, "%d of 4 entries used", added);
}
END_TEST

/* A table of 2 classes can hold none (2 / 4 * 3 == 0). */
START_TEST(test_bug_two_classes_hold_none)
{
    fcgp_table_t *t = mk_table(4, 2, 4096);
    ck_assert_uint_ne(fcgp_table_add_class(t, "php", 3), FCGP_TBL_NO_CLASS);
}
END_TEST

/* ------------------------------------------------------------------ */

int main(void)
{
    Suite *s = suite_create("table");
    TCase *tc;

    if (unit_init() != 0) {
        return EXIT_FAILURE;
    }

    tc = tcase_create("classes");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_init_rejects_class_counts);
    tcase_add_test(tc, test_layout_disjoint);
    tcase_add_test(tc, test_hash_vectors);
    tcase_add_test(tc, test_class_same_key_same_index);
    tcase_add_test(tc, test_class_find_only_published);
    tcase_add_loop_test(tc, test_class_hash_collision, 0, 3);
    tcase_add_test(tc, test_class_collisions);
    tcase_add_test(tc, test_class_binary_keys);
    tcase_add_test(tc, test_class_key_area_full);
    tcase_add_test(tc, test_class_key_area_aligned);
    tcase_add_test(tc, test_class_table_room);
    tcase_add_test(tc, test_class_many);
    suite_add_tcase(s, tc);

    tc = tcase_create("claim");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_claim_fields);
    tcase_add_test(tc, test_claim_single_slot_protocol);
    tcase_add_test(tc, test_claim_other_class);
    tcase_add_test(tc, test_claim_only_published);
    tcase_add_test(tc, test_release_not_ok);
    tcase_add_test(tc, test_warm_first);
    tcase_add_test(tc, test_warm_reused);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_limit_reached);
    tcase_add_test(tc, test_limit_one);
    tcase_add_loop_test(tc, test_limit_lowered, 0, N_OF(lowered_cases));
    tcase_add_test(tc, test_limit_lowered_to_next);
    tcase_add_test(tc, test_limit_lowered_other_slot);
    tcase_add_loop_test(tc, test_ahead_kicks_once, 0, N_OF(ahead_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("pm_side");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_take_idle);
    tcase_add_test(tc, test_take_busy_fails);
    tcase_add_loop_test(tc, test_seize_busy, 0, 2);
    tcase_add_test(tc, test_stale_claim_after_republish);
    tcase_add_test(tc, test_publish_new_generation);
    tcase_add_test(tc, test_generation_wraps);
    suite_add_tcase(s, tc);

    tc = tcase_create("fairness");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_waiting_blocks_claim);
    tcase_add_test(tc, test_sleepers_block_claim);
    tcase_add_test(tc, test_waiting_release_to_pm);
    suite_add_tcase(s, tc);

    tc = tcase_create("full_class");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_full_flag);
    tcase_add_test(tc, test_wait_timeout);
    tcase_add_test(tc, test_wait_not_full_asks_pm);
    tcase_add_test(tc, test_wait_idle_at_once);
    tcase_add_test(tc, test_wait_newcomer_does_not_take_a_woken_sleepers_worker);
    tcase_add_test(tc, test_wake_protocol);
    tcase_add_test(tc, test_wait_woken_by_release);
    tcase_add_test(tc, test_wait_woken_by_unfull);
    suite_add_tcase(s, tc);

    tc = tcase_create("concurrency");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_concurrent_claims);
    suite_add_tcase(s, tc);

    tc = tcase_create("shm");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_create_shared);
    suite_add_tcase(s, tc);

    tc = tcase_create("regressions");
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
    tcase_add_test(tc, test_bug_kick_lost_on_claim);
    tcase_add_test(tc, test_bug_stale_release_outcome);
    tcase_add_test(tc, test_bug_quarter_not_kept_free);
    tcase_add_test(tc, test_bug_two_classes_hold_none);
    suite_add_tcase(s, tc);

    return unit_run(s);
}
