/* eks_versions.c - the EKS Kubernetes version table (VERSIONS.md: the same dates as
 * tools/localaws), support status by date, and the plan-time (offline) and apply-time
 * (DescribeClusterVersions) version checks as diagnostics.
 *
 * No AWS call except in res_eks_describe_version / res_eks_version_check_live. "Today" is a seam:
 * res_eks_set_today() (tests), UNICRON_EKS_TODAY (YYYY-MM-DD), else the real date.
 */
#include "res_eks_versions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_eks.h"
#include "res_validate.h"

#define DEFAULT_VERSION "1.35"

/* Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

#define D(y, m, d) days_from_civil(y, m, d)

/* minor, released, end of standard support, end of extended support (VERSIONS.md). Oldest first.
 * Initialised at first use (days_from_civil is not a constant expression). */
static const struct {
    int minor, ry, rm, rd, sy, sm, sd, ey, em, ed;
} table_src[] = {
    {.minor = 30, .ry = 2024, .rm = 5, .rd = 23, .sy = 2025, .sm = 7, .sd = 23, .ey = 2026,
     .em = 7, .ed = 23},
    {.minor = 31, .ry = 2024, .rm = 9, .rd = 26, .sy = 2025, .sm = 11, .sd = 26, .ey = 2026,
     .em = 11, .ed = 26},
    {.minor = 32, .ry = 2025, .rm = 1, .rd = 23, .sy = 2026, .sm = 3, .sd = 23, .ey = 2027,
     .em = 3, .ed = 23},
    {.minor = 33, .ry = 2025, .rm = 5, .rd = 29, .sy = 2026, .sm = 7, .sd = 29, .ey = 2027,
     .em = 7, .ed = 29},
    {.minor = 34, .ry = 2025, .rm = 10, .rd = 2, .sy = 2026, .sm = 12, .sd = 2, .ey = 2027,
     .em = 12, .ed = 2},
    {.minor = 35, .ry = 2026, .rm = 1, .rd = 27, .sy = 2027, .sm = 3, .sd = 27, .ey = 2028,
     .em = 3, .ed = 27},
    {.minor = 36, .ry = 2026, .rm = 5, .rd = 27, .sy = 2027, .sm = 7, .sd = 27, .ey = 2028,
     .em = 7, .ed = 27},
};
#define NVERSIONS (sizeof table_src / sizeof table_src[0])

static const struct res_eks_version *table(void)
{
    /* Pure function of constants: computing it twice from two threads writes the same values. */
    static struct res_eks_version t[NVERSIONS];
    static volatile int ready;
    if (!ready) {
        for (size_t i = 0; i < NVERSIONS; i++) {
            t[i].minor = table_src[i].minor;
            t[i].released = D(table_src[i].ry, table_src[i].rm, table_src[i].rd);
            t[i].end_standard = D(table_src[i].sy, table_src[i].sm, table_src[i].sd);
            t[i].end_extended = D(table_src[i].ey, table_src[i].em, table_src[i].ed);
        }
        ready = 1;
    }
    return t;
}

size_t res_eks_versions_count(void)
{
    return NVERSIONS;
}

const struct res_eks_version *res_eks_version_at(size_t i)
{
    return i < NVERSIONS ? &table()[i] : NULL;
}

const struct res_eks_version *res_eks_version_find(int minor)
{
    for (size_t i = 0; i < NVERSIONS; i++)
        if (table()[i].minor == minor)
            return &table()[i];
    return NULL;
}

bool res_eks_parse_date(const char *ymd, int64_t *days)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (ymd == NULL || strlen(ymd) != 10 || ymd[4] != '-' || ymd[7] != '-')
        return false;
    int v[3] = {0, 0, 0};
    static const int pos[3][2] = {{0, 4}, {5, 2}, {8, 2}};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < pos[k][1]; i++) {
            char c = ymd[pos[k][0] + i];
            if (c < '0' || c > '9')
                return false;
            v[k] = v[k] * 10 + (c - '0');
        }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > mdays[v[1] - 1])
        return false;
    bool leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
    if (v[1] == 2 && v[2] == 29 && !leap)
        return false;
    *days = days_from_civil(v[0], v[1], v[2]);
    return true;
}

