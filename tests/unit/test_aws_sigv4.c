/* test_aws_sigv4.c - AWS's SigV4 test suite, one named cmocka row per case and form.
 *
 * tests/data/sigv4 (38 cases x header/presigned) and tests/data/sigv4-classic (header form): AWS's
 * published vectors, copied into the repository with their LICENSE and NOTICE. Each row compares
 * the canonical request, the string to sign, the signature and the Authorization header (or the
 * presigned request line) with the published files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_sigv4.h"

#define SUITE_DIR UNICRON_SOURCE_DIR "/tests/data/sigv4"
#define CLASSIC_DIR UNICRON_SOURCE_DIR "/tests/data/sigv4-classic"

static const char *const suite_cases[] = {
    "get-header-key-duplicate",
    "get-header-value-multiline",
    "get-header-value-order",
    "get-header-value-trim",
    "get-relative-normalized",
    "get-relative-relative-normalized",
    "get-relative-relative-unnormalized",
    "get-relative-unnormalized",
    "get-slash-dot-slash-normalized",
    "get-slash-dot-slash-unnormalized",
    "get-slash-normalized",
    "get-slash-pointless-dot-normalized",
    "get-slash-pointless-dot-unnormalized",
    "get-slash-unnormalized",
    "get-slashes-normalized",
    "get-slashes-unnormalized",
    "get-space-normalized",
    "get-space-unnormalized",
    "get-unreserved",
    "get-utf8",
    "get-vanilla",
    "get-vanilla-empty-query-key",
    "get-vanilla-query",
    "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "get-vanilla-with-session-token",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-sts-header-after",
    "post-sts-header-before",
    "post-vanilla",
    "post-vanilla-empty-query-value",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
};

#define STS_TOKEN                                                                                \
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfp" \
    "SPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQ" \
    "DYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+s" \
    "cqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

/* Classic cases: folder relative to CLASSIC_DIR, session token, token added after signing. */
struct classic_case {
    const char *dir;
    const char *token;
    int omit_token;
};

static const struct classic_case classic_cases[] = {
    {"get-header-key-duplicate", NULL, 0},
    {"get-header-value-multiline", NULL, 0},
    {"get-header-value-order", NULL, 0},
    {"get-header-value-trim", NULL, 0},
    {"get-unreserved", NULL, 0},
    {"get-utf8", NULL, 0},
    {"get-vanilla", NULL, 0},
    {"get-vanilla-empty-query-key", NULL, 0},
    {"get-vanilla-query", NULL, 0},
    {"get-vanilla-query-order-encoded", NULL, 0},
    {"get-vanilla-query-order-key", NULL, 0},
    {"get-vanilla-query-order-key-case", NULL, 0},
    {"get-vanilla-query-order-value", NULL, 0},
    {"get-vanilla-query-unreserved", NULL, 0},
    {"get-vanilla-utf8-query", NULL, 0},
    {"get-vanilla-with-session-token",
     "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267", 0},
    {"normalize-path/get-relative", NULL, 0},
    {"normalize-path/get-relative-relative", NULL, 0},
    {"normalize-path/get-slash", NULL, 0},
    {"normalize-path/get-slash-dot-slash", NULL, 0},
    {"normalize-path/get-slash-pointless-dot", NULL, 0},
    {"normalize-path/get-slashes", NULL, 0},
    {"normalize-path/get-space", NULL, 0},
    {"normalize-path/get-special-character", NULL, 0},
    {"post-header-key-case", NULL, 0},
    {"post-header-key-sort", NULL, 0},
    {"post-header-value-case", NULL, 0},
    {"post-sts-token/post-sts-header-after", STS_TOKEN, 1},
    {"post-sts-token/post-sts-header-before", STS_TOKEN, 0},
    {"post-vanilla", NULL, 0},
    {"post-vanilla-empty-query-value", NULL, 0},
    {"post-vanilla-query", NULL, 0},
    {"post-x-www-form-urlencoded", NULL, 0},
    {"post-x-www-form-urlencoded-parameters", NULL, 0},
};

