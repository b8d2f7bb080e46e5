/* res_shared_read.h - one read shared by the calls of one provider process (one Terraform
 * operation): the first caller that needs it loads it, callers meanwhile wait for that load
 * (single flight), later callers take the loaded value, and a write the process makes to what it
 * covers drops it (res_shared_read_invalidate), so no caller is ever handed a value older than
 * this process's own last change. The value never outlives the process.
 *
 * The value is a JSON document (borrowed by get's callers as a new reference; never modified
 * once loaded). A load is worth its cost only when enough reads ask for it: until min_demand
 * gets have been made, get answers UC_NOTFOUND and the caller makes its own exact call. A load
 * that fails, or that a write overtook, is never handed out either: the callers read on their
 * own. Used by unicron_tenant (res_account_cache.h) and the cluster and add-on reads
 * (res_keyed_read.h). Thread-safe.
 */
#ifndef RES_SHARED_READ_H
#define RES_SHARED_READ_H

#include <jansson.h>
#include <stdint.h>

#include "aws_client.h"
#include "uc_status.h"

struct res_shared_read;

/* Loads the shared value: *out gets a new reference on UC_OK. ctx is the get caller's. */
typedef uc_status (*res_shared_read_load_fn)(void *ctx, json_t **out, struct aws_error *err);

/* What a get does while another thread loads. */
enum res_shared_read_busy {
    RES_SHARED_READ_WAIT,   /* waits for the load: it costs about one call of the caller's own */
    RES_SHARED_READ_BYPASS, /* answers UC_NOTFOUND at once: the load takes many calls, and a
                             * caller makes its own exact one sooner than the load ends */
};

/* A new empty shared read. A loaded value older than max_age_ms (0 = no limit) is loaded again;
 * nothing is loaded before min_demand gets (0 or 1 = the first get loads); busy says what gets
 * do during a load. NULL when out of memory. Free with res_shared_read_free. */
struct res_shared_read *res_shared_read_new(uint64_t max_age_ms, unsigned min_demand,
                                            enum res_shared_read_busy busy);
/* Frees r and its value. Accepts NULL. No call may be using r. */
void res_shared_read_free(struct res_shared_read *r);

/* The shared value: UC_OK with *out a new reference (the caller decrefs; it must not modify it).
 * UC_NOTFOUND (err untouched) when there is none to give: demand below min_demand, the load
 * failed since the last invalidate, a write overtook the load, or (RES_SHARED_READ_BYPASS)
 * another thread is loading; the caller then makes its own exact call. While another thread
 * loads, RES_SHARED_READ_WAIT waits for it, in slices that check o's cancel token (UC_CANCELED)
 * and deadline (UC_TIMEOUT; both fill err). Otherwise this thread calls load(ctx) outside the
 * lock. o may be NULL. */
uc_status res_shared_read_get(struct res_shared_read *r, res_shared_read_load_fn load, void *ctx,
                              const struct aws_call_opts *o, json_t **out, struct aws_error *err);

/* The generation of r, to take before an exact read of what r covers whose answer is then
 * offered (res_shared_read_offer). Accepts NULL (returns 0). */
uint64_t res_shared_read_generation(struct res_shared_read *r);

/* Offers value, the whole answer of an exact read made after gen was taken, as r's value (a new
 * reference is kept), so that later gets share it instead of loading. Kept only when no
 * invalidate came since gen (a write overtook the read) and no load is under way (its own value
 * is as fresh). Accepts NULL r and value. */
void res_shared_read_offer(struct res_shared_read *r, uint64_t gen, json_t *value);

/* Drops the value; a load under way when this is called is not kept, and a failed load may be
 * tried again. Call before and after every write to what the value covers. Accepts NULL. */
void res_shared_read_invalidate(struct res_shared_read *r);

#endif