const char *res_eks_format_date(int64_t days, char *buf, size_t n)
{
    /* civil_from_days (H. Hinnant) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (buf != NULL && n > 0)
        snprintf(buf, n, "%04lld-%02lld-%02lld", (long long)(y + (m <= 2)), (long long)m,
                 (long long)d);
    return buf;
}

static bool today_pinned;
static int64_t today_value;

bool res_eks_set_today(const char *ymd)
{
    if (ymd == NULL) {
        today_pinned = false;
        return true;
    }
    int64_t d = 0;
    if (!res_eks_parse_date(ymd, &d))
        return false;
    today_value = d;
    today_pinned = true;
    return true;
}

int64_t res_eks_today(void)
{
    if (today_pinned)
        return today_value;
    int64_t d = 0;
    const char *env = getenv("UNICRON_EKS_TODAY");
    if (env != NULL && res_eks_parse_date(env, &d))
        return d;
    return (int64_t)time(NULL) / 86400;
}

enum res_eks_support res_eks_support_on(int minor, int64_t day)
{
    const struct res_eks_version *v = res_eks_version_find(minor);
    if (v == NULL)
        return minor > table()[NVERSIONS - 1].minor ? RES_EKS_NEWER : RES_EKS_UNSUPPORTED;
    if (day < v->released)
        return RES_EKS_UNRELEASED;
    if (day < v->end_standard)
        return RES_EKS_STANDARD;
    if (day < v->end_extended)
        return RES_EKS_EXTENDED;
    return RES_EKS_UNSUPPORTED;
}

const char *res_k8s_default_version(void)
{
    return DEFAULT_VERSION;
}

int res_k8s_min_minor(void)
{
    int64_t today = res_eks_today();
    for (size_t i = 0; i < NVERSIONS; i++)
        if (res_eks_support_on(table()[i].minor, today) != RES_EKS_UNSUPPORTED)
            return table()[i].minor;
    return table()[NVERSIONS - 1].minor;
}

int res_k8s_max_minor(void)
{
    return table()[NVERSIONS - 1].minor;
}

/* "1.32, 1.33, ..." of the minors usable today. */
static const char *usable_list(char *buf, size_t n)
{
    int64_t today = res_eks_today();
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NVERSIONS && o + 8 < n; i++) {
        enum res_eks_support s = res_eks_support_on(table()[i].minor, today);
        if (s == RES_EKS_STANDARD || s == RES_EKS_EXTENDED)
            o += (size_t)snprintf(buf + o, n - o, "%s1.%d", o ? ", " : "", table()[i].minor);
    }
    return buf;
}

static void extended_warning(struct tf_diags *d, const struct tf_path *path, int minor,
                             int64_t end_standard, int64_t end_extended)
{
    char s1[16] = "", s2[16] = "";
    if (end_standard > 0)
        res_eks_format_date(end_standard, s1, sizeof s1);
    if (end_extended > 0)
        res_eks_format_date(end_extended, s2, sizeof s2);
    tf_diag_warning(d, path, "Kubernetes version in extended support",
                    "EKS standard support for Kubernetes 1.%d ended%s%s; in extended support "
                    "the control plane costs six times as much ($0.60 instead of $0.10 an hour)"
                    "%s%s. Upgrade to 1.%d (one minor at a time) to return to standard support.",
                    minor, s1[0] ? " on " : "", s1, s2[0] ? " until EKS stops supporting it on "
                                                          : "",
                    s2, minor + 1);
}

bool res_eks_version_check_plan(const char *s, const struct tf_path *path, struct tf_diags *d)
{
    char list[128];
    int minor = 0;
    usable_list(list, sizeof list);
    if (!res_parse_k8s_version(s, &minor)) {
        tf_diag_error(d, path, "Invalid Kubernetes version",
                      "\"%.80s\" is not a Kubernetes minor version: write \"1.NN\" (EKS supports "
                      "%s).",
                      s ? s : "", list);
        return false;
    }
    int64_t today = res_eks_today();
    const struct res_eks_version *v = res_eks_version_find(minor);
    char date[16];
    switch (res_eks_support_on(minor, today)) {
    case RES_EKS_STANDARD:
        return true;
    case RES_EKS_EXTENDED:
        extended_warning(d, path, minor, v->end_standard, v->end_extended);
        return true;
    case RES_EKS_UNSUPPORTED:
        if (v != NULL)
            tf_diag_error(d, path, "Unsupported Kubernetes version",
                          "EKS does not support Kubernetes %s: its extended support ended on "
                          "%s. Supported versions are %s.",
                          s, res_eks_format_date(v->end_extended, date, sizeof date), list);
        else
            tf_diag_error(d, path, "Unsupported Kubernetes version",
                          "EKS does not support Kubernetes %s: supported versions are %s.", s,
                          list);
        return false;
    case RES_EKS_NEWER:
        tf_diag_warning(d, path, "Kubernetes version newer than this provider knows",
                        "This build of the provider knows EKS versions up to 1.%d; EKS decides "
                        "at apply whether it offers Kubernetes %s (supported versions known "
                        "here: %s).",
                        res_k8s_max_minor(), s, list);
        return true;
    case RES_EKS_UNRELEASED:
        tf_diag_warning(d, path, "Kubernetes version not released yet",
                        "EKS plans to release Kubernetes %s on %s; EKS decides at apply whether "
                        "it offers it.",
                        s, res_eks_format_date(v->released, date, sizeof date));
        return true;
    }
    return true;
}

