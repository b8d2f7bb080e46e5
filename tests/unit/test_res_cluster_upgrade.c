/* test_res_cluster_upgrade.c - the order of the calls a Kubernetes upgrade of unicron_cluster
 * makes (control plane one minor, then every node group to it, each update waited Successful
 * before the next call), skipping node groups already upgraded (a resumed upgrade), StopProvider
 * ending the wait for an update promptly with an "Interrupted" diagnostic, and CreateCluster's
 * deterministic clientRequestToken (the same for a repeated create; ResourceInUse adopts). On
 * the fake transport and fake clock (test_aws_fake.h): no server, no waiting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "res_cluster.h"
#include "test_aws_fake.h"

struct fake_eks {
    pthread_mutex_t mu;
    char calls[64][96]; /* "cp 1.34", "ng a 1.34" in the order EKS received them */
    int ncalls;
    int next_update;
    char kind[64];        /* update id -> 'c' (control plane) or 'n' (node group) */
    bool active[64];      /* updates not yet described Successful */
    int violations;
    int polls_before_done; /* DescribeUpdate answers InProgress this many times first */
    int polls;
    struct uc_cancel *cancel_after_poll; /* fired on the first poll when set */
};

static void answer(struct aws_http_response *resp, long status, const char *body)
{
    resp->status = status;
    aws_headers_add(&resp->headers, "Content-Type", "application/json");
    uc_buf_puts(&resp->body, body);
}

static uc_status handler(void *ctx, const struct fake_req *req, struct aws_http_response *resp)
{
    struct fake_eks *e = ctx;
    const char *path = strstr(req->url, "/clusters/");
    char body[256];
    pthread_mutex_lock(&e->mu);
    json_t *in = req->body_len ? json_loads(req->body, 0, NULL) : NULL;
    const char *version = json_string_value(json_object_get(in, "version"));
    char ng[64] = "";
    if (path && strcmp(req->method, "POST") == 0) {
        const char *p = strstr(path, "/node-groups/");
        if (p != NULL)
            sscanf(p, "/node-groups/%63[^/]", ng);
        /* EKS's rules: nothing while the control plane updates; the control plane only when
         * no update is running */
        for (int i = 0; i < e->next_update; i++)
            if (e->active[i] && (e->kind[i] == 'c' || !ng[0]))
                e->violations++;
        snprintf(e->calls[e->ncalls++], sizeof e->calls[0], "%s%s %s", ng[0] ? "ng " : "cp",
                 ng, version ? version : "?");
        int id = e->next_update++;
        e->kind[id] = ng[0] ? 'n' : 'c';
        e->active[id] = true;
        snprintf(body, sizeof body,
                 "{\"update\":{\"id\":\"u-%d\",\"status\":\"InProgress\",\"type\":"
                 "\"VersionUpdate\",\"errors\":[]}}",
                 id);
        answer(resp, 200, body);
    } else if (path && strstr(path, "/updates/") != NULL) {
        const char *done = "Successful";
        int id = -1;
        sscanf(strstr(path, "/updates/"), "/updates/u-%d", &id);
        if (e->cancel_after_poll != NULL)
            uc_cancel_trigger(e->cancel_after_poll);
        if (e->polls++ < e->polls_before_done || e->cancel_after_poll != NULL)
            done = "InProgress";
        else if (id >= 0 && id < 64)
            e->active[id] = false;
        if (strstr(path, "/updates/") && strchr(req->url, '?') == NULL && e->ncalls > 0 &&
            strncmp(e->calls[e->ncalls - 1], "ng", 2) == 0)
            e->violations += 100; /* a node group update described without nodegroupName */
        snprintf(body, sizeof body, "{\"update\":{\"id\":\"x\",\"status\":\"%s\",\"errors\":[]}}",
                 done);
        answer(resp, 200, body);
        if (strcmp(done, "Successful") == 0)
            e->polls = 0;
        if (id < 0)
            e->violations += 1000; /* not an id we gave */
    } else if (path && strstr(path, "/node-groups/") != NULL) {
        answer(resp, 200, "{\"nodegroup\":{\"status\":\"ACTIVE\"}}");
    } else {
        answer(resp, 404, "{\"message\":\"unexpected\"}");
    }
    json_decref(in);
    pthread_mutex_unlock(&e->mu);
    return UC_OK;
}

