/* test_conns.c: an httpd child's kept connections to the PM (pm/conns.c),
 * against a real unix socket standing in for the PM: reuse, drop,
 * threads, and the child's exit closing each connection once (the keeper
 * used to free its connections' pools a second time after they were
 * gone; under SAN=1 that is a double free, without it a corrupt
 * allocator and, now and then, a crashed httpd child at stop). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <apr_thread_proc.h>
#include <apr_portable.h>
#include "t/unit/unit.h"
#include "pm/conns.h"

static char dir[64];
static char path[128];
static int lfd = -1;

/* The PM's socket, listening at path. */
static void pm_listen(void)
{
    struct sockaddr_un sa;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(lfd, 0);
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(lfd, 128), 0);
}

static void pm_setup(void)
{
    pool_setup();
    strcpy(dir, "/tmp/fcgp-conns-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/pm.sock", dir);
    pm_listen();
}

static void pm_teardown(void)
{
    close(lfd);
    unlink(path);
    rmdir(dir);
    pool_teardown();
}

/* The PM's side: take every pending connection (at most max). */
static int accept_all(int *fds, int max)
{
    struct pollfd pf = { lfd, POLLIN, 0 };
    int n = 0;
    while (n < max && poll(&pf, 1, 200) == 1) {
        fds[n] = accept(lfd, NULL, NULL);
        ck_assert_int_ge(fds[n], 0);
        n++;
    }
    return n;
}

/* 1: the connection's other end is closed; 0: still open. */
static int closed(int fd)
{
    struct pollfd pf = { fd, POLLIN, 0 };
    char b;
    if (poll(&pf, 1, 1000) != 1) {
        return 0;
    }
    return read(fd, &b, 1) == 0;
}

static apr_pool_t *child_pool(void)
{
    apr_pool_t *pchild;
    ck_assert_int_eq(apr_pool_create(&pchild, pool), APR_SUCCESS);
    return pchild;
}

/* A kept connection is used again; a bad one is closed and replaced. */
START_TEST(test_reuse_and_drop)
{
    apr_pool_t *pchild = child_pool();
    fcgp_pm_conns_t *k;
    fcgp_pm_conn_t *a, *b;
    int fds[4];

    ck_assert_int_eq(fcgp_pm_conns_create(pchild, path, 4, &k), APR_SUCCESS);
    ck_assert_int_eq(fcgp_pm_conn_get(k, pool, path, 0, &a), APR_SUCCESS);
    fcgp_pm_conn_put(k, a, 1);
    ck_assert_int_eq(fcgp_pm_conn_get(k, pool, path, 0, &b), APR_SUCCESS);
    ck_assert_ptr_eq(a, b);
    ck_assert_int_eq(accept_all(fds, 4), 1);
    fcgp_pm_conn_put(k, b, 0);
    ck_assert_int_eq(closed(fds[0]), 1);
    ck_assert_int_eq(fcgp_pm_conn_get(k, pool, path, 0, &a), APR_SUCCESS);
    ck_assert_int_eq(accept_all(fds + 1, 3), 1);
    fcgp_pm_conn_put(k, a, 1);
    apr_pool_destroy(pchild);
    ck_assert_int_eq(closed(fds[1]), 1);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* A fresh connection is the caller's, not kept: put closes it. */
START_TEST(test_fresh_not_kept)
{
    apr_pool_t *pchild = child_pool();
    fcgp_pm_conns_t *k;
    fcgp_pm_conn_t *a;
    int fd;

    ck_assert_int_eq(fcgp_pm_conns_create(pchild, path, 4, &k), APR_SUCCESS);
    ck_assert_int_eq(fcgp_pm_conn_get(k, pool, path, 1, &a), APR_SUCCESS);
    ck_assert_ptr_null(a->pool);
    ck_assert_int_eq(accept_all(&fd, 1), 1);
    fcgp_pm_conn_put(k, a, 1);
    ck_assert_int_eq(closed(fd), 1);
    close(fd);
    apr_pool_destroy(pchild);
}
END_TEST

/* The child exits with idle kept connections: each is closed, once.
 * (Freed twice, the keeper's allocator crashes as it is destroyed.) */
START_TEST(test_exit_closes_kept)
{
    apr_pool_t *pchild = child_pool();
    fcgp_pm_conns_t *k;
    fcgp_pm_conn_t *c[3];
    int fds[4], i;

    ck_assert_int_eq(fcgp_pm_conns_create(pchild, path, 4, &k), APR_SUCCESS);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(fcgp_pm_conn_get(k, pool, path, 0, &c[i]),
                         APR_SUCCESS);
    }
    for (i = 0; i < 3; i++) {
        fcgp_pm_conn_put(k, c[i], 1);
    }
    ck_assert_int_eq(accept_all(fds, 4), 3);
    apr_pool_destroy(pchild);
    for (i = 0; i < 3; i++) {
        ck_assert_msg(closed(fds[i]), "kept connection %d left open", i);
        close(fds[i]);
    }
}
END_TEST