#define NSUITE (sizeof(suite_cases) / sizeof(suite_cases[0]))
#define NCLASSIC (sizeof(classic_cases) / sizeof(classic_cases[0]))

enum form { FORM_HEADER, FORM_QUERY, FORM_CLASSIC };

struct row {
    enum form form;
    size_t index;
};

/* snprintf into out[n] that fails the test instead of truncating (a path cut short would open
 * the wrong file). */
#define PATHF(out, ...) pathf((out), sizeof(out), __VA_ARGS__)
__attribute__((format(printf, 3, 4))) static void pathf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= n)
        fail_msg("path too long for its buffer: %s", fmt);
}

/* Reads a whole file; drops one trailing "\n" when strip is set. Fails the test if missing. */
static char *slurp(const char *path, int strip, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    if (strip && len && buf[len - 1] == '\n')
        buf[--len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

struct parsed_req {
    char method[16];
    char path[512];
    char query[1024];
    struct aws_headers headers;
    char *body;
    size_t body_len;
};

/* Parses the suite's request.txt: "METHOD target HTTP/1.1", Name:Value lines (continuation lines
 * start with whitespace and are joined with a space), an empty line, the body. */
static void parse_request(const char *text, struct parsed_req *r)
{
    memset(r, 0, sizeof(*r));
    aws_headers_init(&r->headers);
    const char *eol = strchr(text, '\n');
    size_t ll = eol ? (size_t)(eol - text) : strlen(text);
    char line[2048];
    assert_true(ll < sizeof(line));
    memcpy(line, text, ll);
    line[ll] = '\0';
    char *sp = strchr(line, ' ');
    assert_non_null(sp);
    *sp = '\0';
    snprintf(r->method, sizeof(r->method), "%.15s", line);
    char *target = sp + 1;
    char *http = strstr(target, " HTTP/");
    assert_non_null(http);
    *http = '\0';
    char *q = strchr(target, '?');
    if (q) {
        *q = '\0';
        snprintf(r->query, sizeof(r->query), "%.1000s", q + 1);
    }
    snprintf(r->path, sizeof(r->path), "%.500s", target);
    const char *p = eol ? eol + 1 : text + ll;
    char name[256] = "";
    char value[2048] = "";
    int have = 0;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == 0) { /* blank line: body follows */
            p = e ? e + 1 : p + l;
            r->body_len = strlen(p);
            r->body = strdup(p);
            break;
        }
        if ((p[0] == ' ' || p[0] == '\t') && have) {
            size_t vl = strlen(value);
            snprintf(value + vl, sizeof(value) - vl, " %.*s", (int)l, p);
        } else {
            if (have)
                assert_int_equal(aws_headers_add(&r->headers, name, value), UC_OK);
            const char *colon = memchr(p, ':', l);
            assert_non_null(colon);
            snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
            snprintf(value, sizeof(value), "%.*s", (int)(l - (size_t)(colon - p) - 1), colon + 1);
            have = 1;
        }
        p = e ? e + 1 : p + l;
    }
    if (have)
        assert_int_equal(aws_headers_add(&r->headers, name, value), UC_OK);
}

static void free_request(struct parsed_req *r)
{
    aws_headers_release(&r->headers);
    free(r->body);
}

static void expect_file(const char *dir, const char *file, const char *got)
{
    char path[1024];
    PATHF(path, "%s/%s", dir, file);
    char *want = slurp(path, 1, NULL);
    if (strcmp(want, got) != 0)
        fail_msg("%s differs\n--- want ---\n%s\n--- got ---\n%s", path, want, got);
    free(want);
}

/* The value after "Authorization:" (optionally followed by a space) in a signed request. */
static char *authz_line(const char *signed_req)
{
    const char *a = strstr(signed_req, "Authorization:");
    assert_non_null(a);
    a += strlen("Authorization:");
    while (*a == ' ')
        a++;
    size_t l = strcspn(a, "\n");
    return strndup(a, l);
}

