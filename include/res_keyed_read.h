/* res_keyed_read.h - res_shared_read by key: one shared read per key (a cluster, an add-on and
 * Kubernetes version), made on first use or offered by an exact read that asked the same
 * question (res_keyed_read_offer: the cluster's own DescribeCluster feeds its add-ons' reads), so
 * that the reads of one provider process (one Terraform operation) share one answer. The rules are
 * res_shared_read's: single flight, a value never older than this process's own last write to
 * it (res_keyed_read_invalidate), never outliving the process, UC_NOTFOUND when the caller must
 * make its own exact call. Every key loads on its first get (min_demand 1).
 * Thread-safe. Owned by the configured provider (struct res_provider).
 */
#ifndef RES_KEYED_READ_H
#define RES_KEYED_READ_H

#include <stdint.h>

#include "res_shared_read.h"

struct res_keyed_read;

/* A new empty set; values older than max_age_ms (0 = no limit) are loaded again. NULL when out
 * of memory. Free with res_keyed_read_free. */
struct res_keyed_read *res_keyed_read_new(uint64_t max_age_ms);
/* Frees k, its keys and their values. Accepts NULL. No call may be using k. */
void res_keyed_read_free(struct res_keyed_read *k);

/* res_shared_read_get on key's shared read (made when new). NULL k, a NULL or empty key, or no
 * memory for a new key: UC_NOTFOUND, so the caller reads on its own. */
uc_status res_keyed_read_get(struct res_keyed_read *k, const char *key,
                             res_shared_read_load_fn load, void *ctx, const struct aws_call_opts *o,
                             json_t **out, struct aws_error *err);

/* res_shared_read_generation of key's shared read, made when new (so that a write after this
 * call is seen by res_keyed_read_offer). RES_KEYED_READ_NO_GEN, which no offer matches, for a
 * NULL k, a NULL or empty key, or no memory for a new key. */
#define RES_KEYED_READ_NO_GEN UINT64_MAX
uint64_t res_keyed_read_generation(struct res_keyed_read *k, const char *key);

/* res_shared_read_offer of value to key's shared read, when it has one: an exact read's whole
 * answer, made after gen was taken (res_keyed_read_generation), kept for the gets that follow.
 * Accepts NULL k, key and value. */
void res_keyed_read_offer(struct res_keyed_read *k, const char *key, uint64_t gen, json_t *value);

/* res_shared_read_invalidate of key's shared read (nothing when it has none); a NULL key drops
 * every key's value. Call before and after every write to what key covers. Accepts NULL k. */
void res_keyed_read_invalidate(struct res_keyed_read *k, const char *key);

#endif
