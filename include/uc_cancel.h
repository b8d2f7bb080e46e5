/* uc_cancel.h - cancellation token that long waits can see (StopProvider, Ctrl-C).
 *
 * The plugin host owns one token per process and triggers it on StopProvider; resource code, the
 * AWS client's retry sleeps and waiters receive it as a borrowed const pointer and either poll it
 * or sleep on it. Sleeping on a token returns at once when the token fires. A NULL token is
 * valid everywhere and never fires. All functions are thread-safe.
 */
#ifndef UC_CANCEL_H
#define UC_CANCEL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "uc_status.h"

struct uc_cancel;

/* A new untriggered token, or NULL when out of memory. Caller owns it. */
struct uc_cancel *uc_cancel_new(void);
/* Frees the token. Accepts NULL. No thread may still be sleeping on it. */
void uc_cancel_free(struct uc_cancel *t);

/* Fires the token and wakes every sleeper. Idempotent. */
void uc_cancel_trigger(struct uc_cancel *t);
/* Re-arms a fired token (used by tests; the host never re-arms). */
void uc_cancel_reset(struct uc_cancel *t);
/* True once fired. NULL is never fired. */
bool uc_cancel_is_set(const struct uc_cancel *t);

/* Sleeps ms milliseconds or until the token fires. Returns UC_OK after a full sleep and
 * UC_CANCELED when the token fired (before or during the sleep). */
uc_status uc_cancel_sleep_ms(const struct uc_cancel *t, uint64_t ms);

/* Monotonic milliseconds since an arbitrary point; for deadlines. */
uint64_t uc_clock_monotonic_ms(void);

/* The CLOCK_MONOTONIC time ms milliseconds from now, as an absolute deadline for
 * pthread_cond_timedwait on a condition variable set to that clock, or clock_nanosleep. */
void uc_clock_monotonic_deadline(uint64_t ms, struct timespec *out);

#endif
