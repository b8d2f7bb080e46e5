/* test_res_shared_read.c - the reads one provider process shares: res_shared_read (demand
 * threshold, single flight across threads, a write overtaking a load, a failed load, a waiter's
 * cancel, a get that bypasses a load under way), res_account_cache on the fake transport (one
 * walk of the organization once demand warrants it, ListAccounts when the walk is refused, the
 * account's own calls for what they lack and for a missing account, invalidate), res_keyed_read (one shared read per key, invalidated
 * per key or all at once, an exact read's answer offered to it) and res_fanout_run / res_fanout_each (every task runs once, on reused threads,
 * fan-outs nested beyond the pool's size end). No network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "res_account_cache.h"
#include "res_fanout.h"
#include "res_keyed_read.h"
#include "res_shared_read.h"
#include "test_aws_fake.h"
#include "uc_cancel.h"

/* ---- res_shared_read -------------------------------------------------------------------- */

struct loader {
    int loads;              /* atomic */
    uc_status result;       /* what load answers */
    struct res_shared_read *r;
    bool invalidate_inside; /* a write overtakes the load */
    uint64_t sleep_ms;      /* how long a load takes */
    int held;               /* atomic: while set, a load does not end */
};

static uc_status load(void *ctx, json_t **out, struct aws_error *err)
{
    struct loader *l = ctx;
    int n = __atomic_add_fetch(&l->loads, 1, __ATOMIC_SEQ_CST);
    if (l->sleep_ms)
        uc_cancel_sleep_ms(NULL, l->sleep_ms);
    while (__atomic_load_n(&l->held, __ATOMIC_SEQ_CST))
        uc_cancel_sleep_ms(NULL, 1);
    if (l->invalidate_inside)
        res_shared_read_invalidate(l->r);
    if (l->result != UC_OK)
        return aws_error_set(err, l->result, "test", "Load", "load failed");
    *out = json_pack("{s:i}", "load", n);
    return UC_OK;
}

static void test_demand_threshold(void **state)
{
    (void)state;
    struct res_shared_read *r = res_shared_read_new(0, 3, RES_SHARED_READ_WAIT);
    struct loader l = {.result = UC_OK, .r = r};
    struct aws_error err;
    json_t *v = NULL;
    aws_error_clear(&err);
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_NOTFOUND);
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_NOTFOUND);
    assert_null(v);
    assert_int_equal(l.loads, 0);
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_OK);
    assert_int_equal(json_integer_value(json_object_get(v, "load")), 1);
    json_decref(v);
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_OK);
    json_decref(v);
    assert_int_equal(l.loads, 1);
    /* a write drops it: the next get loads again */
    res_shared_read_invalidate(r);
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_OK);
    assert_int_equal(json_integer_value(json_object_get(v, "load")), 2);
    json_decref(v);
    res_shared_read_free(r);
    res_shared_read_free(NULL);
    res_shared_read_invalidate(NULL);
}

struct getter {
    struct res_shared_read *r;
    struct loader *l;
    const struct aws_call_opts *o;
    uc_status st;
    long got;
    struct aws_error err;
};

static void *getter_main(void *arg)
{
    struct getter *g = arg;
    json_t *v = NULL;
    aws_error_clear(&g->err);
    g->st = res_shared_read_get(g->r, load, g->l, g->o, &v, &g->err);
    g->got = v ? (long)json_integer_value(json_object_get(v, "load")) : 0;
    json_decref(v);
    return NULL;
}