static int64_t epoch_days(const json_t *v)
{
    return json_is_number(v) ? (int64_t)(json_number_value(v) / 86400.0) : 0;
}

struct versions_ctx {
    struct aws_session *s;
    const char *version;
    const struct aws_call_opts *o;
};

/* DescribeClusterVersions' answer (res_shared_read_load_fn; also the exact call). */
static uc_status describe_versions(void *ctx, json_t **out, struct aws_error *err)
{
    const struct versions_ctx *vc = ctx;
    json_t *q = json_pack("{s:s,s:b,s:[s]}", "clusterType", "eks", "includeAll", 1,
                          "clusterVersions", vc->version ? vc->version : "");
    if (q == NULL)
        return aws_error_set(err, UC_NOMEM, "eks", "DescribeClusterVersions", "no memory");
    uc_status st = aws_rest_call(vc->s, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_CLUSTER_VERSIONS, NULL, 0,
                                 q, NULL, vc->o, out, err);
    json_decref(q);
    return st;
}

uc_status res_eks_describe_version(struct aws_session *s, struct res_keyed_read *shared,
                                   const char *version, const struct aws_call_opts *o,
                                   struct res_eks_version_status *out, struct aws_error *err)
{
    memset(out, 0, sizeof *out);
    struct versions_ctx vc = {.s = s, .version = version, .o = o};
    char key[64];
    snprintf(key, sizeof key, "versions@%s", version ? version : "");
    json_t *res = NULL;
    uc_status st = res_keyed_read_get(shared, key, describe_versions, &vc, o, &res, err);
    if (st == UC_NOTFOUND)
        st = describe_versions(&vc, &res, err);
    if (st != UC_OK)
        return st;
    size_t i;
    json_t *cv;
    json_array_foreach(json_object_get(res, "clusterVersions"), i, cv) {
        const char *name = json_string_value(json_object_get(cv, "clusterVersion"));
        if (name == NULL || version == NULL || strcmp(name, version) != 0)
            continue;
        const char *status = json_string_value(json_object_get(cv, "versionStatus"));
        if (status == NULL)
            status = json_string_value(json_object_get(cv, "status"));
        out->listed = true;
        snprintf(out->status, sizeof out->status, "%s", status ? status : "");
        out->end_standard = epoch_days(json_object_get(cv, "endOfStandardSupportDate"));
        out->end_extended = epoch_days(json_object_get(cv, "endOfExtendedSupportDate"));
        out->is_default = json_is_true(json_object_get(cv, "defaultVersion"));
        break;
    }
    json_decref(res);
    return UC_OK;
}

bool res_eks_version_check_live(struct aws_session *s, struct res_keyed_read *shared,
                                const char *version, bool creating,
                                const struct aws_call_opts *o, const struct tf_path *path,
                                struct tf_diags *d)
{
    struct res_eks_version_status vs;
    struct aws_error err;
    int minor = 0;
    aws_error_clear(&err);
    if (!res_parse_k8s_version(version, &minor))
        return res_eks_version_check_plan(version, path, d);
    if (res_eks_describe_version(s, shared, version, o, &vs, &err) != UC_OK) {
        if (err.status == UC_CANCELED || err.status == UC_TIMEOUT)
            return true; /* the caller's next call reports the interruption */
        tf_diag_warning(d, path, "Kubernetes version not checked with EKS",
                        "DescribeClusterVersions failed (%s: %s); the provider's own version "
                        "table was used instead.",
                        err.code[0] ? err.code : "error", err.message);
        struct tf_diags tmp;
        tf_diags_init(&tmp, d->arena);
        bool ok = res_eks_version_check_plan(version, path, &tmp);
        if (creating || ok) {
            tf_diags_append(d, &tmp);
            return ok;
        }
        return true;
    }
    if (!vs.listed || strcmp(vs.status, "UNSUPPORTED") == 0) {
        if (creating)
            tf_diag_error(d, path, "Unsupported Kubernetes version",
                          "EKS %s Kubernetes %s (DescribeClusterVersions%s%s).",
                          vs.listed ? "no longer supports" : "does not offer", version,
                          vs.listed ? ": " : "", vs.status);
        else
            tf_diag_warning(d, path, "Kubernetes version no longer supported",
                            "EKS reports Kubernetes %s as %s: it will upgrade the control "
                            "plane automatically. Upgrade to 1.%d now, one minor at a time.",
                            version, vs.listed ? vs.status : "not offered", minor + 1);
        return !creating;
    }
    if (strcmp(vs.status, "EXTENDED_SUPPORT") == 0)
        extended_warning(d, path, minor, vs.end_standard, vs.end_extended);
    return true;
}
