/* status.c - names and texts of uc_status codes, generated from the one X-macro list.
 * Holds no state and must not grow any: it is a lookup table only.
 */
#include "uc_status.h"

#include <stddef.h>

static const char *const status_names[] = {
#define UC_STATUS_NAME(name, text) "UC_" #name,
    UC_STATUS_MAP(UC_STATUS_NAME)
#undef UC_STATUS_NAME
};

static const char *const status_texts[] = {
#define UC_STATUS_TEXT(name, text) text,
    UC_STATUS_MAP(UC_STATUS_TEXT)
#undef UC_STATUS_TEXT
};

const char *uc_status_name(uc_status st)
{
    if ((unsigned)st >= UC_STATUS_COUNT)
        return "UC_UNKNOWN_STATUS";
    return status_names[st];
}

const char *uc_status_text(uc_status st)
{
    if ((unsigned)st >= UC_STATUS_COUNT)
        return "unknown status";
    return status_texts[st];
}