static struct res_cluster_op op_on(struct fake_env *env, const struct uc_cancel *cancel)
{
    struct res_cluster_op op = {.client = env->c, .s = aws_client_session(env->c),
                                .account_id = "111111111111", .name = "c"};
    op.opts.cancel = cancel;
    snprintf(op.partition, sizeof op.partition, "aws");
    return op;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_upgrade_order(void **state)
{
    struct fake_env *env = *state;
    struct fake_eks e;
    memset(&e, 0, sizeof e);
    pthread_mutex_init(&e.mu, NULL);
    e.polls_before_done = 2;
    fake_reset(&env->ft);
    env->ft.handler = handler;
    env->ft.ctx = &e;
    struct uc_arena *a = uc_arena_new();
    struct tf_diags d;
    tf_diags_init(&d, a);
    struct res_cluster_op op = op_on(env, NULL);
    const char *names[] = {"b", "a"};
    const char *versions[] = {"1.33", "1.33"};
    assert_true(res_cluster_upgrade(&op, 33, 35, names, versions, 2, &d));
    assert_int_equal(d.count, 0);
    assert_int_equal(e.violations, 0);
    assert_int_equal(e.ncalls, 6);
    /* node groups of one step run in parallel: compare each step's pair sorted */
    qsort(e.calls[1], 2, sizeof e.calls[0], cmp);
    qsort(e.calls[4], 2, sizeof e.calls[0], cmp);
    const char *want[] = {"cp 1.34", "ng a 1.34", "ng b 1.34", "cp 1.35", "ng a 1.35",
                          "ng b 1.35"};
    for (int i = 0; i < 6; i++)
        assert_string_equal(e.calls[i], want[i]);

    /* a resumed upgrade: b already at 1.35, a at 1.34, cluster at 1.34 */
    memset(e.calls, 0, sizeof e.calls);
    e.ncalls = 0;
    const char *resumed[] = {"1.35", "1.34"};
    assert_true(res_cluster_upgrade(&op, 34, 35, names, resumed, 2, &d));
    assert_int_equal(e.ncalls, 2);
    assert_string_equal(e.calls[0], "cp 1.35");
    assert_string_equal(e.calls[1], "ng a 1.35");
    pthread_mutex_destroy(&e.mu);
    uc_arena_free(a);
}

static void test_stop_during_update_wait(void **state)
{
    struct fake_env *env = *state;
    struct fake_eks e;
    memset(&e, 0, sizeof e);
    pthread_mutex_init(&e.mu, NULL);
    struct uc_cancel *cancel = uc_cancel_new();
    e.cancel_after_poll = cancel;
    fake_reset(&env->ft);
    env->ft.handler = handler;
    env->ft.ctx = &e;
    struct uc_arena *a = uc_arena_new();
    struct tf_diags d;
    tf_diags_init(&d, a);
    struct res_cluster_op op = op_on(env, cancel);
    const char *names[] = {"a"};
    assert_false(res_cluster_upgrade(&op, 33, 35, names, NULL, 1, &d));
    assert_int_equal(e.ncalls, 1); /* nothing after the interrupted wait */
    assert_int_equal(e.polls, 1);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].summary, "Interrupted"));
    assert_true(d.items[0].has_path);
    assert_string_equal(d.items[0].path.steps[0].name, "kubernetes_version");
    uc_cancel_free(cancel);
    pthread_mutex_destroy(&e.mu);
    uc_arena_free(a);
}

