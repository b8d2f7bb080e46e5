/* res_eks_versions.h - the EKS Kubernetes version policy: the compiled-in table of minors with
 * their release, end-of-standard-support and end-of-extended-support dates (the same table as
 * tools/localaws; a test compares them), what a version's support status is on a given day, and
 * the plan-time and apply-time checks that turn that into diagnostics.
 *
 * Plan time is offline (the table and "today"); apply and refresh ask EKS
 * (DescribeClusterVersions) and trust its answer over the table. "Today" comes from a clock seam:
 * res_eks_set_today() for tests, else the UNICRON_EKS_TODAY environment variable (YYYY-MM-DD, the
 * value given to localaws --today), else the real date. Everything else is static data and pure
 * functions; thread-safe except res_eks_set_today (call it before starting threads).
 */
#ifndef RES_EKS_VERSIONS_H
#define RES_EKS_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws_client.h"
#include "res_keyed_read.h"
#include "tf_diag.h"
#include "tf_path.h"

/* One minor of the table ("1.<minor>"); dates are days since 1970-01-01 (UTC). */
struct res_eks_version {
    int minor;
    int64_t released;
    int64_t end_standard; /* first day of extended support */
    int64_t end_extended; /* first day the version is unsupported */
};

enum res_eks_support {
    RES_EKS_STANDARD = 0, /* standard support */
    RES_EKS_EXTENDED,     /* extended support: the control plane costs six times as much */
    RES_EKS_UNSUPPORTED,  /* past the end of extended support (or older than the table) */
    RES_EKS_NEWER,        /* newer than the table knows: EKS decides at apply */
    RES_EKS_UNRELEASED    /* in the table but not yet released on that day */
};

/* The version new clusters get when kubernetes_version is not set ("1.35"). Static. */
const char *res_k8s_default_version(void);
/* The oldest minor not past its end of extended support today, and the newest in the table. */
int res_k8s_min_minor(void);
int res_k8s_max_minor(void);

size_t res_eks_versions_count(void);
/* Entry i (oldest first); NULL past the end. Static. */
const struct res_eks_version *res_eks_version_at(size_t i);
/* The entry for 1.<minor>; NULL when the table does not know it. */
const struct res_eks_version *res_eks_version_find(int minor);

/* "Today" as days since 1970-01-01 (see the clock seam above). */
int64_t res_eks_today(void);
/* Pins "today" to YYYY-MM-DD for tests (NULL = back to the environment / real date). False when
 * ymd is not a valid date. Not thread-safe: call before any other thread uses this module. */
bool res_eks_set_today(const char *ymd);
/* Days since 1970-01-01 of a "YYYY-MM-DD" date; false when it is not one. */
bool res_eks_parse_date(const char *ymd, int64_t *days);
/* "YYYY-MM-DD" of a day number into buf (at least 11 bytes). Returns buf. */
const char *res_eks_format_date(int64_t days, char *buf, size_t n);

/* The support status of 1.<minor> on day `day` by the table. */
enum res_eks_support res_eks_support_on(int minor, int64_t day);

/* The plan-time check of kubernetes_version s (offline, today): invalid text or a version past
 * the end of extended support (or older than the table) is an error at path; extended support a
 * warning naming the cost and the next minor; a minor newer than the table a warning. Diagnostics
 * go to d. Returns false when an error was added. */
bool res_eks_version_check_plan(const char *s, const struct tf_path *path, struct tf_diags *d);

/* What EKS says about one version (DescribeClusterVersions). */
struct res_eks_version_status {
    bool listed;          /* EKS named the version */
    char status[40];      /* STANDARD_SUPPORT, EXTENDED_SUPPORT, UNSUPPORTED, ... */
    int64_t end_standard; /* days; 0 = not given */
    int64_t end_extended;
    bool is_default;
};

/* DescribeClusterVersions for 1.<minor> (includeAll, so an unsupported version is listed too)
 * with session s; with shared (res_keyed_read.h, may be NULL) one answer per version serves
 * this process's clusters. UC_OK with out->listed false when EKS does not name it. */
uc_status res_eks_describe_version(struct aws_session *s, struct res_keyed_read *shared,
                                   const char *version, const struct aws_call_opts *o,
                                   struct res_eks_version_status *out, struct aws_error *err);

/* The apply / refresh check: EKS's answer (st UC_OK) decides; when the call failed the table does
 * and a warning says so. creating: an unlisted or unsupported version is an error (EKS would
 * refuse it); on refresh (creating false) it is a warning only. Returns false when an error was
 * added. */
bool res_eks_version_check_live(struct aws_session *s, struct res_keyed_read *shared,
                                const char *version, bool creating,
                                const struct aws_call_opts *o, const struct tf_path *path,
                                struct tf_diags *d);

#endif
