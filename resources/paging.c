/* paging.c - follows the continuation token of a paginated AWS list (res_paging.h): keeps it at
 * any length, refuses a repeated token and a list longer than its page cap.
 *
 * It must not make AWS calls or collect items: the caller does both, so one pager serves the
 * JSON (NextToken) and Query (Marker) protocols alike.
 */
#include "res_paging.h"

#include <string.h>

void res_pager_init(struct res_pager *p, const char *service, const char *operation,
                    const char *field, int max_pages)
{
    memset(p, 0, sizeof *p);
    p->service = service;
    p->operation = operation;
    p->field = field;
    p->max_pages = max_pages;
}

void res_pager_release(struct res_pager *p)
{
    if (p == NULL)
        return;
    json_decref(p->token);
    p->token = NULL;
}

uc_status res_pager_begin(struct res_pager *p, json_t *in, struct aws_error *err)
{
    if (p->page >= p->max_pages)
        return aws_error_set(err, UC_RANGE, p->service, p->operation,
                             "more than %d pages of results; %s keeps coming", p->max_pages,
                             p->field);
    if (p->token != NULL && (in == NULL || json_object_set(in, p->field, p->token) != 0))
        return aws_error_set(err, UC_NOMEM, p->service, p->operation, "no memory");
    p->page++;
    return UC_OK;
}

uc_status res_pager_end(struct res_pager *p, const json_t *next, bool *more,
                        struct aws_error *err)
{
    *more = json_is_string(next) && json_string_length(next) > 0;
    if (*more && p->token != NULL && json_equal(next, p->token)) {
        *more = false;
        return aws_error_set(err, UC_DECODE, p->service, p->operation,
                             "the service answered the %s it was given; the list would never "
                             "end",
                             p->field);
    }
    json_decref(p->token);
    p->token = *more ? json_deep_copy(next) : NULL;
    if (*more && p->token == NULL) {
        *more = false;
        return aws_error_set(err, UC_NOMEM, p->service, p->operation, "no memory");
    }
    return UC_OK;
}