static void run_suite_case(const char *name, enum form form)
{
    char dir[1024], path[1200];
    PATHF(dir, "%s/%s", SUITE_DIR, name);
    PATHF(path, "%s/context.json", dir);
    json_error_t jerr;
    json_t *ctx = json_load_file(path, 0, &jerr);
    if (!ctx)
        fail_msg("%s: %s", path, jerr.text);
    PATHF(path, "%s/request.txt", dir);
    char *text = slurp(path, 0, NULL);
    struct parsed_req req;
    parse_request(text, &req);

    json_t *creds = json_object_get(ctx, "credentials");
    struct aws_sigv4_params p = {
        .method = req.method,
        .path = req.path,
        .query = req.query,
        .body = req.body,
        .body_len = req.body_len,
        .region = json_string_value(json_object_get(ctx, "region")),
        .service = json_string_value(json_object_get(ctx, "service")),
        .time = 1440938160, /* 2015-08-30T12:36:00Z */
        .creds = {json_string_value(json_object_get(creds, "access_key_id")),
                  json_string_value(json_object_get(creds, "secret_access_key")),
                  json_string_value(json_object_get(creds, "token"))},
        .normalize_path = json_is_true(json_object_get(ctx, "normalize")),
        .sign_body = json_is_true(json_object_get(ctx, "sign_body")),
        .omit_session_token = json_is_true(json_object_get(ctx, "omit_session_token")),
        .expires = (uint32_t)json_integer_value(json_object_get(ctx, "expiration_in_seconds")),
    };
    assert_string_equal(json_string_value(json_object_get(ctx, "timestamp")),
                        "2015-08-30T12:36:00Z");
    struct aws_sigv4_result r;
    aws_sigv4_result_init(&r);
    if (form == FORM_HEADER) {
        assert_int_equal(aws_sigv4_sign_headers(&p, &req.headers, &r), UC_OK);
        expect_file(dir, "header-canonical-request.txt", uc_buf_str(&r.canonical_request));
        expect_file(dir, "header-string-to-sign.txt", uc_buf_str(&r.string_to_sign));
        expect_file(dir, "header-signature.txt", r.signature);
        PATHF(path, "%s/header-signed-request.txt", dir);
        char *sreq = slurp(path, 0, NULL);
        char *want = authz_line(sreq);
        assert_string_equal(uc_buf_str(&r.authorization), want);
        assert_string_equal(aws_headers_get(&req.headers, "Authorization"), want);
        assert_string_equal(aws_headers_get(&req.headers, "X-Amz-Date"), "20150830T123600Z");
        if (p.creds.session_token)
            assert_string_equal(aws_headers_get(&req.headers, "X-Amz-Security-Token"),
                                p.creds.session_token);
        free(want);
        free(sreq);
    } else {
        assert_int_equal(aws_sigv4_presign(&p, &req.headers, &r), UC_OK);
        expect_file(dir, "query-canonical-request.txt", uc_buf_str(&r.canonical_request));
        expect_file(dir, "query-string-to-sign.txt", uc_buf_str(&r.string_to_sign));
        expect_file(dir, "query-signature.txt", r.signature);
        PATHF(path, "%s/query-signed-request.txt", dir);
        char *sreq = slurp(path, 0, NULL);
        char line[8192];
        snprintf(line, sizeof(line), "%s %s?%s HTTP/1.1", req.method, req.path,
                 uc_buf_str(&r.signed_query));
        size_t l = strcspn(sreq, "\n");
        if (strlen(line) != l || memcmp(line, sreq, l) != 0)
            fail_msg("request line differs\nwant: %.*s\ngot:  %s", (int)l, sreq, line);
        assert_null(aws_headers_get(&req.headers, "Authorization"));
        free(sreq);
    }
    aws_sigv4_result_release(&r);
    free_request(&req);
    free(text);
    json_decref(ctx);
}

