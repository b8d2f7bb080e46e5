/* server.c - gRPC core (C API) server: one completion queue polled by one thread, generic call
 * dispatch by method path, handlers run on two elastic worker pools (the main one, and a small
 * cheap lane for methods that never do I/O, so slow calls cannot starve them), replies always
 * carry initial metadata. It must not know any protocol message (handlers get bytes) nor exit the
 * process itself (the on_exit callback does).
 *
 * Call life: REQUESTED (request_call done) -> RECEIVED (RECV_MESSAGE done, queued for a worker)
 * -> FINISHING (reply batch done, call released). Unknown / streaming methods go straight from
 * REQUESTED to FINISHING with an UNIMPLEMENTED status. See docs/internals/plugin-host.md.
 */
#include "host_server.h"

#include <errno.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_posix.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/log.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uc_fd.h"
#include "uc_log.h"

#define DEFAULT_MAX_WORKERS       256
#define DEFAULT_MAX_CHEAP_WORKERS 8

enum call_state { ST_REQUESTED, ST_RECEIVED, ST_FINISHING, ST_SHUTDOWN };

struct call {
    enum call_state state;
    struct host_server *srv;
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array md;
    grpc_byte_buffer *recv;
    grpc_byte_buffer *send;
    grpc_slice status_msg;
    bool has_status_msg;
    int cancelled;
    const struct host_method *method;
    struct call *next; /* work queue link */
};

/* A worker pool with its own queue; both pools share the server's mutex. */
struct pool {
    struct host_server *srv;
    pthread_cond_t cv; /* work queued, or stopping */
    struct call *head, *tail;
    size_t nworkers, nidle, max;
};

struct host_server {
    struct host_server_config cfg;
    grpc_server *server;
    grpc_completion_queue *cq;
    pthread_t poller;
    /* For the adopted connections (host_listener decrypts); set by host_server_start. */
    grpc_server_credentials *plain;
    bool poller_started;
    struct call shutdown_tag;

    pthread_mutex_t mu;
    pthread_cond_t idle_cv;  /* active or a pool's nworkers changed */
    struct pool main, cheap; /* cheap: methods marked host_method.cheap */
    size_t active;
    bool stopping;
};

/* --- gRPC's own log through uc_log ----------------------------------------------------- */

static void grpc_log_to_uc(gpr_log_func_args *args)
{
    enum uc_log_level lvl = args->severity == GPR_LOG_SEVERITY_ERROR  ? UC_LOG_ERROR
                            : args->severity == GPR_LOG_SEVERITY_INFO ? UC_LOG_INFO
                                                                      : UC_LOG_DEBUG;
    if (!uc_log_enabled(lvl))
        return;
    char line[16];
    snprintf(line, sizeof line, "%d", args->line);
    uc_log(lvl, "grpc", args->message ? args->message : "", "file", args->file, "line", line, NULL);
}

void host_server_route_grpc_log(void)
{
    gpr_set_log_function(grpc_log_to_uc);
    enum uc_log_level l = uc_log_get_level();
    gpr_set_log_verbosity(l <= UC_LOG_DEBUG  ? GPR_LOG_SEVERITY_DEBUG
                          : l == UC_LOG_INFO ? GPR_LOG_SEVERITY_INFO
                                             : GPR_LOG_SEVERITY_ERROR);
}

/* --- call records ----------------------------------------------------------------------- */

static void call_free(struct call *c)
{
    if (!c)
        return;
    if (c->recv)
        grpc_byte_buffer_destroy(c->recv);
    if (c->send)
        grpc_byte_buffer_destroy(c->send);
    if (c->has_status_msg)
        grpc_slice_unref(c->status_msg);
    grpc_metadata_array_destroy(&c->md);
    grpc_call_details_destroy(&c->details);
    if (c->call)
        grpc_call_unref(c->call);
    free(c);
}

