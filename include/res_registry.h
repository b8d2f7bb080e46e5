/* res_registry.h - the list of resources the provider serves, and the provider's own schema.
 *
 * Adding a resource is one new file plus one line in resources/registry.c. The registry is static
 * data, built at compile time; implied types are computed once by res_registry_init().
 */
#ifndef RES_REGISTRY_H
#define RES_REGISTRY_H

#include <stddef.h>

#include "res_resource.h"
#include "uc_status.h"

/* Computes implied types of every schema into a process-lifetime arena. Call once at start,
 * before any other thread runs. */
uc_status res_registry_init(void);

/* Number of resources, and the i-th (borrowed, static). */
size_t res_registry_count(void);
const struct res_resource *res_registry_at(size_t i);

/* The resource serving type_name, or NULL. */
const struct res_resource *res_registry_find(const char *type_name);

/* Implied object type of a resource's schema (computed by res_registry_init). */
const struct tf_type *res_registry_type(const struct res_resource *r);

#endif