static void run_classic_case(const struct classic_case *c)
{
    char dir[1024], path[1400];
    PATHF(dir, "%s/%s", CLASSIC_DIR, c->dir);
    const char *base = strrchr(c->dir, '/');
    base = base ? base + 1 : c->dir;
    PATHF(path, "%s/%s.req", dir, base);
    char *text = slurp(path, 0, NULL);
    struct parsed_req req;
    parse_request(text, &req);
    struct aws_sigv4_params p = {
        .method = req.method,
        .path = req.path,
        .query = req.query,
        .body = req.body,
        .body_len = req.body_len,
        .region = "us-east-1",
        .service = "service",
        .time = 1440938160,
        .creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", c->token},
        .normalize_path = true,
        .omit_session_token = c->omit_token,
    };
    struct aws_sigv4_result r;
    aws_sigv4_result_init(&r);
    assert_int_equal(aws_sigv4_sign_headers(&p, &req.headers, &r), UC_OK);
    char file[300];
    PATHF(file, "%s.creq", base);
    expect_file(dir, file, uc_buf_str(&r.canonical_request));
    PATHF(file, "%s.sts", base);
    expect_file(dir, file, uc_buf_str(&r.string_to_sign));
    PATHF(file, "%s.authz", base);
    expect_file(dir, file, uc_buf_str(&r.authorization));
    aws_sigv4_result_release(&r);
    free_request(&req);
    free(text);
}

static void test_row(void **state)
{
    const struct row *row = *state;
    if (row->form == FORM_CLASSIC)
        run_classic_case(&classic_cases[row->index]);
    else
        run_suite_case(suite_cases[row->index], row->form);
}

/* Every case folder on disk must be in the tables above, so a new vector cannot be skipped. */
static void test_tables_cover_folders(void **state)
{
    (void)state;
    DIR *d = opendir(SUITE_DIR);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strchr(e->d_name, '.') || strcmp(e->d_name, "LICENSE") == 0 ||
            strcmp(e->d_name, "NOTICE") == 0)
            continue;
        int found = 0;
        for (size_t i = 0; i < NSUITE; i++)
            found |= strcmp(suite_cases[i], e->d_name) == 0;
        if (!found)
            fail_msg("case %s is not in the table", e->d_name);
        n++;
    }
    closedir(d);
    assert_int_equal(n, NSUITE);
    assert_int_equal(NSUITE, 38);
}

/* The EKS rule: an already-encoded label is encoded again in the canonical path. */
static void test_double_encoded_label(void **state)
{
    (void)state;
    struct aws_headers h;
    aws_headers_init(&h);
    assert_int_equal(aws_headers_add(&h, "Host", "eks.us-east-1.amazonaws.com"), UC_OK);
    struct aws_sigv4_params p = {
        .method = "GET",
        .path = "/tags/arn%3Aaws%3Aeks%3Aus-east-1%3A123456789012%3Acluster%2Fdemo",
        .region = "us-east-1",
        .service = "eks",
        .time = 1440938160,
        .creds = {"AKIDEXAMPLE", "secret", NULL},
        .normalize_path = true,
    };
    struct aws_sigv4_result r;
    aws_sigv4_result_init(&r);
    assert_int_equal(aws_sigv4_sign_headers(&p, &h, &r), UC_OK);
    assert_non_null(strstr(uc_buf_str(&r.canonical_request),
                           "\n/tags/arn%253Aaws%253Aeks%253Aus-east-1%253A123456789012%253A"
                           "cluster%252Fdemo\n"));
    aws_sigv4_result_release(&r);
    aws_headers_release(&h);
}

/* The signature of p's request (Host only) into out. */
static void sign_into(const struct aws_sigv4_params *p, char out[65])
{
    struct aws_headers h;
    aws_headers_init(&h);
    assert_int_equal(aws_headers_add(&h, "Host", "sts.amazonaws.com"), UC_OK);
    struct aws_sigv4_result r;
    aws_sigv4_result_init(&r);
    assert_int_equal(aws_sigv4_sign_headers(p, &h, &r), UC_OK);
    memcpy(out, r.signature, 65);
    aws_sigv4_result_release(&r);
    aws_headers_release(&h);
}

/* Signing keys are reused only for the same secret, day, region and service: another secret
 * under the same key id, another day or more scopes than the cache holds sign as they must. */