static void test_single_flight(void **state)
{
    (void)state;
    enum { N = 8 };
    struct res_shared_read *r = res_shared_read_new(0, 1, RES_SHARED_READ_WAIT);
    struct loader l = {.result = UC_OK, .r = r, .sleep_ms = 50};
    struct getter g[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        g[i] = (struct getter){.r = r, .l = &l};
        assert_int_equal(pthread_create(&th[i], NULL, getter_main, &g[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(g[i].st, UC_OK);
        assert_int_equal(g[i].got, 1);
    }
    assert_int_equal(l.loads, 1);
    res_shared_read_free(r);
}

static void test_overtaken_and_failed_loads(void **state)
{
    (void)state;
    struct res_shared_read *r = res_shared_read_new(0, 1, RES_SHARED_READ_WAIT);
    struct loader l = {.result = UC_OK, .r = r, .invalidate_inside = true};
    struct aws_error err;
    json_t *v = NULL;
    aws_error_clear(&err);
    /* a write during the load: the loaded value is neither kept nor handed out */
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_NOTFOUND);
    assert_null(v);
    l.invalidate_inside = false;
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_OK);
    json_decref(v);
    assert_int_equal(l.loads, 2);
    /* a failed load: callers read on their own, without loading again, until invalidate */
    res_shared_read_invalidate(r);
    l.result = UC_REMOTE;
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_NOTFOUND);
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_NOTFOUND);
    assert_int_equal(l.loads, 3);
    l.result = UC_OK;
    res_shared_read_invalidate(r);
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_OK);
    json_decref(v);
    assert_int_equal(l.loads, 4);
    res_shared_read_free(r);
}

static void test_waiter_cancel(void **state)
{
    (void)state;
    struct res_shared_read *r = res_shared_read_new(0, 1, RES_SHARED_READ_WAIT);
    struct loader l = {.result = UC_OK, .r = r, .sleep_ms = 400};
    struct uc_cancel *stop = uc_cancel_new();
    struct aws_call_opts o = {.cancel = stop};
    struct getter loader_g = {.r = r, .l = &l};
    struct getter waiter = {.r = r, .l = &l, .o = &o};
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, getter_main, &loader_g), 0);
    while (__atomic_load_n(&l.loads, __ATOMIC_SEQ_CST) == 0)
        uc_cancel_sleep_ms(NULL, 1);
    uc_cancel_trigger(stop);
    assert_int_equal(pthread_create(&t2, NULL, getter_main, &waiter), 0);
    pthread_join(t2, NULL);
    assert_int_equal(waiter.st, UC_CANCELED);
    pthread_join(t1, NULL);
    assert_int_equal(loader_g.st, UC_OK);
    assert_int_equal(l.loads, 1);
    uc_cancel_free(stop);
    res_shared_read_free(r);
}

/* RES_SHARED_READ_BYPASS: a get during another thread's load answers UC_NOTFOUND at once (the
 * caller makes its own call), and takes the value once the load has ended. */
static void test_bypass_while_loading(void **state)
{
    (void)state;
    struct res_shared_read *r = res_shared_read_new(0, 1, RES_SHARED_READ_BYPASS);
    struct loader l = {.result = UC_OK, .r = r, .held = 1};
    struct getter loader_g = {.r = r, .l = &l};
    struct aws_error err;
    json_t *v = NULL;
    pthread_t t1;
    aws_error_clear(&err);
    assert_int_equal(pthread_create(&t1, NULL, getter_main, &loader_g), 0);
    while (__atomic_load_n(&l.loads, __ATOMIC_SEQ_CST) == 0)
        uc_cancel_sleep_ms(NULL, 1);
    /* the load cannot end until released below: a get that waited would never return */
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_NOTFOUND);
    assert_null(v);
    assert_int_equal(l.loads, 1); /* nor did it start a load of its own */
    __atomic_store_n(&l.held, 0, __ATOMIC_SEQ_CST);
    pthread_join(t1, NULL);
    assert_int_equal(loader_g.st, UC_OK);
    assert_int_equal(res_shared_read_get(r, load, &l, NULL, &v, &err), UC_OK);
    assert_int_equal(json_integer_value(json_object_get(v, "load")), 1);
    json_decref(v);
    assert_int_equal(l.loads, 1);
    res_shared_read_free(r);
}

/* ---- res_account_cache on the fake transport --------------------------------------------- */

static int n_list, n_describe, n_walk, n_parents;
static bool walk_refused; /* ListRoots answers AccessDenied */