/* The PM is not there (it is being restarted): a get fails and holds
 * nothing; once it listens again, the next get connects. */
START_TEST(test_pm_away)
{
    apr_pool_t *pchild = child_pool();
    fcgp_pm_conns_t *k;
    fcgp_pm_conn_t *c[2];
    int fds[2], i;

    ck_assert_int_eq(fcgp_pm_conns_create(pchild, path, 2, &k), APR_SUCCESS);
    close(lfd);
    unlink(path);
    for (i = 0; i < 3; i++) {   /* more tries than the keeper holds */
        ck_assert_int_ne(fcgp_pm_conn_get(k, pool, path, 0, &c[0]),
                         APR_SUCCESS);
    }
    pm_listen();
    /* both places free: the failed gets took none */
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(fcgp_pm_conn_get(k, pool, path, 0, &c[i]),
                         APR_SUCCESS);
    }
    ck_assert_int_eq(accept_all(fds, 2), 2);
    fcgp_pm_conn_put(k, c[0], 1);
    fcgp_pm_conn_put(k, c[1], 1);
    apr_pool_destroy(pchild);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(closed(fds[i]), 1);
        close(fds[i]);
    }
}
END_TEST

/* Threads share the keeper: never more connections than threads, and a
 * connection is never handed to two threads at once. */
#define THREADS 6
#define ROUNDS  300
static fcgp_pm_conns_t *shared;
static volatile int in_use[64];
static volatile int failures;

static void *APR_THREAD_FUNC user(apr_thread_t *t, void *data)
{
    apr_pool_t *p;
    int i, bad = 0;
    (void)data;
    apr_pool_create(&p, NULL);
    for (i = 0; i < ROUNDS; i++) {
        fcgp_pm_conn_t *c;
        int fd;
        if (fcgp_pm_conn_get(shared, p, path, 0, &c) != APR_SUCCESS) {
            bad++;
            continue;
        }
        apr_os_sock_get(&fd, c->sock);
        if (fd < 64 && __sync_fetch_and_add(&in_use[fd], 1) != 0) {
            bad++;
        }
        if (fd < 64) {
            __sync_fetch_and_sub(&in_use[fd], 1);
        }
        fcgp_pm_conn_put(shared, c, i % 50 != 49);
    }
    apr_pool_destroy(p);
    __sync_fetch_and_add(&failures, bad);
    (void)t;
    return NULL;
}

START_TEST(test_threads)
{
    apr_pool_t *pchild = child_pool();
    apr_thread_t *th[THREADS];
    apr_status_t st;
    int i, fds[128], n = 0, m;

    ck_assert_int_eq(fcgp_pm_conns_create(pchild, path, THREADS, &shared),
                     APR_SUCCESS);
    for (i = 0; i < THREADS; i++) {
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, user, NULL, pool),
                         APR_SUCCESS);
    }
    /* each thread drops one connection in 50: about 36 made in all */
    while ((m = accept_all(fds + n, 128 - n)) > 0) {
        n += m;
    }
    for (i = 0; i < THREADS; i++) {
        apr_thread_join(&st, th[i]);
    }
    ck_assert_int_eq(failures, 0);
    n += accept_all(fds + n, 128 - n);
    ck_assert_int_le(n, THREADS + THREADS * ROUNDS / 50);
    apr_pool_destroy(pchild);
    for (i = 0; i < n; i++) {
        ck_assert_msg(closed(fds[i]), "connection %d of %d left open", i, n);
        close(fds[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pm_conns");
    TCase *tc;

    if (unit_init() != 0) {
        return EXIT_FAILURE;
    }
    tc = tcase_create("keeper");
    tcase_add_checked_fixture(tc, pm_setup, pm_teardown);
    tcase_add_test(tc, test_reuse_and_drop);
    tcase_add_test(tc, test_fresh_not_kept);
    tcase_add_test(tc, test_exit_closes_kept);
    tcase_add_test(tc, test_pm_away);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