static void test_signing_key_cache(void **state)
{
    (void)state;
    struct aws_sigv4_params p = {.method = "GET", .path = "/", .region = "us-east-1",
                                 .service = "sts", .time = 1440938160,
                                 .creds = {"AKID", "secret-a", NULL}};
    char a1[65], a2[65], b[65], day2[65], again[65];
    sign_into(&p, a1);
    sign_into(&p, a2);
    assert_string_equal(a1, a2);
    p.creds.secret_access_key = "secret-b";
    sign_into(&p, b);
    assert_string_not_equal(a1, b);
    p.creds.secret_access_key = "secret-a";
    p.time += 86400;
    sign_into(&p, day2);
    assert_string_not_equal(a1, day2);
    static const char *const regions[] = {"eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1",
                                          "us-west-1", "us-west-2", "ap-south-1", "sa-east-1",
                                          "ca-central-1"};
    char other[65];
    for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
        p.region = regions[i];
        sign_into(&p, other);
        assert_string_not_equal(other, day2);
    }
    p.region = "us-east-1";
    p.time -= 86400;
    sign_into(&p, again); /* evicted by now: derived afresh */
    assert_string_equal(a1, again);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    struct aws_headers h;
    aws_headers_init(&h);
    struct aws_sigv4_params p = {.method = "GET", .path = "/", .region = "us-east-1",
                                 .service = "sts", .time = 0,
                                 .creds = {"AKID", "secret", NULL}};
    struct aws_sigv4_result r;
    aws_sigv4_result_init(&r);
    assert_int_equal(aws_sigv4_sign_headers(&p, &h, &r), UC_INVALID); /* no Host */
    assert_int_equal(aws_headers_add(&h, "Host", "x"), UC_OK);
    p.creds.access_key_id = NULL;
    assert_int_equal(aws_sigv4_sign_headers(&p, &h, &r), UC_INVALID);
    p.creds.access_key_id = "AKID";
    p.time = -5;
    assert_int_equal(aws_sigv4_sign_headers(&p, &h, &r), UC_RANGE);
    char d[17];
    assert_int_equal(aws_amz_date(951782400, d), UC_OK); /* leap day 2000 */
    assert_string_equal(d, "20000229T000000Z");
    assert_int_equal(aws_amz_date(253402300799LL, d), UC_OK);
    assert_string_equal(d, "99991231T235959Z");
    aws_sigv4_result_release(&r);
    aws_headers_release(&h);
}

int main(void)
{
    size_t n = 2 * NSUITE + NCLASSIC + 4;
    struct CMUnitTest *tests = calloc(n, sizeof(*tests));
    struct row *rows = calloc(n, sizeof(*rows));
    char (*names)[128] = calloc(n, sizeof(*names));
    if (!tests || !rows || !names)
        return 1;
    size_t k = 0;
    for (size_t i = 0; i < NSUITE; i++) {
        for (int f = 0; f < 2; f++) {
            rows[k] = (struct row){f == 0 ? FORM_HEADER : FORM_QUERY, i};
            snprintf(names[k], sizeof(names[k]), "sigv4/%s/%s", suite_cases[i],
                     f == 0 ? "header" : "presigned");
            tests[k] = (struct CMUnitTest){names[k], test_row, NULL, NULL, &rows[k]};
            k++;
        }
    }
    for (size_t i = 0; i < NCLASSIC; i++) {
        rows[k] = (struct row){FORM_CLASSIC, i};
        snprintf(names[k], sizeof(names[k]), "sigv4-classic/%s/header", classic_cases[i].dir);
        tests[k] = (struct CMUnitTest){names[k], test_row, NULL, NULL, &rows[k]};
        k++;
    }
    tests[k++] = (struct CMUnitTest){"tables_cover_folders", test_tables_cover_folders, NULL,
                                     NULL, NULL};
    tests[k++] = (struct CMUnitTest){"double_encoded_label", test_double_encoded_label, NULL,
                                     NULL, NULL};
    tests[k++] = (struct CMUnitTest){"bad_inputs", test_bad_inputs, NULL, NULL, NULL};
    tests[k++] = (struct CMUnitTest){"signing_key_cache", test_signing_key_cache, NULL, NULL,
                                     NULL};
    int rc = _cmocka_run_group_tests("aws_sigv4", tests, k, NULL, NULL);
    free(tests);
    free(rows);
    free(names);
    return rc;
}