#define ACCT(id, state)                                                                            \
    "{\"Id\":\"" id "\",\"Arn\":\"arn:aws:organizations::0:account/o-1/" id "\",\"State\":\""    \
    state "\"}"

/* Organizations of root r-1 (accounts 111.., 222..) with one OU ou-1 (account 555..). Accounts
 * 333.. (created after any list) and 111.. can be described; everything else is not found. */
static uc_status org(void *ctx, const struct fake_req *req, struct aws_http_response *resp)
{
    (void)ctx;
    const char *t = aws_headers_get(&req->headers, "X-Amz-Target");
    const char *op = t != NULL && strchr(t, '.') != NULL ? strchr(t, '.') + 1 : "";
    const char *body = NULL;
    resp->status = 200;
    if (strcmp(op, "ListAccounts") == 0) {
        __atomic_add_fetch(&n_list, 1, __ATOMIC_SEQ_CST);
        body = "{\"Accounts\":[" ACCT("111111111111", "ACTIVE") "," ACCT(
            "222222222222", "SUSPENDED") "," ACCT("555555555555", "ACTIVE") "]}";
    } else if (strcmp(op, "ListRoots") == 0) {
        __atomic_add_fetch(&n_walk, 1, __ATOMIC_SEQ_CST);
        if (walk_refused) {
            resp->status = 400;
            body = "{\"__type\":\"AccessDeniedException\",\"message\":\"no\"}";
        } else {
            body = "{\"Roots\":[{\"Id\":\"r-1\"}]}";
        }
    } else if (strcmp(op, "ListAccountsForParent") == 0) {
        __atomic_add_fetch(&n_walk, 1, __ATOMIC_SEQ_CST);
        body = strstr(req->body, "r-1") != NULL
                   ? "{\"Accounts\":[" ACCT("111111111111", "ACTIVE") "," ACCT(
                         "222222222222", "SUSPENDED") "]}"
                   : "{\"Accounts\":[" ACCT("555555555555", "ACTIVE") "]}";
    } else if (strcmp(op, "ListOrganizationalUnitsForParent") == 0) {
        __atomic_add_fetch(&n_walk, 1, __ATOMIC_SEQ_CST);
        body = strstr(req->body, "r-1") != NULL ? "{\"OrganizationalUnits\":[{\"Id\":\"ou-1\"}]}"
                                                : "{\"OrganizationalUnits\":[]}";
    } else if (strcmp(op, "ListParents") == 0) {
        __atomic_add_fetch(&n_parents, 1, __ATOMIC_SEQ_CST);
        body = strstr(req->body, "555555555555") != NULL ? "{\"Parents\":[{\"Id\":\"ou-1\"}]}"
                                                         : "{\"Parents\":[{\"Id\":\"r-1\"}]}";
    } else if (strcmp(op, "DescribeAccount") == 0) {
        __atomic_add_fetch(&n_describe, 1, __ATOMIC_SEQ_CST);
        if (strstr(req->body, "333333333333") != NULL)
            body = "{\"Account\":" ACCT("333333333333", "ACTIVE") "}";
        else if (strstr(req->body, "111111111111") != NULL)
            body = "{\"Account\":" ACCT("111111111111", "ACTIVE") "}";
    }
    if (body == NULL) {
        resp->status = 400;
        body = "{\"__type\":\"AccountNotFoundException\",\"message\":\"no such account\"}";
    }
    uc_buf_puts(&resp->body, body);
    return UC_OK;
}

static const char *state_of(struct res_account_cache *c, struct aws_session *s, const char *id,
                            uc_status *st)
{
    static char buf[160];
    json_t *acct = NULL;
    struct aws_error err;
    aws_error_clear(&err);
    *st = res_account_cache_describe(c, s, id, NULL, &acct, &err);
    snprintf(buf, sizeof buf, "%s",
             acct ? json_string_value(json_object_get(acct, "State")) : err.code);
    json_decref(acct);
    return buf;
}

