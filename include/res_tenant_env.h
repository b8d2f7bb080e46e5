/* res_tenant_env.h - one environment of unicron_tenant at apply and refresh time: what its
 * account and access roles must be (struct res_tenant_env, filled by tenant.c from the planned
 * or current value), the steps that make them so or read them back against AWS, and running
 * several environments at once, one thread each.
 *
 * Threads: res_tenant_envs_run runs each item on its own thread. While it runs, an item's inputs
 * and the shared struct res_tenant_op are read-only and borrowed from the caller's call; each
 * thread writes only its own item's outputs, allocates in its own arena and appends to its own
 * diagnostics list, which res_tenant_envs_run merges into the caller's in item order afterwards.
 * Nothing here builds Terraform values: tenant.c turns the outputs into state.
 */
#ifndef RES_TENANT_ENV_H
#define RES_TENANT_ENV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws_client.h"
#include "res_account_cache.h"
#include "res_iam_role.h"
#include "tf_diag.h"
#include "tf_path.h"
#include "uc_arena.h"

#define RES_TENANT_MAX_ENVS 3 /* dev, staging, prod */
#define RES_TENANT_N_ROLES  3 /* admin, developer, readonly */
/* The most items res_tenant_envs_run hands to the fan-out pool (any more run inline). */
#define RES_TENANT_MAX_THREADS (2 * RES_TENANT_MAX_ENVS)

/* Tag keys unicron writes (accounts and roles). */
#define RES_TAG_TENANT  "unicron:tenant"
#define RES_TAG_ENV     "unicron:environment"
#define RES_TAG_TIER    "unicron:tier"
#define RES_TAG_IMPORT  "unicron:import"
#define RES_TAG_RETIRED "unicron:retired"

/* Access role kind k is the schema's role value res_tenant_role_kinds[k] (admin, developer,
 * readonly; NULL-terminated, the validator's list), the IAM role res_tenant_role_names[k] and the
 * AWS managed policy res_tenant_role_policies[k]. */
extern const char *const res_tenant_role_kinds[RES_TENANT_N_ROLES + 1];
extern const char *const res_tenant_role_names[RES_TENANT_N_ROLES];
extern const char *const res_tenant_role_policies[RES_TENANT_N_ROLES];

enum res_tenant_step {
    RES_TENANT_ENSURE, /* find / create the account, place, tag, roles */
    RES_TENANT_RETIRE, /* roles deleted, account tagged retired (and moved) */
    RES_TENANT_CLOSE,  /* roles deleted, account closed */
    RES_TENANT_READ    /* what AWS holds */
};

/* What the whole operation shares (borrowed by every item; read-only while they run). */
struct res_tenant_op {
    struct aws_client *client;
    struct aws_session *org;    /* the management account (the provider's credentials) */
    struct aws_call_opts opts;  /* cancel token and the operation's deadline */
    const char *tenant;         /* the tenant name */
    const char *access_role;    /* the provider's account_access_role_name */
    const char *retired_parent; /* RES_TENANT_RETIRE: move here when set */
    const struct res_provider *provider; /* ignore_tags: left out of reads, never removed */
    struct res_account_cache *accounts;  /* reads of accounts shared by the process; a write
                                            step invalidates it (may be NULL) */
};

/* What one access role must be in one environment. */
struct res_tenant_role {
    bool wanted;
    const char *trust; /* trust policy JSON (the caller's arena) */
    json_t *tags;      /* role tags (owned by the item: res_tenant_envs_release frees it) */
};

/* One environment. Inputs are set by the caller after res_tenant_envs_init; strings are
 * borrowed and must outlive res_tenant_envs_run. */
struct res_tenant_env {
    /* in */
    const struct res_tenant_op *op;
    enum res_tenant_step step;
    size_t index;           /* position in the environment list (for attribute paths) */
    const char *name;       /* required */
    const char *email;      /* RES_TENANT_ENSURE */
    const char *parent;     /* effective parent; NULL = leave it where it is */
    bool parent_from_env;   /* parent is the environment's own parent_id (else the tenant's) */
    const char *account_id; /* known account; NULL = find or create (RES_TENANT_ENSURE) */
    json_t *tags;           /* RES_TENANT_ENSURE: the account's tags (owned) */
    const char *meta;       /* RES_TENANT_ENSURE: unicron:import of the account-access role */
    struct res_tenant_role roles[RES_TENANT_N_ROLES];
    bool drop_role[RES_TENANT_N_ROLES]; /* delete when present */
    bool read_role[RES_TENANT_N_ROLES]; /* RES_TENANT_READ */
    /* out: written by the item's thread only */
    struct uc_arena *arena; /* the item's scratch and diagnostics (owned) */
    struct tf_diags diags;
    bool ok;        /* the step finished */
    bool gone;      /* RES_TENANT_READ: account missing, closed or closing */
    bool made_here; /* this call created or adopted the account */
    double joined;  /* the account's JoinedTimestamp (epoch s; 0 = unknown) */
    char account[16], arn[256], state[32], email_out[128], parent_out[80];
    json_t *tags_out; /* RES_TENANT_READ: the account's tags (owned) */
    struct res_iam_role_state role_out[RES_TENANT_N_ROLES]; /* RES_TENANT_READ */
};

/* Zeroes n items, points them at op and gives each its own arena and diagnostics. False when
 * out of memory; res_tenant_envs_release must run either way. */
bool res_tenant_envs_init(struct res_tenant_env *ws, size_t n, const struct res_tenant_op *op);

/* Runs the step of each of the n items, one thread each (inline when a thread cannot start, or
 * n is 1), waits for all, and appends their diagnostics to d in item order. At most
 * RES_TENANT_MAX_THREADS items run on threads; any beyond run inline, in order. */
void res_tenant_envs_run(struct res_tenant_env *ws, size_t n, struct tf_diags *d);

/* Frees what the items own (tags, read results, arenas). Accepts NULL. */
void res_tenant_envs_release(struct res_tenant_env *ws, size_t n);

/* The attribute path environment[index].attr (attr NULL = the element). */
struct tf_path res_tenant_env_path(size_t index, const char *attr);

/* The partition of an ARN ("aws", "aws-cn", "aws-us-gov") into buf; "aws" when unparsable.
 * Returns buf. */
const char *res_arn_partition(const char *arn, char *buf, size_t n);

#endif
