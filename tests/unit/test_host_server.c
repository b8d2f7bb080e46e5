/* test_host_server.c - the gRPC server in process (plaintext, a socket in a temporary
 * directory, raw-byte methods of the test's own): calls marked cheap are answered while slow
 * calls hold every main worker and more wait behind them (the cheap lane), and then the slow
 * ones all complete; a request over the size limit is RESOURCE_EXHAUSTED and never reaches a
 * handler. Slow handlers block on a condition the test releases, so nothing here
 * depends on timing; the generous deadlines only turn a regression into a failure, not a hang.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>

#include "host_listener.h"
#include "host_server.h"
#include "uc_arena.h"

/* --- the test's methods ------------------------------------------------------------------- */

static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static int slow_entered;
static bool slow_released;

/* Echoes the request bytes as the response. */
static void echo(struct host_rpc *rpc)
{
    rpc->resp = uc_arena_memdup(rpc->arena, rpc->req ? (const void *)rpc->req : "", rpc->req_len);
    rpc->resp_len = rpc->req_len;
}

/* A call stuck on a slow endpoint: holds its worker until the test releases it. */
static void h_slow(struct host_rpc *rpc, void *ud)
{
    pthread_mutex_lock(&hold_mu);
    slow_entered++;
    pthread_cond_broadcast(&hold_cv);
    while (!slow_released)
        pthread_cond_wait(&hold_cv, &hold_mu);
    pthread_mutex_unlock(&hold_mu);
    echo(rpc);
}

static void h_cheap(struct host_rpc *rpc, void *ud)
{
    echo(rpc);
}

static const struct host_method methods[] = {
    {.path = "/t.S/Slow", .fn = h_slow},
    {.path = "/t.S/Cheap", .fn = h_cheap, .cheap = true},
};

/* Waits (bounded, 60 s, a hang guard only) until n slow handlers are running. */
static bool wait_entered(int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60;
    bool ok = true;
    pthread_mutex_lock(&hold_mu);
    while (ok && slow_entered < n)
        ok = pthread_cond_timedwait(&hold_cv, &hold_mu, &until) == 0;
    ok = slow_entered >= n;
    pthread_mutex_unlock(&hold_mu);
    return ok;
}

static void release_slow(void)
{
    pthread_mutex_lock(&hold_mu);
    slow_released = true;
    pthread_cond_broadcast(&hold_cv);
    pthread_mutex_unlock(&hold_mu);
}

/* --- a raw-bytes client ------------------------------------------------------------------- */

struct ucall {
    grpc_call *call;
    grpc_metadata_array init_md, trail_md;
    grpc_byte_buffer *send, *recv;
    grpc_status_code status;
    grpc_slice details;
};

static void ucall_start(struct ucall *u, grpc_channel *ch, grpc_completion_queue *cq,
                        const char *method, const void *req, size_t len, int deadline_s)
{
    memset(u, 0, sizeof *u);
    grpc_slice m = grpc_slice_from_static_string(method);
    gpr_timespec deadline =
        gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_seconds(deadline_s, GPR_TIMESPAN));
    u->call =
        grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, m, NULL, deadline, NULL);
    assert_non_null(u->call);
    grpc_slice s = grpc_slice_from_copied_buffer(req, len);
    u->send = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    grpc_metadata_array_init(&u->init_md);
    grpc_metadata_array_init(&u->trail_md);
    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = u->send;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &u->init_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &u->recv;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &u->trail_md;
    ops[5].data.recv_status_on_client.status = &u->status;
    ops[5].data.recv_status_on_client.status_details = &u->details;
    assert_int_equal(grpc_call_start_batch(u->call, ops, 6, u, NULL), GRPC_CALL_OK);
}

/* The next finished call on cq (waiting at most 90 s, a hang guard). */
static struct ucall *next_done(grpc_completion_queue *cq)
{
    gpr_timespec deadline =
        gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_seconds(90, GPR_TIMESPAN));
    grpc_event ev = grpc_completion_queue_next(cq, deadline, NULL);
    assert_int_equal(ev.type, GRPC_OP_COMPLETE);
    return ev.tag;
}

/* The reply's bytes (malloc'd, NUL-terminated) and length. */
static char *reply_bytes(struct ucall *u, size_t *len)
{
    assert_non_null(u->recv);
    grpc_byte_buffer_reader r;
    assert_true(grpc_byte_buffer_reader_init(&r, u->recv));
    grpc_slice s = grpc_byte_buffer_reader_readall(&r);
    grpc_byte_buffer_reader_destroy(&r);
    *len = GRPC_SLICE_LENGTH(s);
    char *out = malloc(*len + 1);
    assert_non_null(out);
    memcpy(out, GRPC_SLICE_START_PTR(s), *len);
    out[*len] = '\0';
    grpc_slice_unref(s);
    return out;
}

