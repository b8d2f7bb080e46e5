/* test_aws_fake.h - fake transport and fake clock shared by the AWS client unit tests.
 *
 * Header-only (each test executable includes it once). The fake transport records every request
 * and answers from a handler function or a queue of canned responses; the fake clock advances
 * instantly on sleep (and reports cancellation), so retry and refresh tests run in microseconds.
 * struct fake_env puts a client on both, for the cmocka group setup/teardown of a test file.
 */
#ifndef TEST_AWS_FAKE_H
#define TEST_AWS_FAKE_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_client.h"
#include "aws_http.h"
#include "test_aws_config.h"

#define FAKE_MAX_REQ 128
#define FAKE_MAX_CANNED 64

struct fake_req {
    char method[16];
    char url[4096];
    struct aws_headers headers;
    char *body;
    size_t body_len;
};

struct fake_canned {
    long status; /* 0 = transport error with net */
    enum aws_net_error net;
    const char *headers; /* "Name: value\n..." or NULL */
    const char *body;
};

struct fake_transport {
    struct aws_transport base;
    pthread_mutex_t mu;
    struct fake_req reqs[FAKE_MAX_REQ];
    int nreq;
    struct fake_canned canned[FAKE_MAX_CANNED];
    int ncanned, next;
    /* Optional handler: fills resp (status/headers/body) for req; returns UC_OK or
     * UC_TRANSPORT (set resp->net). Used when set, else the canned queue. */
    uc_status (*handler)(void *ctx, const struct fake_req *req, struct aws_http_response *resp);
    void *ctx;
};

static inline void fake_set_headers(struct aws_http_response *resp, const char *hdrs)
{
    if (!hdrs)
        return;
    const char *p = hdrs;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        const char *colon = memchr(p, ':', l);
        if (colon) {
            char name[256], value[1024];
            snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            snprintf(value, sizeof(value), "%.*s", (int)(l - (size_t)(v - p)), v);
            aws_headers_add(&resp->headers, name, value);
        }
        p += l + (e ? 1 : 0);
    }
}

static inline uc_status fake_send(struct aws_transport *t, const struct aws_http_request *req,
                           const struct uc_cancel *cancel, struct aws_http_response *resp)
{
    struct fake_transport *f = (struct fake_transport *)t;
    if (uc_cancel_is_set(cancel))
        return UC_CANCELED;
    pthread_mutex_lock(&f->mu);
    struct fake_req *r = NULL;
    if (f->nreq < FAKE_MAX_REQ) {
        r = &f->reqs[f->nreq++];
        snprintf(r->method, sizeof(r->method), "%s", req->method);
        snprintf(r->url, sizeof(r->url), "%s", req->url);
        aws_headers_init(&r->headers);
        for (size_t i = 0; i < req->headers.len; i++)
            aws_headers_add(&r->headers, req->headers.items[i].name,
                            req->headers.items[i].value);
        r->body = malloc(req->body_len + 1);
        if (req->body_len)
            memcpy(r->body, req->body, req->body_len);
        r->body[req->body_len] = '\0';
        r->body_len = req->body_len;
    }
    uc_status st = UC_OK;
    if (f->handler) {
        pthread_mutex_unlock(&f->mu);
        st = r ? f->handler(f->ctx, r, resp) : UC_TRANSPORT;
        return st;
    }
    if (f->next >= f->ncanned) {
        resp->status = 599;
        uc_buf_puts(&resp->body, "no canned response left");
    } else {
        const struct fake_canned *c = &f->canned[f->next++];
        if (c->status == 0) {
            resp->net = c->net;
            snprintf(resp->net_message, sizeof(resp->net_message), "fake network error");
            st = UC_TRANSPORT;
        } else {
            resp->status = c->status;
            fake_set_headers(resp, c->headers);
            if (c->body)
                uc_buf_puts(&resp->body, c->body);
        }
    }
    pthread_mutex_unlock(&f->mu);
    return st;
}

static inline void fake_reset(struct fake_transport *f)
{
    for (int i = 0; i < f->nreq; i++) {
        aws_headers_release(&f->reqs[i].headers);
        free(f->reqs[i].body);
    }
    f->nreq = 0;
    f->ncanned = 0;
    f->next = 0;
    f->handler = NULL;
    f->ctx = NULL;
}

static inline void fake_init(struct fake_transport *f)
{
    memset(f, 0, sizeof(*f));
    f->base.send = fake_send;
    f->base.destroy = NULL;
    pthread_mutex_init(&f->mu, NULL);
}