static const char *parent_of(struct res_account_cache *c, struct aws_session *s, const char *id)
{
    static char buf[160];
    struct aws_error err;
    aws_error_clear(&err);
    if (res_account_cache_parent(c, s, id, NULL, buf, sizeof buf, &err) != UC_OK)
        snprintf(buf, sizeof buf, "error %s", err.code);
    return buf;
}

static void test_account_cache_walk(void **state)
{
    struct fake_env *e = *state;
    e->ft.handler = org;
    struct aws_session *s = aws_client_session(e->c);
    struct res_account_cache *c = res_account_cache_new();
    uc_status st;
    n_list = n_describe = n_walk = n_parents = 0;
    walk_refused = false;
    /* below the demand threshold: DescribeAccount and ListParents each */
    for (int i = 1; i < RES_ACCOUNT_CACHE_MIN_DEMAND; i++)
        assert_string_equal(state_of(c, s, "111111111111", &st), "ACTIVE");
    assert_int_equal(n_describe, RES_ACCOUNT_CACHE_MIN_DEMAND - 1);
    assert_int_equal(n_walk + n_list, 0);
    /* from then on, one walk answers accounts and parents: ListRoots, then two calls per node */
    assert_string_equal(state_of(c, s, "111111111111", &st), "ACTIVE");
    assert_string_equal(state_of(c, s, "222222222222", &st), "SUSPENDED");
    assert_string_equal(state_of(c, s, "555555555555", &st), "ACTIVE");
    assert_string_equal(parent_of(c, s, "111111111111"), "r-1");
    assert_string_equal(parent_of(c, s, "555555555555"), "ou-1");
    assert_int_equal(n_walk, 5);
    assert_int_equal(n_list + n_parents, 0);
    assert_int_equal(n_describe, RES_ACCOUNT_CACHE_MIN_DEMAND - 1);
    /* not in the walk: DescribeAccount (found, or its not-found answer), ListParents */
    assert_string_equal(state_of(c, s, "333333333333", &st), "ACTIVE");
    assert_int_equal(st, UC_OK);
    assert_string_equal(state_of(c, s, "444444444444", &st), "AccountNotFoundException");
    assert_int_not_equal(st, UC_OK);
    assert_int_equal(n_describe, RES_ACCOUNT_CACHE_MIN_DEMAND + 1);
    assert_string_equal(parent_of(c, s, "333333333333"), "r-1");
    assert_int_equal(n_parents, 1);
    /* a write drops the walk: made again */
    res_account_cache_invalidate(c);
    assert_string_equal(state_of(c, s, "222222222222", &st), "SUSPENDED");
    assert_int_equal(n_walk, 10);
    /* no cache: always the account's own calls */
    assert_string_equal(state_of(NULL, s, "111111111111", &st), "ACTIVE");
    assert_string_equal(parent_of(NULL, s, "555555555555"), "ou-1");
    assert_int_equal(n_describe, RES_ACCOUNT_CACHE_MIN_DEMAND + 2);
    assert_int_equal(n_parents, 2);
    res_account_cache_free(c);
    res_account_cache_free(NULL);
}

/* A walk that is refused falls back to ListAccounts: accounts shared, parents one by one. */
static void test_account_cache_list_only(void **state)
{
    struct fake_env *e = *state;
    e->ft.handler = org;
    struct aws_session *s = aws_client_session(e->c);
    struct res_account_cache *c = res_account_cache_new();
    uc_status st;
    n_list = n_describe = n_walk = n_parents = 0;
    walk_refused = true;
    for (int i = 1; i < RES_ACCOUNT_CACHE_MIN_DEMAND; i++)
        assert_string_equal(parent_of(c, s, "111111111111"), "r-1");
    assert_int_equal(n_parents, RES_ACCOUNT_CACHE_MIN_DEMAND - 1);
    assert_string_equal(state_of(c, s, "555555555555", &st), "ACTIVE");
    assert_string_equal(state_of(c, s, "222222222222", &st), "SUSPENDED");
    assert_int_equal(n_walk, 1);
    assert_int_equal(n_list, 1);
    assert_int_equal(n_describe, 0);
    assert_string_equal(parent_of(c, s, "555555555555"), "ou-1");
    assert_int_equal(n_parents, RES_ACCOUNT_CACHE_MIN_DEMAND);
    walk_refused = false;
    res_account_cache_free(c);
}