static void ucall_release(struct ucall *u)
{
    grpc_byte_buffer_destroy(u->send);
    if (u->recv)
        grpc_byte_buffer_destroy(u->recv);
    grpc_metadata_array_destroy(&u->init_md);
    grpc_metadata_array_destroy(&u->trail_md);
    grpc_slice_unref(u->details);
    grpc_call_unref(u->call);
}

static void cq_destroy(grpc_completion_queue *cq)
{
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
}

/* --- fixture ------------------------------------------------------------------------------ */

struct fixture {
    char dir[64];
    char socket[128];
    struct host_listener *listener;
    struct host_server *srv;
    grpc_channel *ch;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/uc-srv-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->socket, sizeof f->socket, "%s/s", f->dir);
    struct host_server_config cfg = {.methods = methods,
                                     .nmethods = sizeof methods / sizeof methods[0],
                                     .max_workers = 2,
                                     .max_cheap_workers = 1,
                                     .max_recv_bytes = 4096};
    uc_status st;
    f->srv = host_server_new(&cfg, &st);
    if (!f->srv || host_server_start(f->srv) != UC_OK)
        return -1;
    f->listener = host_listener_new(f->socket, NULL, HOST_LISTENER_HANDSHAKE_TIMEOUT_MS, &st);
    if (!f->listener)
        return -1;
    host_listener_set_sink(f->listener, host_server_adopt, f->srv);
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    char target[160];
    snprintf(target, sizeof target, "unix:%s", f->socket);
    f->ch = grpc_channel_create(target, creds, NULL);
    grpc_channel_credentials_release(creds);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    release_slow();
    grpc_channel_destroy(f->ch);
    host_listener_free(f->listener);
    host_server_free(f->srv);
    unlink(f->socket);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* --- tests -------------------------------------------------------------------------------- */

/* Both main workers stuck and a third slow call queued behind them: cheap calls are still
 * answered, one after another, by the cheap lane. Then the slow calls are let go and finish. */
static void test_cheap_calls_answer_while_slow_calls_hold_every_worker(void **state)
{
    struct fixture *f = *state;
    grpc_completion_queue *slow_cq = grpc_completion_queue_create_for_next(NULL);
    struct ucall slow[3];
    for (int i = 0; i < 3; i++)
        ucall_start(&slow[i], f->ch, slow_cq, "/t.S/Slow", "s", 1, 120);
    assert_true(wait_entered(2)); /* max_workers = 2: both held, the third waits */

    for (int i = 0; i < 3; i++) {
        grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
        struct ucall u;
        char msg[16];
        snprintf(msg, sizeof msg, "cheap-%d", i);
        ucall_start(&u, f->ch, cq, "/t.S/Cheap", msg, strlen(msg), 60);
        assert_ptr_equal(next_done(cq), &u);
        assert_int_equal(u.status, GRPC_STATUS_OK);
        size_t n;
        char *got = reply_bytes(&u, &n);
        assert_string_equal(got, msg);
        free(got);
        ucall_release(&u);
        cq_destroy(cq);
    }
    pthread_mutex_lock(&hold_mu);
    assert_int_equal(slow_entered, 2); /* the cheap calls did not take main workers either */
    pthread_mutex_unlock(&hold_mu);

    release_slow();
    for (int i = 0; i < 3; i++)
        assert_int_equal(next_done(slow_cq)->status, GRPC_STATUS_OK);
    for (int i = 0; i < 3; i++)
        ucall_release(&slow[i]);
    cq_destroy(slow_cq);
    assert_int_equal(host_server_workers(f->srv), 3); /* 2 main + 1 cheap, never more */
}

/* One unary call with len bytes of payload; returns its status. */
static grpc_status_code call_with(struct fixture *f, const char *method, size_t len)
{
    char *payload = malloc(len);
    assert_non_null(payload);
    memset(payload, 'x', len);
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
    struct ucall u;
    ucall_start(&u, f->ch, cq, method, payload, len, 60);
    assert_ptr_equal(next_done(cq), &u);
    grpc_status_code st = u.status;
    if (st == GRPC_STATUS_OK) {
        size_t n;
        free(reply_bytes(&u, &n));
        assert_int_equal(n, len);
    }
    ucall_release(&u);
    cq_destroy(cq);
    free(payload);
    return st;
}

/* The limit (4096 bytes here; HOST_SERVER_MAX_RECV_BYTES, 256 MiB, by default) is enforced by
 * gRPC before the handler: one byte over fails, the limit itself passes. */
static void test_request_size_limit(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(HOST_SERVER_MAX_RECV_BYTES, 256 * 1024 * 1024);
    assert_int_equal(call_with(f, "/t.S/Cheap", 4096), GRPC_STATUS_OK);
    assert_int_equal(call_with(f, "/t.S/Cheap", 4097), GRPC_STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(call_with(f, "/t.S/Cheap", 1 << 20), GRPC_STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(call_with(f, "/t.S/Cheap", 10), GRPC_STATUS_OK); /* still serving */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cheap_calls_answer_while_slow_calls_hold_every_worker,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_size_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