struct fake_create {
    int creates, describes;
    char tokens[4][80];
    bool exists_after_create; /* describe finds the cluster once CreateCluster was called */
    bool in_use;              /* CreateCluster answers ResourceInUse */
};

static uc_status create_handler(void *ctx, const struct fake_req *req,
                                struct aws_http_response *resp)
{
    struct fake_create *e = ctx;
    if (strcmp(req->method, "GET") == 0) {
        e->describes++;
        if (e->creates > 0 && e->exists_after_create)
            answer(resp, 200, "{\"cluster\":{\"name\":\"c\",\"status\":\"CREATING\"}}");
        else
            answer(resp, 404, "{\"message\":\"No cluster found for name: c.\"}");
        aws_headers_add(&resp->headers, "x-amzn-ErrorType",
                        resp->status == 404 ? "ResourceNotFoundException" : "");
        return UC_OK;
    }
    json_t *in = json_loads(req->body, 0, NULL);
    const char *tok = json_string_value(json_object_get(in, "clientRequestToken"));
    if (e->creates < 4)
        snprintf(e->tokens[e->creates], sizeof e->tokens[0], "%s", tok ? tok : "");
    e->creates++;
    json_decref(in);
    if (e->in_use) {
        answer(resp, 409, "{\"message\":\"Cluster already exists with name: c\"}");
        aws_headers_add(&resp->headers, "x-amzn-ErrorType", "ResourceInUseException");
    } else {
        answer(resp, 200, "{\"cluster\":{\"name\":\"c\",\"status\":\"CREATING\"}}");
    }
    return UC_OK;
}

static void test_create_token_and_adopt(void **state)
{
    struct fake_env *env = *state;
    struct fake_create e;
    struct aws_error err;
    json_t *c = NULL;
    memset(&e, 0, sizeof e);
    fake_reset(&env->ft);
    env->ft.handler = create_handler;
    env->ft.ctx = &e;
    struct res_cluster_op op = op_on(env, NULL);
    for (int i = 0; i < 2; i++) {
        json_t *body = json_pack("{s:s}", "name", "c");
        assert_int_equal(res_cluster_create(&op, body, &c, &err), UC_OK);
        assert_non_null(c);
        json_decref(c);
        json_decref(body);
    }
    assert_int_equal(e.creates, 2);
    assert_int_equal(strlen(e.tokens[0]), 36); /* UUID-shaped */
    assert_string_equal(e.tokens[0], e.tokens[1]);
    /* another account or name: another token */
    struct res_cluster_op op2 = op;
    op2.account_id = "222222222222";
    json_t *body = json_pack("{s:s}", "name", "c");
    assert_int_equal(res_cluster_create(&op2, body, &c, &err), UC_OK);
    json_decref(c);
    json_decref(body);
    assert_string_not_equal(e.tokens[2], e.tokens[0]);

    /* the cluster exists already: adopted, no CreateCluster */
    memset(&e, 0, sizeof e);
    e.creates = 1;
    e.exists_after_create = true;
    body = json_pack("{s:s}", "name", "c");
    assert_int_equal(res_cluster_create(&op, body, &c, &err), UC_OK);
    assert_int_equal(e.creates, 1);
    json_decref(c);
    json_decref(body);

    /* ResourceInUse (made meanwhile): adopted */
    memset(&e, 0, sizeof e);
    e.in_use = true;
    e.exists_after_create = true;
    body = json_pack("{s:s}", "name", "c");
    assert_int_equal(res_cluster_create(&op, body, &c, &err), UC_OK);
    assert_non_null(c);
    assert_int_equal(e.creates, 1);
    json_decref(c);
    json_decref(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upgrade_order),
        cmocka_unit_test(test_stop_during_update_wait),
        cmocka_unit_test(test_create_token_and_adopt),
    };
    return cmocka_run_group_tests(tests, fake_env_setup, fake_env_teardown);
}