/* ---- res_fanout --------------------------------------------------------------------------- */

static void bump(void *arg)
{
    __atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
}

static void test_fanout_runs_each_once(void **state)
{
    (void)state;
    enum { N = RES_FANOUT_MAX + 3 };
    int hits[N] = {0};
    struct res_fanout_task t[N];
    for (int i = 0; i < N; i++)
        t[i] = (struct res_fanout_task){bump, &hits[i]};
    t[2].run = NULL; /* nothing to do */
    res_fanout_run(t, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(hits[i], i == 2 ? 0 : 1);
    res_fanout_run(t, 0);
}

/* Task 1 records the kernel id of the thread it runs on; task 0 (the caller's) waits until task
 * 1 has started, so that task 1 runs on a thread of the pool, never on the caller. */
struct pair {
    int started; /* atomic */
    bool timed_out;
    pid_t tid;
};

static void pair_first(void *arg)
{
    struct pair *p = arg;
    for (int i = 0; i < 5000 && !__atomic_load_n(&p->started, __ATOMIC_SEQ_CST); i++)
        uc_cancel_sleep_ms(NULL, 1);
    p->timed_out = !__atomic_load_n(&p->started, __ATOMIC_SEQ_CST);
}

static void pair_second(void *arg)
{
    struct pair *p = arg;
    p->tid = (pid_t)syscall(SYS_gettid);
    __atomic_store_n(&p->started, 1, __ATOMIC_SEQ_CST);
}

/* The kernel ids of this process's threads into tids (at most max); their number. */
static size_t threads_now(pid_t *tids, size_t max)
{
    size_t n = 0;
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.' && n < max)
            tids[n++] = (pid_t)atoi(e->d_name);
    closedir(d);
    return n;
}

static void test_fanout_reuses_threads(void **state)
{
    (void)state;
    enum { ROUNDS = 20, MAX_THREADS = 256 };
    pid_t self = (pid_t)syscall(SYS_gettid);
    struct pair warm = {0};
    const struct res_fanout_task w[2] = {{pair_first, &warm}, {pair_second, &warm}};
    res_fanout_run(w, 2);
    assert_false(warm.timed_out);
    pid_t before[MAX_THREADS];
    size_t nbefore = threads_now(before, MAX_THREADS);
    for (int r = 0; r < ROUNDS; r++) {
        struct pair p = {0};
        const struct res_fanout_task t[2] = {{pair_first, &p}, {pair_second, &p}};
        res_fanout_run(t, 2);
        assert_false(p.timed_out);
        assert_int_not_equal(p.tid, self);
        /* a thread started per task would be a new one each round */
        bool existed = false;
        for (size_t i = 0; i < nbefore; i++)
            existed = existed || before[i] == p.tid;
        assert_true(existed);
    }
}

/* A task that fans out RES_FANOUT_MAX tasks of its own, down to depth 0, where it counts. */
struct tree {
    int depth;
    int *leaves; /* atomic */
};

static void tree_run(void *arg)
{
    const struct tree *t = arg;
    if (t->depth == 0) {
        uc_cancel_sleep_ms(NULL, 1);
        __atomic_add_fetch(t->leaves, 1, __ATOMIC_SEQ_CST);
        return;
    }
    struct tree kids[RES_FANOUT_MAX];
    struct res_fanout_task tasks[RES_FANOUT_MAX];
    for (int i = 0; i < RES_FANOUT_MAX; i++) {
        kids[i] = (struct tree){t->depth - 1, t->leaves};
        tasks[i] = (struct res_fanout_task){tree_run, &kids[i]};
    }
    res_fanout_run(tasks, RES_FANOUT_MAX);
}

static void each_bump(void *item)
{
    __atomic_add_fetch((int *)item, 1, __ATOMIC_SEQ_CST);
}

/* Fan-outs nested three deep want 8 + 64 + 512 tasks at once, far more than a pool of 4
 * threads: every task still runs once and every fan-out ends (the callers run what no thread
 * took); then two deep (8 + 64) with the pool's own limit. */
static void test_fanout_nested_beyond_pool(void **state)
{
    (void)state;
    int leaves = 0;
    struct tree root = {3, &leaves};
    res_fanout_pool_limit(4);
    tree_run(&root);
    assert_int_equal(leaves, RES_FANOUT_MAX * RES_FANOUT_MAX * RES_FANOUT_MAX);
    res_fanout_pool_limit(0);
    leaves = 0;
    root.depth = 2;
    tree_run(&root);
    assert_int_equal(leaves, RES_FANOUT_MAX * RES_FANOUT_MAX);
    enum { N = RES_FANOUT_EACH_MAX + 5 };
    int items[N] = {0};
    res_fanout_each(items, N, sizeof items[0], each_bump, 4);
    res_fanout_each(items, 1, sizeof items[0], each_bump, 4);
    res_fanout_each(items, 0, sizeof items[0], each_bump, 4);
    for (int i = 0; i < N; i++)
        assert_int_equal(items[i], i == 0 ? 2 : 1);
}

/* ---- res_keyed_read --------------------------------------------------------------------- */

static int loaded_as(struct res_keyed_read *k, const char *key, struct loader *l)
{
    struct aws_error err;
    json_t *v = NULL;
    aws_error_clear(&err);
    if (res_keyed_read_get(k, key, load, l, NULL, &v, &err) != UC_OK)
        return -1;
    int n = (int)json_integer_value(json_object_get(v, "load"));
    json_decref(v);
    return n;
}

static void test_keyed_read(void **state)
{
    (void)state;
    struct res_keyed_read *k = res_keyed_read_new(0);
    assert_non_null(k);
    struct loader a = {.result = UC_OK}, b = {.result = UC_OK}, bad = {.result = UC_REMOTE};
    /* each key loads once, on its first get, with its own loader */
    assert_int_equal(loaded_as(k, "111111111111/alpha", &a), 1);
    assert_int_equal(loaded_as(k, "111111111111/beta", &b), 1);
    assert_int_equal(loaded_as(k, "111111111111/alpha", &a), 1);
    assert_int_equal(a.loads, 1);
    assert_int_equal(b.loads, 1);
    /* a write to one key drops only that key's value */
    res_keyed_read_invalidate(k, "111111111111/alpha");
    assert_int_equal(loaded_as(k, "111111111111/alpha", &a), 2);
    assert_int_equal(loaded_as(k, "111111111111/beta", &b), 1);
    res_keyed_read_invalidate(k, "no-such-key"); /* nothing to drop */
    assert_int_equal(b.loads, 1);
    /* NULL drops every key */
    res_keyed_read_invalidate(k, NULL);
    assert_int_equal(loaded_as(k, "111111111111/alpha", &a), 3);
    assert_int_equal(loaded_as(k, "111111111111/beta", &b), 2);
    /* a failed load: the caller reads on its own, and no later get loads until invalidate */
    assert_int_equal(loaded_as(k, "broken", &bad), -1);
    assert_int_equal(loaded_as(k, "broken", &bad), -1);
    assert_int_equal(bad.loads, 1);
    res_keyed_read_invalidate(k, "broken");
    assert_int_equal(loaded_as(k, "broken", &bad), -1);
    assert_int_equal(bad.loads, 2);
    /* no key, no set: never shared */
    assert_int_equal(loaded_as(k, "", &a), -1);
    assert_int_equal(loaded_as(k, NULL, &a), -1);
    assert_int_equal(loaded_as(NULL, "x", &a), -1);
    assert_int_equal(a.loads, 3);
    res_keyed_read_invalidate(NULL, "x");
    res_keyed_read_free(k);
    res_keyed_read_free(NULL);
}

/* An exact read's answer offered to the shared read is what later gets take, without a load;
 * an offer that a write overtook, or one made while a load is under way, is not kept. */
static void test_offers(void **state)
{
    (void)state;
    struct res_keyed_read *k = res_keyed_read_new(0);
    assert_non_null(k);
    struct loader a = {.result = UC_OK};
    json_t *answer = json_pack("{s:i}", "load", 42);
    /* taken before the read, offered after it: kept */
    uint64_t gen = res_keyed_read_generation(k, "111111111111/alpha");
    assert_int_not_equal(gen, RES_KEYED_READ_NO_GEN);
    res_keyed_read_offer(k, "111111111111/alpha", gen, answer);
    assert_int_equal(loaded_as(k, "111111111111/alpha", &a), 42);
    assert_int_equal(a.loads, 0);
    /* a write between the generation and the offer: dropped, the next get loads */
    gen = res_keyed_read_generation(k, "111111111111/alpha");
    res_keyed_read_invalidate(k, "111111111111/alpha");
    res_keyed_read_offer(k, "111111111111/alpha", gen, answer);
    assert_int_equal(loaded_as(k, "111111111111/alpha", &a), 1);
    /* an offer ends "read on your own" after a failed load */
    struct loader bad = {.result = UC_REMOTE};
    assert_int_equal(loaded_as(k, "broken", &bad), -1);
    gen = res_keyed_read_generation(k, "broken");
    res_keyed_read_offer(k, "broken", gen, answer);
    assert_int_equal(loaded_as(k, "broken", &bad), 42);
    assert_int_equal(bad.loads, 1);
    /* a key offered without its generation, and no key or set: nothing kept, nothing breaks */
    res_keyed_read_offer(k, "111111111111/gamma", 0, answer);
    assert_int_equal(loaded_as(k, "111111111111/gamma", &a), 2);
    assert_int_equal(res_keyed_read_generation(k, ""), RES_KEYED_READ_NO_GEN);
    assert_int_equal(res_keyed_read_generation(NULL, "x"), RES_KEYED_READ_NO_GEN);
    res_keyed_read_offer(k, "x", RES_KEYED_READ_NO_GEN, answer);
    res_keyed_read_offer(NULL, "x", 0, answer);
    res_keyed_read_offer(k, "111111111111/alpha", 0, NULL);
    /* an offer while a load is under way is not kept: the load's own value is */
    struct res_shared_read *r = res_shared_read_new(0, 1, RES_SHARED_READ_WAIT);
    struct loader held = {.result = UC_OK, .r = r, .held = 1};
    struct getter g = {.r = r, .l = &held};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, getter_main, &g), 0);
    while (__atomic_load_n(&held.loads, __ATOMIC_SEQ_CST) == 0)
        uc_cancel_sleep_ms(NULL, 1);
    res_shared_read_offer(r, res_shared_read_generation(r), answer);
    __atomic_store_n(&held.held, 0, __ATOMIC_SEQ_CST);
    pthread_join(th, NULL);
    assert_int_equal(g.st, UC_OK);
    assert_int_equal(g.got, 1);
    json_t *v = NULL;
    struct aws_error err;
    aws_error_clear(&err);
    assert_int_equal(res_shared_read_get(r, load, &held, NULL, &v, &err), UC_OK);
    assert_int_equal(json_integer_value(json_object_get(v, "load")), 1);
    json_decref(v);
    res_shared_read_free(r);
    json_decref(answer);
    res_keyed_read_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demand_threshold),
        cmocka_unit_test(test_single_flight),
        cmocka_unit_test(test_overtaken_and_failed_loads),
        cmocka_unit_test(test_waiter_cancel),
        cmocka_unit_test(test_bypass_while_loading),
        cmocka_unit_test(test_fanout_runs_each_once),
        cmocka_unit_test(test_fanout_reuses_threads),
        cmocka_unit_test(test_fanout_nested_beyond_pool),
        cmocka_unit_test(test_keyed_read),
        cmocka_unit_test(test_offers),
        cmocka_unit_test_setup_teardown(test_account_cache_walk, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_account_cache_list_only, fake_env_setup,
                                        fake_env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
