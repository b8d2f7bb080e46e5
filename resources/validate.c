/* validate.c - plan-time validators shared by the provider block and every resource table.
 *
 * Each validator checks one known value and appends a diagnostic that names the rule and, where
 * it can, the fix. Validators are pure (no I/O, no global state) and never print a value of a
 * sensitive attribute (none of them is attached to one). String validators walk lists, sets and
 * maps of strings themselves, skipping unknown elements.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aws_http.h"
#include "res_catalog.h"
#include "res_eks_versions.h"
#include "res_validate.h"

/* Longest user value quoted back in a diagnostic. */
#define QUOTE_MAX 80

/* --- walking strings inside collections ----------------------------------------------------- */

typedef void (*string_check)(const char *s, size_t n, const struct tf_path *p, const void *arg,
                             struct tf_diags *d);

static void walk_strings(const struct tf_value *v, const struct tf_path *p, const void *arg,
                         struct tf_diags *d, string_check check)
{
    if (v == NULL || !tf_value_is_known(v) || tf_value_is_null(v))
        return;
    switch (v->type->kind) {
    case TF_STRING:
        check(v->str, v->str_len, p, arg, d);
        return;
    case TF_LIST:
    case TF_TUPLE:
        for (size_t i = 0; i < v->count; i++) {
            struct tf_path ep = tf_path_index(p, (int64_t)i);
            walk_strings(v->elems[i], &ep, arg, d, check);
        }
        return;
    case TF_SET:
        /* Terraform cannot point at a set element; report on the attribute. */
        for (size_t i = 0; i < v->count; i++)
            walk_strings(v->elems[i], p, arg, d, check);
        return;
    case TF_MAP:
        for (size_t i = 0; i < v->count; i++) {
            struct tf_path ep = tf_path_key(p, v->keys[i]);
            walk_strings(v->elems[i], &ep, arg, d, check);
        }
        return;
    default:
        return;
    }
}

#define STRING_VALIDATOR(pub, check)                                                           \
    void pub(const struct tf_value *v, const struct tf_path *p, const void *arg,               \
             struct tf_diags *d)                                                               \
    {                                                                                          \
        walk_strings(v, p, arg, d, check);                                                     \
    }

/* Character classes, locale-independent. */
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return is_lower(c) || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static bool is_hex_lower(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/* Every byte of s[0..n) is alphanumeric or one of extra. */
static bool all_in(const char *s, size_t n, const char *extra)
{
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && (s[i] == '\0' || strchr(extra, s[i]) == NULL))
            return false;
    return true;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return n > 0;
}

/* --- tenant slug ---------------------------------------------------------------------------- */

static bool slug_ok(const char *s, size_t n)
{
    if (n < 2 || n > 32 || !is_lower(s[0]) || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '-')
            return false;
        if (s[i] == '-' && i + 1 < n && s[i + 1] == '-')
            return false;
    }
    return true;
}

bool res_is_slug(const char *s)
{
    return s != NULL && slug_ok(s, strlen(s));
}

static void check_slug(const char *s, size_t n, const struct tf_path *p, const void *arg,
                       struct tf_diags *d)
{
    if (slug_ok(s, n))
        return;
    tf_diag_error(d, p, "Invalid tenant name",
                  "\"%.*s\" is not a valid tenant name: use 2 to 32 lowercase letters, digits "
                  "and single hyphens, starting with a letter and ending with a letter or digit "
                  "(for example \"data-science\").",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_slug, check_slug)

/* --- e-mail ---------------------------------------------------------------------------------- */

/* Domain: two or more dot-separated labels of letters, digits and inner hyphens (1-63 each);
 * the last label (TLD) has at least two letters only. */
static bool domain_ok(const char *s, size_t n)
{
    size_t labels = 0, start = 0;
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        size_t len = i - start;
        if (len == 0 || len > 63 || s[start] == '-' || s[i - 1] == '-' ||
            !all_in(s + start, len, "-"))
            return false;
        labels++;
        if (i == n) {
            if (len < 2)
                return false;
            for (size_t k = start; k < i; k++)
                if (!is_alpha(s[k]))
                    return false;
        }
        start = i + 1;
    }
    return labels >= 2;
}

static bool email_ok(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (n < 6 || n > 64 || at == NULL)
        return false;
    size_t local = (size_t)(at - s);
    if (local == 0 || local > 64 || memchr(at + 1, '@', n - local - 1) != NULL)
        return false;
    if (s[0] == '.' || s[local - 1] == '.')
        return false;
    for (size_t i = 0; i < local; i++) {
        if (s[i] == '.' && s[i + 1] == '.')
            return false;
        if (!is_alnum(s[i]) && strchr("!#$%&'*+/=?^_`{|}~.-", s[i]) == NULL)
            return false;
    }
    return domain_ok(at + 1, n - local - 1);
}

bool res_is_email(const char *s)
{
    return s != NULL && email_ok(s, strlen(s));
}