/* Arms one grpc_server_request_call; false when out of memory or the server is stopping. */
static bool request_next(struct host_server *s)
{
    struct call *c = calloc(1, sizeof *c);
    if (!c)
        return false;
    c->srv = s;
    c->state = ST_REQUESTED;
    grpc_call_details_init(&c->details);
    grpc_metadata_array_init(&c->md);
    grpc_call_error e =
        grpc_server_request_call(s->server, &c->call, &c->details, &c->md, s->cq, s->cq, c);
    if (e != GRPC_CALL_OK) {
        call_free(c);
        return false;
    }
    return true;
}

/* Sends initial metadata + [message] + status and waits for close; the tag moves to FINISHING. */
static void finish_call(struct call *c, grpc_status_code code, const char *msg)
{
    grpc_op ops[4];
    size_t n = 0;
    memset(ops, 0, sizeof ops);
    ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[n].data.send_initial_metadata.count = 0;
    n++;
    if (code == GRPC_STATUS_OK && c->send) {
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n].data.send_message.send_message = c->send;
        n++;
    }
    if (msg) {
        c->status_msg = grpc_slice_from_copied_string(msg);
        c->has_status_msg = true;
    }
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n].data.send_status_from_server.trailing_metadata_count = 0;
    ops[n].data.send_status_from_server.status = code;
    ops[n].data.send_status_from_server.status_details = c->has_status_msg ? &c->status_msg : NULL;
    n++;
    ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[n].data.recv_close_on_server.cancelled = &c->cancelled;
    n++;
    c->state = ST_FINISHING;
    if (grpc_call_start_batch(c->call, ops, n, c, NULL) != GRPC_CALL_OK) {
        uc_log(UC_LOG_ERROR, "host", "could not start the reply batch", NULL);
        call_free(c);
    }
}

static const struct host_method *find_method(const struct host_server *s, grpc_slice m)
{
    size_t len = GRPC_SLICE_LENGTH(m);
    const char *p = (const char *)GRPC_SLICE_START_PTR(m);
    for (size_t i = 0; i < s->cfg.nmethods; i++) {
        const char *path = s->cfg.methods[i].path;
        if (strlen(path) == len && memcmp(path, p, len) == 0)
            return &s->cfg.methods[i];
    }
    return NULL;
}

/* --- workers ---------------------------------------------------------------------------- */

static void run_handler(struct call *c)
{
    struct host_server *s = c->srv;
    const struct host_method *m = c->method;
    struct uc_arena *arena = uc_arena_new();
    grpc_status_code code = GRPC_STATUS_INTERNAL;
    const char *msg = "internal error";
    grpc_slice payload = grpc_empty_slice();
    bool have_payload = false;

    if (!arena) {
        msg = "out of memory";
        goto out;
    }
    if (!c->recv) {
        code = GRPC_STATUS_INVALID_ARGUMENT;
        msg = "no request message";
        goto out;
    }
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, c->recv)) {
        msg = "could not read the request";
        goto out;
    }
    payload = grpc_byte_buffer_reader_readall(&reader);
    have_payload = true;
    grpc_byte_buffer_reader_destroy(&reader);

    if (s->cfg.debug_block_method && s->cfg.cancel && !m->on_poller &&
        strcmp(s->cfg.debug_block_method, m->path) == 0) {
        uc_log(UC_LOG_WARN, "host", "UNICRON_DEBUG_BLOCK_RPC: holding call until StopProvider",
               "method", m->path, NULL);
        while (uc_cancel_sleep_ms(s->cfg.cancel, 1000) == UC_OK)
            ;
    }

    struct host_rpc rpc = {
        .arena = arena,
        .method = m->path,
        .req = GRPC_SLICE_LENGTH(payload) ? GRPC_SLICE_START_PTR(payload) : NULL,
        .req_len = GRPC_SLICE_LENGTH(payload),
        .code = HOST_CODE_OK,
    };
    m->fn(&rpc, m->ud);
    code = (grpc_status_code)rpc.code;
    msg = rpc.code_msg;
    if (code == GRPC_STATUS_OK) {
        grpc_slice out = grpc_slice_from_copied_buffer((const char *)rpc.resp, rpc.resp_len);
        c->send = grpc_raw_byte_buffer_create(&out, 1);
        grpc_slice_unref(out);
        msg = NULL;
    } else if (!msg) {
        msg = "request failed";
    }
