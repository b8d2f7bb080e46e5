/* res_paging.h - the continuation token of one paginated AWS list (Organizations NextToken,
 * IAM Marker), followed the same way by every resource helper.
 *
 * The token is kept as the service gave it, whatever its length; a token equal to the one just
 * sent, or more pages than the cap, is an error (never a short or endlessly repeated list). The
 * caller makes the calls; the pager only says what to send and whether to go on. One pager per
 * list, used by one thread; it holds no AWS state.
 */
#ifndef RES_PAGING_H
#define RES_PAGING_H

#include <jansson.h>
#include <stdbool.h>

#include "aws_client.h"

struct res_pager {
    const char *service;   /* for errors ("iam"); borrowed, must outlive the pager */
    const char *operation; /* "ListAttachedRolePolicies"; borrowed */
    const char *field;     /* request and answer member of the token ("Marker"); borrowed */
    int max_pages;
    int page;     /* pages begun so far */
    json_t *token; /* the token to send next (a JSON string) or NULL; owned */
};

/* A pager before its first page. The strings are borrowed; max_pages > 0. */
void res_pager_init(struct res_pager *p, const char *service, const char *operation,
                    const char *field, int max_pages);
/* Drops the token. Accepts NULL; the pager may be initialised again afterwards. */
void res_pager_release(struct res_pager *p);

/* Before each page's call: sets the token member of the request object in (when there is a
 * token). Fails with UC_RANGE in err when max_pages pages were already asked for, UC_NOMEM when
 * in cannot take the token; in is left unchanged then. */
uc_status res_pager_begin(struct res_pager *p, json_t *in, struct aws_error *err);

/* After each page's answer: next is the answer's token member (borrowed; NULL, a non-string or
 * "" means the list is complete). *more says whether to ask for another page. A token equal to
 * the one just sent is UC_DECODE in err (the list would never end). */
uc_status res_pager_end(struct res_pager *p, const json_t *next, bool *more,
                        struct aws_error *err);

#endif