static void check_email(const char *s, size_t n, const struct tf_path *p, const void *arg,
                        struct tf_diags *d)
{
    if (email_ok(s, n))
        return;
    tf_diag_error(d, p, "Invalid e-mail address",
                  "\"%.*s\" is not an e-mail address AWS Organizations accepts: it must look "
                  "like name@example.com and be 6 to 64 characters long.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_email, check_email)

/* --- e-mail template ------------------------------------------------------------------------- */

char *res_expand_email_template(struct uc_arena *a, const char *tmpl, const char *tenant,
                                const char *environment)
{
    struct uc_buf b;
    char *out = NULL;
    uc_buf_init_max(&b, 4096);
    for (const char *c = tmpl; *c != '\0';) {
        if (strncmp(c, "{tenant}", 8) == 0) {
            uc_buf_puts(&b, tenant);
            c += 8;
        } else if (environment != NULL && strncmp(c, "{environment}", 13) == 0) {
            uc_buf_puts(&b, environment);
            c += 13;
        } else {
            uc_buf_putc(&b, *c++);
        }
    }
    if (b.err == UC_OK)
        out = uc_arena_strdup(a, uc_buf_str(&b));
    uc_buf_release(&b);
    return out;
}

static void check_email_template(const char *s, size_t n, const struct tf_path *p,
                                 const void *arg, struct tf_diags *d)
{
    int q = (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
    bool has_tenant = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '}') {
            tf_diag_error(d, p, "Invalid e-mail template",
                          "\"%.*s\" has a \"}\" without a matching \"{\".", q, s);
            return;
        }
        if (s[i] != '{')
            continue;
        const char *end = memchr(s + i, '}', n - i);
        if (end == NULL) {
            tf_diag_error(d, p, "Invalid e-mail template",
                          "\"%.*s\" has a \"{\" without a closing \"}\".", q, s);
            return;
        }
        size_t len = (size_t)(end - (s + i)) + 1;
        if (len == 8 && strncmp(s + i, "{tenant}", 8) == 0) {
            has_tenant = true;
        } else if (!(len == 13 && strncmp(s + i, "{environment}", 13) == 0)) {
            tf_diag_error(d, p, "Invalid e-mail template",
                          "Unknown placeholder %.*s in \"%.*s\": only {tenant} and "
                          "{environment} are replaced.",
                          (int)(len > 40 ? 40 : len), s + i, q, s);
            return;
        }
        i += len - 1;
    }
    if (!has_tenant) {
        tf_diag_error(d, p, "Invalid e-mail template",
                      "\"%.*s\" must contain {tenant} (and usually {environment}) so that every "
                      "account gets its own address, for example "
                      "\"aws+{tenant}-{environment}@example.com\".",
                      q, s);
        return;
    }
    /* Check the shape with a short sample; lengths are checked with the real names by the
     * tenant resource. */
    char sample[4200];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 16 < sizeof sample;) {
        if (n - i >= 8 && strncmp(s + i, "{tenant}", 8) == 0) {
            memcpy(sample + o, "ab", 2), o += 2, i += 8;
        } else if (n - i >= 13 && strncmp(s + i, "{environment}", 13) == 0) {
            memcpy(sample + o, "dev", 3), o += 3, i += 13;
        } else {
            sample[o++] = s[i++];
        }
    }
    sample[o] = '\0';
    if (!email_ok(sample, o))
        tf_diag_error(d, p, "Invalid e-mail template",
                      "\"%.*s\" does not give a valid e-mail address after substitution (for "
                      "tenant \"ab\" in dev it gives \"%.*s\"). Use a form like "
                      "\"aws+{tenant}-{environment}@example.com\".",
                      q, s, (int)(o > QUOTE_MAX ? QUOTE_MAX : o), sample);
}
STRING_VALIDATOR(res_validate_email_template, check_email_template)

/* --- IAM ARNs -------------------------------------------------------------------------------- */

/* IAM names: letters, digits and + = , . @ _ - */
#define IAM_NAME_CHARS "+=,.@_-"

/* "role/" or "user/" [path/] name, with path segments and name of IAM name characters. */
static bool iam_path_name_ok(const char *s, size_t n)
{
    size_t last = 0;
    if (n == 0 || s[0] == '/' || s[n - 1] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/') {
            if (i > 0 && s[i - 1] == '/')
                return false;
            last = i + 1;
        } else if (!is_alnum(s[i]) && strchr(IAM_NAME_CHARS, s[i]) == NULL) {
            return false;
        }
    }
    return n - last >= 1 && n - last <= 64 && n <= 512;
}

/* Parses arn:<partition>:iam::<account>:<resource>; returns the resource part or NULL. */
static const char *iam_arn_resource(const char *s, size_t n, size_t *rlen)
{
    static const char *const partitions[] = {"arn:aws:iam::", "arn:aws-cn:iam::",
                                             "arn:aws-us-gov:iam::"};
    for (size_t k = 0; k < 3; k++) {
        size_t pl = strlen(partitions[k]);
        if (n < pl + 13 || strncmp(s, partitions[k], pl) != 0)
            continue;
        if (!all_digits(s + pl, 12) || s[pl + 12] != ':')
            return NULL;
        *rlen = n - pl - 13;
        return s + pl + 13;
    }
    return NULL;
}

