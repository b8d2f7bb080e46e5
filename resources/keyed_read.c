/* keyed_read.c - res_keyed_read: a res_shared_read per key, kept in a list that only grows for
 * the life of the provider process (one entry per cluster or add-on version a Terraform
 * operation asks about). It makes no AWS call of its own and knows no resource.
 */
#include "res_keyed_read.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct keyed_entry {
    char *key;
    struct res_shared_read *read;
    struct keyed_entry *next;
};

struct res_keyed_read {
    pthread_mutex_t mu; /* guards the list; each entry's read has its own lock */
    uint64_t max_age_ms;
    struct keyed_entry *head;
};

struct res_keyed_read *res_keyed_read_new(uint64_t max_age_ms)
{
    struct res_keyed_read *k = calloc(1, sizeof *k);
    if (k == NULL)
        return NULL;
    pthread_mutex_init(&k->mu, NULL);
    k->max_age_ms = max_age_ms;
    return k;
}

void res_keyed_read_free(struct res_keyed_read *k)
{
    if (k == NULL)
        return;
    struct keyed_entry *e = k->head;
    while (e != NULL) {
        struct keyed_entry *next = e->next;
        res_shared_read_free(e->read);
        free(e->key);
        free(e);
        e = next;
    }
    pthread_mutex_destroy(&k->mu);
    free(k);
}

/* The entry of key, made when create and missing. k->mu held. NULL when absent or no memory. */
static struct keyed_entry *find(struct res_keyed_read *k, const char *key, bool create)
{
    for (struct keyed_entry *e = k->head; e != NULL; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e;
    if (!create)
        return NULL;
    struct keyed_entry *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->key = strdup(key);
    e->read = res_shared_read_new(k->max_age_ms, 1, RES_SHARED_READ_WAIT);
    if (e->key == NULL || e->read == NULL) {
        res_shared_read_free(e->read);
        free(e->key);
        free(e);
        return NULL;
    }
    e->next = k->head;
    k->head = e;
    return e;
}

/* key's shared read, made when create and missing; NULL when k or key is NULL or empty, when
 * absent, or no memory. Entries are never removed before res_keyed_read_free, so the read stays
 * valid unlocked. */
static struct res_shared_read *read_of(struct res_keyed_read *k, const char *key, bool create)
{
    if (k == NULL || key == NULL || key[0] == '\0')
        return NULL;
    pthread_mutex_lock(&k->mu);
    struct keyed_entry *e = find(k, key, create);
    pthread_mutex_unlock(&k->mu);
    return e != NULL ? e->read : NULL;
}

uc_status res_keyed_read_get(struct res_keyed_read *k, const char *key,
                             res_shared_read_load_fn load, void *ctx, const struct aws_call_opts *o,
                             json_t **out, struct aws_error *err)
{
    *out = NULL;
    struct res_shared_read *r = read_of(k, key, true);
    if (r == NULL)
        return UC_NOTFOUND;
    return res_shared_read_get(r, load, ctx, o, out, err);
}

uint64_t res_keyed_read_generation(struct res_keyed_read *k, const char *key)
{
    struct res_shared_read *r = read_of(k, key, true);
    return r != NULL ? res_shared_read_generation(r) : RES_KEYED_READ_NO_GEN;
}

void res_keyed_read_offer(struct res_keyed_read *k, const char *key, uint64_t gen, json_t *value)
{
    if (gen != RES_KEYED_READ_NO_GEN)
        res_shared_read_offer(read_of(k, key, false), gen, value);
}

void res_keyed_read_invalidate(struct res_keyed_read *k, const char *key)
{
    if (k == NULL)
        return;
    pthread_mutex_lock(&k->mu);
    if (key == NULL) {
        for (struct keyed_entry *e = k->head; e != NULL; e = e->next)
            res_shared_read_invalidate(e->read);
    } else {
        struct keyed_entry *e = find(k, key, false);
        if (e != NULL)
            res_shared_read_invalidate(e->read);
    }
    pthread_mutex_unlock(&k->mu);
}