out:
    if (have_payload)
        grpc_slice_unref(payload);
    finish_call(c, code, msg); /* copies msg before the arena goes */
    uc_arena_free(arena);
}

static void *worker_main(void *arg)
{
    struct pool *p = arg;
    struct host_server *s = p->srv;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!p->head && !s->stopping)
            pthread_cond_wait(&p->cv, &s->mu);
        if (!p->head && s->stopping)
            break;
        struct call *c = p->head;
        p->head = c->next;
        if (!p->head)
            p->tail = NULL;
        p->nidle--;
        pthread_mutex_unlock(&s->mu);

        run_handler(c);

        pthread_mutex_lock(&s->mu);
        p->nidle++;
        s->active--;
        pthread_cond_broadcast(&s->idle_cv);
    }
    p->nworkers--;
    p->nidle--;
    pthread_cond_broadcast(&s->idle_cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Queues a received call on its method's pool; starts a worker there when none is idle. */
static void enqueue(struct host_server *s, struct call *c)
{
    struct pool *p = c->method->cheap ? &s->cheap : &s->main;
    pthread_mutex_lock(&s->mu);
    c->next = NULL;
    if (p->tail)
        p->tail->next = c;
    else
        p->head = c;
    p->tail = c;
    s->active++;
    size_t queued = 0;
    for (struct call *q = p->head; q; q = q->next)
        queued++;
    if (queued > p->nidle && p->nworkers < p->max) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 1024 * 1024);
        if (pthread_create(&t, &attr, worker_main, p) == 0) {
            p->nworkers++;
            p->nidle++;
        } else {
            uc_log(UC_LOG_WARN, "host", "could not start a worker thread", NULL);
        }
        pthread_attr_destroy(&attr);
    }
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&s->mu);
}

/* --- the completion-queue thread -------------------------------------------------------- */

static void on_requested(struct host_server *s, struct call *c, bool ok)
{
    if (!ok) { /* server shutting down */
        call_free(c);
        return;
    }
    request_next(s);
    c->method = find_method(s, c->details.method);
    if (!c->method) {
        if (uc_log_enabled(UC_LOG_DEBUG)) {
            char *name = grpc_slice_to_c_string(c->details.method);
            uc_log(UC_LOG_DEBUG, "host", "unimplemented method", "method", name, NULL);
            gpr_free(name);
        }
        finish_call(c, GRPC_STATUS_UNIMPLEMENTED, "method not implemented by this provider");
        return;
    }
    grpc_op op;
    memset(&op, 0, sizeof op);
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &c->recv;
    c->state = ST_RECEIVED;
    if (grpc_call_start_batch(c->call, &op, 1, c, NULL) != GRPC_CALL_OK) {
        uc_log(UC_LOG_ERROR, "host", "could not start the receive batch", NULL);
        call_free(c);
    }
}

static void *poller_main(void *arg)
{
    struct host_server *s = arg;
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (ev.type != GRPC_OP_COMPLETE)
            continue;
        struct call *c = ev.tag;
        switch (c->state) {
        case ST_SHUTDOWN:
            grpc_completion_queue_shutdown(s->cq);
            break;
        case ST_REQUESTED:
            on_requested(s, c, ev.success != 0);
            break;
        case ST_RECEIVED:
            if (!ev.success) {
                finish_call(c, GRPC_STATUS_CANCELLED, "receive failed");
                break;
            }
            if (c->method->on_poller)
                run_handler(c); /* control plane: answered even when the pool is saturated */
            else
                enqueue(s, c);
            break;
        case ST_FINISHING: {
            bool exit_after = ev.success && c->method && c->method->exit_after;
            call_free(c);
            if (exit_after && s->cfg.on_exit)
                s->cfg.on_exit(s->cfg.exit_ud);
            break;
        }
        }
    }
    return NULL;
}

/* --- lifecycle -------------------------------------------------------------------------- */