static bool principal_ok(const char *s, size_t n, bool role_only)
{
    size_t rl = 0;
    const char *r = iam_arn_resource(s, n, &rl);
    if (r == NULL)
        return false;
    if (!role_only && rl == 4 && strncmp(r, "root", 4) == 0)
        return true;
    if (rl > 5 && strncmp(r, "role/", 5) == 0)
        return iam_path_name_ok(r + 5, rl - 5);
    if (!role_only && rl > 5 && strncmp(r, "user/", 5) == 0)
        return iam_path_name_ok(r + 5, rl - 5);
    return false;
}

static void check_principal(const char *s, size_t n, const struct tf_path *p, const void *arg,
                            struct tf_diags *d)
{
    if (principal_ok(s, n, false))
        return;
    tf_diag_error(d, p, "Invalid IAM principal",
                  "\"%.*s\" is not an IAM principal ARN. Use "
                  "arn:aws:iam::<12-digit account>:root, arn:aws:iam::<account>:role/<name> or "
                  "arn:aws:iam::<account>:user/<name> (partitions aws, aws-cn, aws-us-gov).",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_iam_principal_arn, check_principal)

static void check_role_arn(const char *s, size_t n, const struct tf_path *p, const void *arg,
                           struct tf_diags *d)
{
    if (principal_ok(s, n, true))
        return;
    tf_diag_error(d, p, "Invalid IAM role ARN",
                  "\"%.*s\" is not an IAM role ARN: expected "
                  "arn:aws:iam::<12-digit account>:role/[path/]<name>.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_iam_role_arn, check_role_arn)

/* arn:<partition>:iam::aws:policy/[path/]name (AWS managed) or ...:iam::<12 digits>:policy/... */
static void check_policy_arn(const char *s, size_t n, const struct tf_path *p, const void *arg,
                             struct tf_diags *d)
{
    static const char *const managed[] = {"arn:aws:iam::aws:policy/",
                                          "arn:aws-cn:iam::aws:policy/",
                                          "arn:aws-us-gov:iam::aws:policy/"};
    (void)arg;
    for (size_t k = 0; k < 3; k++) {
        size_t pl = strlen(managed[k]);
        if (n > pl && strncmp(s, managed[k], pl) == 0 && iam_path_name_ok(s + pl, n - pl))
            return;
    }
    size_t rl = 0;
    const char *r = iam_arn_resource(s, n, &rl);
    if (r != NULL && rl > 7 && strncmp(r, "policy/", 7) == 0 && iam_path_name_ok(r + 7, rl - 7))
        return;
    tf_diag_error(d, p, "Invalid IAM policy ARN",
                  "\"%.*s\" is not an IAM policy ARN: expected arn:aws:iam::aws:policy/<name> or "
                  "arn:aws:iam::<12-digit account>:policy/[path/]<name>.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_iam_policy_arn, check_policy_arn)

/* --- Organizations ids ----------------------------------------------------------------------- */

static bool lower_alnum_run(const char *s, size_t n, size_t min, size_t max)
{
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower(s[i]) && !is_digit(s[i]))
            return false;
    return true;
}

/* root r-[0-9a-z]{4,32}; OU ou-[0-9a-z]{4,32}-[a-z0-9]{8,32} (Organizations model patterns). */
static bool parent_id_ok(const char *s, size_t n)
{
    if (n > 2 && strncmp(s, "r-", 2) == 0)
        return lower_alnum_run(s + 2, n - 2, 4, 32);
    if (n > 3 && strncmp(s, "ou-", 3) == 0) {
        const char *dash = memchr(s + 3, '-', n - 3);
        if (dash == NULL)
            return false;
        size_t a = (size_t)(dash - (s + 3));
        return lower_alnum_run(s + 3, a, 4, 32) &&
               lower_alnum_run(dash + 1, n - 3 - a - 1, 8, 32);
    }
    return false;
}

static void check_parent_id(const char *s, size_t n, const struct tf_path *p, const void *arg,
                            struct tf_diags *d)
{
    if (parent_id_ok(s, n))
        return;
    tf_diag_error(d, p, "Invalid organization parent id",
                  "\"%.*s\" is neither an organizational unit id (ou-xxxx-xxxxxxxx: \"ou-\", 4-32 "
                  "lowercase letters or digits, \"-\", 8-32 more) nor a root id (r-xxxx: \"r-\" "
                  "and 4-32 lowercase letters or digits).",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_parent_id, check_parent_id)

bool res_is_account_id(const char *s)
{
    return s != NULL && strlen(s) == 12 && all_digits(s, 12);
}

static void check_account_id(const char *s, size_t n, const struct tf_path *p, const void *arg,
                             struct tf_diags *d)
{
    if (n == 12 && all_digits(s, n))
        return;
    tf_diag_error(d, p, "Invalid AWS account id",
                  "\"%.*s\" is not an AWS account id: expected exactly 12 digits.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_account_id, check_account_id)

/* --- CIDR ----------------------------------------------------------------------------------- */

static void check_cidr(const char *s, size_t n, const struct tf_path *p, const void *arg,
                       struct tf_diags *d)
{
    int q = (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
    const char *slash = memchr(s, '/', n);
    char addr[INET6_ADDRSTRLEN + 1];
    unsigned char bytes[16];
    size_t alen = slash ? (size_t)(slash - s) : 0;
    size_t plen = slash ? n - alen - 1 : 0;
    if (slash == NULL || alen == 0 || alen >= sizeof addr || plen == 0 || plen > 3 ||
        !all_digits(slash + 1, plen) || (plen > 1 && slash[1] == '0')) {
        tf_diag_error(d, p, "Invalid CIDR block",
                      "\"%.*s\" is not a CIDR block: expected an address and a prefix length, "
                      "like 10.0.0.0/16 or 2001:db8::/32.",
                      q, s);
        return;
    }
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    int family = memchr(addr, ':', alen) ? AF_INET6 : AF_INET;
    int bits = family == AF_INET6 ? 128 : 32;
    int prefix = 0;
    for (size_t i = 0; i < plen; i++)
        prefix = prefix * 10 + (slash[1 + i] - '0');
    if (inet_pton(family, addr, bytes) != 1) {
        tf_diag_error(d, p, "Invalid CIDR block", "\"%.*s\": \"%s\" is not a valid %s address.",
                      q, s, addr, family == AF_INET6 ? "IPv6" : "IPv4");
        return;
    }
    if (prefix > bits) {
        tf_diag_error(d, p, "Invalid CIDR block",
                      "\"%.*s\": the prefix length must be between 0 and %d.", q, s, bits);
        return;
    }
    bool host_bits = false;
    for (int i = prefix; i < bits; i++)
        if (bytes[i / 8] & (0x80u >> (i % 8))) {
            host_bits = true;
            bytes[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
        }
    if (host_bits) {
        char net[INET6_ADDRSTRLEN];
        if (inet_ntop(family, bytes, net, sizeof net) == NULL)
            net[0] = '\0';
        tf_diag_error(d, p, "Invalid CIDR block",
                      "\"%.*s\" has host bits set: did you mean \"%s/%d\"?", q, s, net, prefix);
    }
}
STRING_VALIDATOR(res_validate_cidr, check_cidr)

/* --- Kubernetes version ---------------------------------------------------------------------- */

bool res_parse_k8s_version(const char *s, int *minor)
{
    if (s == NULL || strncmp(s, "1.", 2) != 0)
        return false;
    size_t n = strlen(s + 2);
    if (n == 0 || n > 3 || !all_digits(s + 2, n) || (n > 1 && s[2] == '0'))
        return false;
    int m = 0;
    for (size_t i = 0; i < n; i++)
        m = m * 10 + (s[2 + i] - '0');
    *minor = m;
    return true;
}

/* The version policy (res_eks_versions.h): invalid text and versions past the end of extended
 * support are errors, extended support and newer-than-known minors warnings. */
static void check_k8s_version(const char *s, size_t n, const struct tf_path *p, const void *arg,
                              struct tf_diags *d)
{
    (void)arg;
    if (strlen(s) != n) {
        tf_diag_error(d, p, "Invalid Kubernetes version",
                      "The value holds a NUL byte: write \"1.NN\".");
        return;
    }
    res_eks_version_check_plan(s, p, d);
}
STRING_VALIDATOR(res_validate_k8s_version, check_k8s_version)

/* --- enum ------------------------------------------------------------------------------------ */

static void check_enum(const char *s, size_t n, const struct tf_path *p, const void *arg,
                       struct tf_diags *d)
{
    const char *const *vals = arg;
    char list[512];
    size_t o = 0;
    const char *caseless = NULL;
    if (vals == NULL)
        return;
    list[0] = '\0';
    for (size_t i = 0; vals[i] != NULL; i++) {
        if (strlen(vals[i]) == n && memcmp(vals[i], s, n) == 0)
            return;
        if (strlen(vals[i]) == n && strncasecmp(vals[i], s, n) == 0)
            caseless = vals[i];
        if (o + strlen(vals[i]) + 8 < sizeof list)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s\"%s\"", i ? ", " : "", vals[i]);
    }
    int q = (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
    if (caseless != NULL)
        tf_diag_error(d, p, "Invalid value", "\"%.*s\" is not allowed: did you mean \"%s\"? "
                      "Allowed values are %s.", q, s, caseless, list);
    else
        tf_diag_error(d, p, "Invalid value", "\"%.*s\" is not allowed: expected one of %s.", q,
                      s, list);
}
STRING_VALIDATOR(res_validate_enum, check_enum)

/* --- catalog name --------------------------------------------------------------------------- */

static void check_catalog_name(const char *s, size_t n, const struct tf_path *p, const void *arg,
                               struct tf_diags *d)
{
    if (strlen(s) == n && res_catalog_find(s) != NULL)
        return;
    const char *near[3];
    size_t k = strlen(s) == n ? res_catalog_suggest(s, near, 3) : 0;
    int q = (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
    if (k == 0) {
        tf_diag_error(d, p, "Unknown add-on",
                      "\"%.*s\" is not in the unicron catalog. See the provider documentation "
                      "for the list of components.",
                      q, s);
        return;
    }
    char list[256];
    size_t o = 0;
    for (size_t i = 0; i < k; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s\"%s\"",
                              i == 0 ? "" : (i + 1 == k ? " or " : ", "), near[i]);
    tf_diag_error(d, p, "Unknown add-on",
                  "\"%.*s\" is not in the unicron catalog. Did you mean %s?", q, s, list);
}
STRING_VALIDATOR(res_validate_catalog_name, check_catalog_name)

size_t res_edit_distance(const char *a, const char *b)
{
    size_t la = strnlen(a, 64), lb = strnlen(b, 64);
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

/* --- Go durations ---------------------------------------------------------------------------- */

struct duration_unit {
    const char *name;
    int64_t ns;
};

static const struct duration_unit duration_units[] = {
    {"ns", 1LL},
    {"us", 1000LL},
    {"\xc2\xb5s", 1000LL}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000LL}, /* U+03BC Greek mu */
    {"ms", 1000000LL},
    {"s", 1000000000LL},
    {"m", 60LL * 1000000000LL},
    {"h", 3600LL * 1000000000LL},
};

uc_status res_parse_duration(const char *s, int64_t *ns, const char **why)
{
    const char *dummy;
    if (why == NULL)
        why = &dummy;
    *why = NULL;
    if (s == NULL || *s == '\0') {
        *why = "empty duration";
        return UC_INVALID;
    }
    bool neg = false;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (strcmp(s, "0") == 0) {
        *ns = 0;
        return UC_OK;
    }
    if (*s == '\0') {
        *why = "no number after the sign";
        return UC_INVALID;
    }
    /* Unsigned accumulation: up to 2^63 is representable for the negative case. */
    const uint64_t limit = (uint64_t)INT64_MAX + (neg ? 1u : 0u);
    uint64_t total = 0;
    while (*s != '\0') {
        uint64_t whole = 0;
        bool digits = false, overflow = false;
        if (!(is_digit(*s) || *s == '.')) {
            *why = "expected a number";
            return UC_INVALID;
        }
        while (is_digit(*s)) {
            if (whole > (UINT64_MAX - 9) / 10)
                overflow = true;
            else
                whole = whole * 10 + (uint64_t)(*s - '0');
            s++;
            digits = true;
        }
        long double frac = 0, scale = 1;
        if (*s == '.') {
            s++;
            while (is_digit(*s)) {
                if (scale < 1e30L) {
                    scale *= 10;
                    frac += (long double)(*s - '0') / scale;
                }
                s++;
                digits = true;
            }
        }
        if (!digits) {
            *why = "expected a number";
            return UC_INVALID;
        }
        const char *u = s;
        while (*s != '\0' && *s != '.' && !is_digit(*s))
            s++;
        size_t ulen = (size_t)(s - u);
        if (ulen == 0) {
            *why = "missing unit (use ns, us, ms, s, m or h)";
            return UC_INVALID;
        }
        const struct duration_unit *unit = NULL;
        for (size_t i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++)
            if (strlen(duration_units[i].name) == ulen &&
                memcmp(duration_units[i].name, u, ulen) == 0)
                unit = &duration_units[i];
        if (unit == NULL) {
            *why = "unknown unit (use ns, us, ms, s, m or h)";
            return UC_INVALID;
        }
        uint64_t un = (uint64_t)unit->ns;
        if (overflow || (whole != 0 && whole > limit / un)) {
            *why = "duration out of range";
            return UC_RANGE;
        }
        uint64_t part = whole * un;
        long double f = frac * (long double)un;
        if (f > 0) {
            uint64_t fp = (uint64_t)f;
            if (part > limit - fp) {
                *why = "duration out of range";
                return UC_RANGE;
            }
            part += fp;
        }
        if (total > limit - part) {
            *why = "duration out of range";
            return UC_RANGE;
        }
        total += part;
    }
    *ns = neg ? (int64_t)(0 - total) : (int64_t)total;
    return UC_OK;
}

static void format_ns(char *out, size_t n, int64_t ns)
{
    if (ns % (3600LL * 1000000000LL) == 0)
        snprintf(out, n, "%lldh", (long long)(ns / (3600LL * 1000000000LL)));
    else if (ns % (60LL * 1000000000LL) == 0)
        snprintf(out, n, "%lldm", (long long)(ns / (60LL * 1000000000LL)));
    else
        snprintf(out, n, "%llds", (long long)(ns / 1000000000LL));
}

static void check_duration(const char *s, size_t n, const struct tf_path *p, const void *arg,
                           struct tf_diags *d)
{
    const struct res_duration_range *r = arg;
    int q = (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
    int64_t ns = 0;
    const char *why = NULL;
    if (strlen(s) != n || res_parse_duration(s, &ns, &why) != UC_OK) {
        tf_diag_error(d, p, "Invalid duration",
                      "\"%.*s\" is not a Go duration string (%s). Write a number and a unit, "
                      "like \"30s\", \"20m\", \"2h45m\" or \"1.5h\".",
                      q, s, why ? why : "malformed");
        return;
    }
    if (ns <= 0) {
        tf_diag_error(d, p, "Invalid duration", "\"%.*s\": the duration must be positive.", q, s);
        return;
    }
    if (r != NULL && ((r->min_ns > 0 && ns < r->min_ns) || (r->max_ns > 0 && ns > r->max_ns))) {
        char lo[32] = "0s", hi[32] = "any";
        if (r->min_ns > 0)
            format_ns(lo, sizeof lo, r->min_ns);
        if (r->max_ns > 0)
            format_ns(hi, sizeof hi, r->max_ns);
        tf_diag_error(d, p, "Invalid duration", "\"%.*s\" is out of range: allowed are %s to %s.",
                      q, s, lo, hi);
    }
}
STRING_VALIDATOR(res_validate_duration, check_duration)

/* --- JSON ------------------------------------------------------------------------------------- */

#define JSON_MAX (256u * 1024u)

static void check_json_object(const char *s, size_t n, const struct tf_path *p, const void *arg,
                              struct tf_diags *d)
{
    if (n > JSON_MAX) {
        tf_diag_error(d, p, "Invalid JSON", "The document is %zu bytes; at most %u are allowed.",
                      n, JSON_MAX);
        return;
    }
    json_error_t err;
    json_t *j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &err);
    if (j == NULL) {
        tf_diag_error(d, p, "Invalid JSON", "Line %d, column %d: %s. Use jsonencode({...}) to "
                      "build the value.", err.line, err.column, err.text);
        return;
    }
    if (!json_is_object(j))
        tf_diag_error(d, p, "Invalid JSON",
                      "The value must be a JSON object ({...}), for example "
                      "jsonencode({ replicaCount = 2 }).");
    json_decref(j);
}
STRING_VALIDATOR(res_validate_json_object, check_json_object)

/* --- names ------------------------------------------------------------------------------------ */

static bool eks_name_ok(const char *s, size_t n, size_t max)
{
    return n >= 1 && n <= max && is_alnum(s[0]) && all_in(s, n, "-_");
}

static void check_eks_cluster_name(const char *s, size_t n, const struct tf_path *p,
                                   const void *arg, struct tf_diags *d)
{
    if (eks_name_ok(s, n, 100))
        return;
    tf_diag_error(d, p, "Invalid cluster name",
                  "\"%.*s\" is not a valid EKS cluster name: 1 to 100 letters, digits, hyphens "
                  "and underscores, starting with a letter or digit.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_eks_cluster_name, check_eks_cluster_name)

static void check_eks_nodegroup_name(const char *s, size_t n, const struct tf_path *p,
                                     const void *arg, struct tf_diags *d)
{
    if (eks_name_ok(s, n, 63))
        return;
    tf_diag_error(d, p, "Invalid node group name",
                  "\"%.*s\" is not a valid EKS node group name: 1 to 63 letters, digits, "
                  "hyphens and underscores, starting with a letter or digit.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_eks_nodegroup_name, check_eks_nodegroup_name)

static void check_iam_role_name(const char *s, size_t n, const struct tf_path *p,
                                const void *arg, struct tf_diags *d)
{
    if (n >= 1 && n <= 64 && all_in(s, n, IAM_NAME_CHARS))
        return;
    tf_diag_error(d, p, "Invalid IAM role name",
                  "\"%.*s\" is not a valid IAM role name: 1 to 64 letters, digits and "
                  "+ = , . @ _ - characters.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_iam_role_name, check_iam_role_name)

static void check_session_name(const char *s, size_t n, const struct tf_path *p,
                               const void *arg, struct tf_diags *d)
{
    if (n >= 2 && n <= 64 && all_in(s, n, IAM_NAME_CHARS))
        return;
    tf_diag_error(d, p, "Invalid session name",
                  "\"%.*s\" is not a valid role session name: 2 to 64 letters, digits and "
                  "+ = , . @ _ - characters.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_session_name, check_session_name)

static void check_external_id(const char *s, size_t n, const struct tf_path *p,
                              const void *arg, struct tf_diags *d)
{
    if (n >= 2 && n <= 1224 && all_in(s, n, IAM_NAME_CHARS ":/"))
        return;
    tf_diag_error(d, p, "Invalid external id",
                  "The external id must be 2 to 1224 letters, digits and + = , . @ : / _ - "
                  "characters.");
}
STRING_VALIDATOR(res_validate_external_id, check_external_id)

/* <2 letters>(-<letters>)+-<digits>, e.g. us-east-1, us-gov-west-1, ap-southeast-7. */
static bool region_ok(const char *s, size_t n)
{
    size_t i = 0, parts = 0;
    if (n < 6 || n > 32 || !is_lower(s[0]) || !is_lower(s[1]) || s[2] != '-')
        return false;
    i = 3;
    for (;;) {
        size_t start = i;
        while (i < n && is_lower(s[i]))
            i++;
        if (i == start)
            break;
        if (i >= n || s[i] != '-')
            return false;
        i++;
        parts++;
    }
    return parts >= 1 && all_digits(s + i, n - i) && n - i <= 2;
}

static void check_region(const char *s, size_t n, const struct tf_path *p, const void *arg,
                         struct tf_diags *d)
{
    if (region_ok(s, n))
        return;
    tf_diag_error(d, p, "Invalid AWS region",
                  "\"%.*s\" is not an AWS region name: expected a name like \"us-east-1\" or "
                  "\"eu-central-1\".",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_region, check_region)

static void check_url(const char *s, size_t n, const struct tf_path *p, const void *arg,
                      struct tf_diags *d)
{
    int q = (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
    /* The AWS client's own URL rules: what passes here is what it will accept. */
    struct aws_url u;
    bool ok = strlen(s) == n && n <= 2048 && strpbrk(s, " \t\r\n") == NULL &&
              aws_url_parse(s, &u) == UC_OK && u.host[0] != '\0';
    if (!ok)
        tf_diag_error(d, p, "Invalid URL",
                      "\"%.*s\" is not an http:// or https:// URL with a host, like "
                      "\"http://127.0.0.1:4566\".",
                      q, s);
}
STRING_VALIDATOR(res_validate_url, check_url)

void res_validate_int_range(const struct tf_value *v, const struct tf_path *p, const void *arg,
                            struct tf_diags *d)
{
    const struct res_int_range *r = arg;
    int64_t n = 0;
    if (v == NULL || !tf_value_is_known(v) || tf_value_is_null(v) || v->type->kind != TF_NUMBER)
        return;
    uc_status st = tf_value_get_int64(v, &n);
    if (st != UC_OK || (r != NULL && (n < r->min || n > r->max))) {
        if (r != NULL)
            tf_diag_error(d, p, "Value out of range",
                          "%s is not allowed: expected a whole number from %lld to %lld.",
                          v->num ? v->num : "the value", (long long)r->min, (long long)r->max);
        else
            tf_diag_error(d, p, "Invalid number", "%s is not a whole number.",
                          v->num ? v->num : "the value");
    }
}

/* --- tags --------------------------------------------------------------------------------- */

/* Characters (Unicode code points) of the UTF-8 text s[0..n), as AWS counts tag lengths: every
 * byte that does not continue a sequence. The host accepts valid UTF-8 only. */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* A NUL inside a tag: AWS tags cannot hold one, and a C string would end there (the tag sent
 * shorter than planned, drift forever). Refused on the attribute instead. */
static bool has_nul(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

#define NUL_DETAIL                                                                             \
    "It contains a NUL character (U+0000), which AWS tags cannot hold; remove it."

void res_validate_tags(const struct tf_value *v, const struct tf_path *p, const void *arg,
                       struct tf_diags *d)
{
    if (v == NULL || !tf_value_is_known(v) || tf_value_is_null(v) || v->type->kind != TF_MAP)
        return;
    for (size_t i = 0; i < v->count; i++) {
        const char *k = v->keys[i];
        size_t kc = utf8_chars(k, strlen(k));
        struct tf_path ep = tf_path_key(p, k);
        if (kc == 0 || kc > 128)
            tf_diag_error(d, &ep, "Invalid tag key",
                          "Tag keys must be 1 to 128 characters (this one has %zu).", kc);
        else if (strncasecmp(k, "aws:", 4) == 0)
            tf_diag_error(d, &ep, "Invalid tag key",
                          "Tag keys starting with \"aws:\" are reserved for AWS.");
        else if (strncmp(k, "unicron:", 8) == 0)
            tf_diag_error(d, &ep, "Reserved tag key",
                          "Tag keys starting with \"unicron:\" are set by the provider itself "
                          "(see tags_all); choose another key.");
        const struct tf_value *e = v->elems[i];
        if (!tf_value_is_known(e) || tf_value_is_null(e))
            continue;
        size_t vc = utf8_chars(e->str, e->str_len);
        if (has_nul(e->str, e->str_len))
            tf_diag_error(d, &ep, "Invalid tag value", NUL_DETAIL);
        else if (vc > 256)
            tf_diag_error(d, &ep, "Invalid tag value", "Tag values must be at most 256 "
                          "characters (this one has %zu).", vc);
    }
}

static void check_tag_value(const char *s, size_t n, const struct tf_path *p, const void *arg,
                            struct tf_diags *d)
{
    (void)arg;
    size_t c = utf8_chars(s, n);
    if (has_nul(s, n))
        tf_diag_error(d, p, "Invalid value", "The value becomes an AWS tag. " NUL_DETAIL);
    else if (c < 1 || c > 256)
        tf_diag_error(d, p, "Invalid value",
                      "The value becomes an AWS tag: it must be 1 to 256 characters long (this "
                      "one has %zu).",
                      c);
}
STRING_VALIDATOR(res_validate_tag_value, check_tag_value)

/* --- Kubernetes names ---------------------------------------------------------------------- */

/* DNS-1123 subdomain: dot-separated labels of [a-z0-9-], alphanumeric ends, at most 253. */
static bool dns_subdomain_ok(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '-')
                return false;
            continue;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return false;
        start = i + 1;
    }
    return true;
}

/* Label value / name part: at most 63, [-_.A-Za-z0-9] with alphanumeric ends; empty if allowed. */
static bool label_value_ok(const char *s, size_t n, bool allow_empty)
{
    if (n == 0)
        return allow_empty;
    return n <= 63 && is_alnum(s[0]) && is_alnum(s[n - 1]) && all_in(s, n, "-_.");
}

static bool qualified_name_ok(const char *s, size_t n)
{
    const char *slash = memchr(s, '/', n);
    if (slash == NULL)
        return label_value_ok(s, n, false);
    size_t pl = (size_t)(slash - s);
    return dns_subdomain_ok(s, pl) && label_value_ok(slash + 1, n - pl - 1, false);
}

static void check_qualified_name(const char *s, size_t n, const struct tf_path *p,
                                 const void *arg, struct tf_diags *d)
{
    if (qualified_name_ok(s, n))
        return;
    tf_diag_error(d, p, "Invalid Kubernetes key",
                  "\"%.*s\" is not a Kubernetes qualified name: an optional DNS prefix and "
                  "\"/\", then 1 to 63 letters, digits, \"-\", \"_\" or \".\" starting and "
                  "ending with a letter or digit (for example \"example.com/gpu\").",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_k8s_qualified_name, check_qualified_name)

static void check_label_value(const char *s, size_t n, const struct tf_path *p, const void *arg,
                              struct tf_diags *d)
{
    if (label_value_ok(s, n, true))
        return;
    tf_diag_error(d, p, "Invalid Kubernetes label value",
                  "\"%.*s\" is not a Kubernetes label value: at most 63 letters, digits, \"-\", "
                  "\"_\" or \".\", starting and ending with a letter or digit.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_k8s_label_value, check_label_value)

void res_validate_k8s_labels(const struct tf_value *v, const struct tf_path *p, const void *arg,
                             struct tf_diags *d)
{
    if (v == NULL || !tf_value_is_known(v) || tf_value_is_null(v) || v->type->kind != TF_MAP)
        return;
    for (size_t i = 0; i < v->count; i++) {
        struct tf_path ep = tf_path_key(p, v->keys[i]);
        if (!qualified_name_ok(v->keys[i], strlen(v->keys[i])))
            check_qualified_name(v->keys[i], strlen(v->keys[i]), &ep, NULL, d);
        const struct tf_value *e = v->elems[i];
        if (tf_value_is_known(e) && !tf_value_is_null(e))
            check_label_value(e->str, e->str_len, &ep, NULL, d);
    }
}

static void check_namespace(const char *s, size_t n, const struct tf_path *p, const void *arg,
                            struct tf_diags *d)
{
    if (n <= 63 && dns_subdomain_ok(s, n) && memchr(s, '.', n) == NULL)
        return;
    tf_diag_error(d, p, "Invalid namespace",
                  "\"%.*s\" is not a Kubernetes namespace name: 1 to 63 lowercase letters, "
                  "digits and hyphens, starting and ending with a letter or digit.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_k8s_namespace, check_namespace)

/* --- ids ------------------------------------------------------------------------------------ */

static void check_cluster_id(const char *s, size_t n, const struct tf_path *p, const void *arg,
                             struct tf_diags *d)
{
    if (n > 13 && all_digits(s, 12) && s[12] == '/' && eks_name_ok(s + 13, n - 13, 100))
        return;
    tf_diag_error(d, p, "Invalid cluster id",
                  "\"%.*s\" is not a unicron_cluster id: expected \"<12-digit account "
                  "id>/<cluster name>\", usually unicron_cluster.<name>.id.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_cluster_id, check_cluster_id)

static bool vpc_id_ok(const char *s, size_t n, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (n <= pl || strncmp(s, prefix, pl) != 0)
        return false;
    size_t h = n - pl;
    if (h != 8 && h != 17)
        return false;
    for (size_t i = pl; i < n; i++)
        if (!is_hex_lower(s[i]))
            return false;
    return true;
}

static void check_subnet_id(const char *s, size_t n, const struct tf_path *p, const void *arg,
                            struct tf_diags *d)
{
    if (vpc_id_ok(s, n, "subnet-"))
        return;
    tf_diag_error(d, p, "Invalid subnet id",
                  "\"%.*s\" is not a subnet id: expected \"subnet-\" and 8 or 17 lowercase hex "
                  "digits.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_subnet_id, check_subnet_id)

static void check_sg_id(const char *s, size_t n, const struct tf_path *p, const void *arg,
                        struct tf_diags *d)
{
    if (vpc_id_ok(s, n, "sg-"))
        return;
    tf_diag_error(d, p, "Invalid security group id",
                  "\"%.*s\" is not a security group id: expected \"sg-\" and 8 or 17 lowercase "
                  "hex digits.",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_security_group_id, check_sg_id)

static void check_version_label(const char *s, size_t n, const struct tf_path *p,
                                const void *arg, struct tf_diags *d)
{
    if (n >= 1 && n <= 128 && is_alnum(s[0]) && all_in(s, n, ".+_-"))
        return;
    tf_diag_error(d, p, "Invalid version",
                  "\"%.*s\" is not a version label: use letters, digits, \".\", \"+\", \"_\" "
                  "and \"-\", like \"v1.19.0-eksbuild.1\" or \"2.5.2\".",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_version_label, check_version_label)

static void check_instance_type(const char *s, size_t n, const struct tf_path *p,
                                const void *arg, struct tf_diags *d)
{
    const char *dot = memchr(s, '.', n);
    if (dot != NULL && n <= 64 && dot > s && (size_t)(dot - s) + 1 < n && is_lower(s[0]) &&
        all_in(s, (size_t)(dot - s), "-") && all_in(dot + 1, n - (size_t)(dot - s) - 1, "-"))
        return;
    tf_diag_error(d, p, "Invalid instance type",
                  "\"%.*s\" is not an EC2 instance type: expected \"family.size\", like "
                  "\"m6i.large\".",
                  (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
}
STRING_VALIDATOR(res_validate_instance_type, check_instance_type)