static inline void fake_release(struct fake_transport *f)
{
    fake_reset(f);
    pthread_mutex_destroy(&f->mu);
}

static inline void fake_push(struct fake_transport *f, long status, const char *headers,
                      const char *body)
{
    f->canned[f->ncanned++] = (struct fake_canned){status, AWS_NET_NONE, headers, body};
}

static inline void fake_push_net(struct fake_transport *f, enum aws_net_error net)
{
    f->canned[f->ncanned++] = (struct fake_canned){0, net, NULL, NULL};
}

/* ---- fake clock ------------------------------------------------------------------------------ */

struct fake_clock {
    int64_t wall_ms;
    uint64_t mono_ms;
    uint64_t slept_ms;
    int sleeps;
    uint64_t last_sleep_ms;
    pthread_mutex_t mu;
};

static inline int64_t fc_wall(void *ctx)
{
    struct fake_clock *c = ctx;
    pthread_mutex_lock(&c->mu);
    int64_t v = c->wall_ms;
    pthread_mutex_unlock(&c->mu);
    return v;
}

static inline uint64_t fc_mono(void *ctx)
{
    struct fake_clock *c = ctx;
    pthread_mutex_lock(&c->mu);
    uint64_t v = c->mono_ms;
    pthread_mutex_unlock(&c->mu);
    return v;
}

static inline uc_status fc_sleep(void *ctx, const struct uc_cancel *cancel, uint64_t ms)
{
    struct fake_clock *c = ctx;
    if (uc_cancel_is_set(cancel))
        return UC_CANCELED;
    pthread_mutex_lock(&c->mu);
    c->wall_ms += (int64_t)ms;
    c->mono_ms += ms;
    c->slept_ms += ms;
    c->last_sleep_ms = ms;
    c->sleeps++;
    pthread_mutex_unlock(&c->mu);
    return UC_OK;
}

static inline void fake_clock_init(struct fake_clock *c, struct aws_clock *out)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    c->wall_ms = 1767225600000LL; /* 2026-01-01T00:00:00Z */
    c->mono_ms = 1000000;
    *out = (struct aws_clock){fc_wall, fc_mono, fc_sleep, c};
}

static inline void fake_clock_advance(struct fake_clock *c, uint64_t ms)
{
    pthread_mutex_lock(&c->mu);
    c->wall_ms += (int64_t)ms;
    c->mono_ms += ms;
    pthread_mutex_unlock(&c->mu);
}

/* Header value of request i, or NULL. */
static inline const char *fake_hdr(struct fake_transport *f, int i, const char *name)
{
    return i < f->nreq ? aws_headers_get(&f->reqs[i].headers, name) : NULL;
}

/* ---- a client on the fakes ------------------------------------------------------------------- */

struct fake_env {
    struct fake_transport ft;
    struct fake_clock fc;
    struct aws_clock clock;
    struct aws_client *c; /* made by the test file's setup, freed by fake_env_teardown */
};

/* A fresh fake transport and clock; the caller makes e->c (see fake_config). */
static inline struct fake_env *fake_env_new(void)
{
    struct fake_env *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    fake_init(&e->ft);
    fake_clock_init(&e->fc, &e->clock);
    return e;
}

/* test_aws_config_init plus e's transport and clock and a fixed random seed. */
static inline void fake_config(struct fake_env *e, struct aws_config *cfg, const char *region,
                               const char *access_key, const char *secret_key, uint64_t seed)
{
    test_aws_config_init(cfg, region, access_key, secret_key);
    cfg->transport = &e->ft.base;
    cfg->clock = &e->clock;
    cfg->random_seed = seed;
}

/* cmocka setup: *state = a fake env whose client is for us-east-1 with the keys AKID / secret
 * and jitter seed 7 (what most tests want). Non-zero (the test fails) when it cannot. */
static inline int fake_env_setup(void **state)
{
    struct fake_env *e = fake_env_new();
    if (!e)
        return -1;
    struct aws_config cfg;
    fake_config(e, &cfg, "us-east-1", "AKID", "secret", 7);
    struct aws_error err;
    e->c = aws_client_new(&cfg, &err);
    *state = e;
    return e->c ? 0 : -1;
}

/* cmocka group teardown for *state == a struct fake_env. */
static inline int fake_env_teardown(void **state)
{
    struct fake_env *e = *state;
    aws_client_free(e->c);
    fake_release(&e->ft);
    free(e);
    return 0;
}

#endif