struct host_server *host_server_new(const struct host_server_config *cfg, uc_status *st)
{
    *st = UC_NOMEM;
    struct host_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *cfg;
    if (!s->cfg.max_workers)
        s->cfg.max_workers = DEFAULT_MAX_WORKERS;
    if (!s->cfg.max_cheap_workers)
        s->cfg.max_cheap_workers = DEFAULT_MAX_CHEAP_WORKERS;
    if (!s->cfg.max_recv_bytes || s->cfg.max_recv_bytes > INT_MAX)
        s->cfg.max_recv_bytes = HOST_SERVER_MAX_RECV_BYTES;
    s->shutdown_tag.state = ST_SHUTDOWN;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->idle_cv, NULL);
    s->main.srv = s->cheap.srv = s;
    s->main.max = s->cfg.max_workers;
    s->cheap.max = s->cfg.max_cheap_workers;
    pthread_cond_init(&s->main.cv, NULL);
    pthread_cond_init(&s->cheap.cv, NULL);

    host_server_route_grpc_log();
    grpc_init();

    /* Incoming messages are bounded (a larger one fails with RESOURCE_EXHAUSTED before any
     * handler runs); outgoing ones are not: Terraform's client sets its own limit. */
    grpc_arg args[2];
    memset(args, 0, sizeof args);
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = (int)s->cfg.max_recv_bytes;
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
    args[1].value.integer = -1;
    grpc_channel_args chargs = {.num_args = 2, .args = args};

    s->cq = grpc_completion_queue_create_for_next(NULL);
    s->server = grpc_server_create(&chargs, NULL);
    grpc_server_register_completion_queue(s->server, s->cq, NULL);
    *st = UC_OK;
    return s;
}

uc_status host_server_start(struct host_server *s)
{
    if (s->plain)
        return UC_INVALID;
    s->plain = grpc_insecure_server_credentials_create();
    if (!s->plain)
        return UC_NOMEM;
    grpc_server_start(s->server);
    if (!request_next(s))
        return UC_INTERNAL;
    if (pthread_create(&s->poller, NULL, poller_main, s) != 0)
        return UC_INTERNAL;
    s->poller_started = true;
    return UC_OK;
}

void host_server_adopt(void *server, int fd)
{
    struct host_server *s = server;
    /* gRPC's endpoint reads until EAGAIN; a blocking descriptor would stall its poller. */
    if (!uc_fd_set_nonblocking(fd, true)) {
        uc_log(UC_LOG_ERROR, "host", "cannot adopt a connection", "error", strerror(errno), NULL);
        close(fd);
        return;
    }
    grpc_server_add_channel_from_fd(s->server, fd, s->plain);
}

void host_server_free(struct host_server *s)
{
    if (!s)
        return;
    /* Let running handlers finish their replies before the queue goes away. */
    pthread_mutex_lock(&s->mu);
    while (s->active > 0)
        pthread_cond_wait(&s->idle_cv, &s->mu);
    pthread_mutex_unlock(&s->mu);

    if (s->server) {
        grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
        grpc_server_cancel_all_calls(s->server);
    }
    if (s->poller_started) {
        pthread_join(s->poller, NULL);
    } else if (s->cq) {
        if (!s->server)
            grpc_completion_queue_shutdown(s->cq);
        poller_main(s); /* drain on this thread */
    }
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->main.cv);
    pthread_cond_broadcast(&s->cheap.cv);
    while (s->main.nworkers > 0 || s->cheap.nworkers > 0)
        pthread_cond_wait(&s->idle_cv, &s->mu);
    pthread_mutex_unlock(&s->mu);

    if (s->server)
        grpc_server_destroy(s->server);
    if (s->cq)
        grpc_completion_queue_destroy(s->cq);
    if (s->plain)
        grpc_server_credentials_release(s->plain);
    grpc_shutdown();
    pthread_cond_destroy(&s->idle_cv);
    pthread_cond_destroy(&s->main.cv);
    pthread_cond_destroy(&s->cheap.cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

size_t host_server_workers(const struct host_server *s)
{
    pthread_mutex_t *mu = (pthread_mutex_t *)&s->mu;
    pthread_mutex_lock(mu);
    size_t n = s->main.nworkers + s->cheap.nworkers;
    pthread_mutex_unlock(mu);
    return n;
}
