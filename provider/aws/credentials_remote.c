/* credentials_remote.c - credential sources outside this process: credential_process, the
 * container endpoint (ECS / EKS Pod Identity) and EC2 instance metadata (IMDSv2, v1 fallback).
 *
 * HTTP goes through the client's transport (so tests fake it), with short timeouts; child
 * processes are bounded in time and output. Nothing here may log a credential or a token.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws_internal.h"
#include "uc_log.h"

extern char **environ;

#define PROCESS_MAX_OUTPUT (64 * 1024)
#define PROCESS_TIMEOUT_MS (60 * 1000)

/* ---- credential_process ------------------------------------------------------------------ */

struct process_provider {
    struct aws_provider base;
    char *command;
    char *profile;
};

/* Runs command with /bin/sh -c, collecting stdout (bounded); stderr goes to /dev/null so the
 * child cannot corrupt the plugin's log stream. */
static uc_status run_process(struct aws_client *c, const char *command,
                             const struct aws_call_opts *o, struct uc_buf *out, int *exit_code,
                             struct aws_error *err)
{
    int fds[2] = {-1, -1};
    pid_t pid = -1;
    uc_status st = UC_OK;
    posix_spawn_file_actions_t fa;
    bool fa_ok = false;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return aws_error_set(err, UC_IO, "credentials", "credential_process", "pipe: %s",
                             strerror(errno));
    if (posix_spawn_file_actions_init(&fa) != 0) {
        st = aws_error_set(err, UC_NOMEM, "credentials", "credential_process", "out of memory");
        goto out;
    }
    fa_ok = true;
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    char *argv[] = {"/bin/sh", "-c", (char *)command, NULL};
    int rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
    if (rc != 0) {
        pid = -1;
        st = aws_error_set(err, UC_IO, "credentials", "credential_process", "spawn: %s",
                           strerror(rc));
        goto out;
    }
    close(fds[1]);
    fds[1] = -1;
    uint64_t start = aws_clock_mono_ms(&c->clock);
    char chunk[4096];
    for (;;) {
        if (uc_cancel_is_set(o ? o->cancel : NULL)) {
            st = aws_error_set(err, UC_CANCELED, "credentials", "credential_process",
                               "canceled");
            goto out;
        }
        uint64_t now = aws_clock_mono_ms(&c->clock);
        if (now - start > PROCESS_TIMEOUT_MS || (o && o->deadline_ms && now >= o->deadline_ms)) {
            st = aws_error_set(err, UC_TIMEOUT, "credentials", "credential_process",
                               "credential_process did not finish in time");
            goto out;
        }
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int pr = poll(&pfd, 1, 100);
        if (pr < 0 && errno != EINTR) {
            st = aws_error_set(err, UC_IO, "credentials", "credential_process", "poll failed");
            goto out;
        }
        if (pr <= 0)
            continue;
        ssize_t r = read(fds[0], chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (uc_buf_append(out, chunk, (size_t)r) != UC_OK) {
            st = aws_error_set(err, UC_RANGE, "credentials", "credential_process",
                               "credential_process printed more than %d bytes",
                               PROCESS_MAX_OUTPUT);
            goto out;
        }
    }
    int wst = 0;
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    *exit_code = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + (WIFSIGNALED(wst) ? WTERMSIG(wst) : 0);
out:
    if (pid > 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return st;
}

static uc_status process_fetch(struct aws_provider *p, struct aws_client *c,
                               const struct aws_call_opts *o, struct aws_credentials **out,
                               struct aws_error *err)
{
    struct process_provider *pp = (struct process_provider *)p;
    struct uc_buf b;
    uc_buf_init_max(&b, PROCESS_MAX_OUTPUT);
    int code = -1;
    json_t *j = NULL;
    uc_status st = run_process(c, pp->command, o, &b, &code, err);
    if (st != UC_OK)
        goto out;
    if (code != 0) {
        st = aws_error_set(err, UC_REMOTE, "credentials", "credential_process",
                           "credential_process of profile %s exited with status %d", pp->profile,
                           code);
        goto out;
    }
    json_error_t jerr;
    j = json_loadb(b.data ? b.data : "", b.len, 0, &jerr);
    if (!j || !json_is_object(j)) {
        st = aws_error_set(err, UC_DECODE, "credentials", "credential_process",
                           "credential_process output is not a JSON object");
        goto out;
    }
    if (json_integer_value(json_object_get(j, "Version")) != 1) {
        st = aws_error_set(err, UC_DECODE, "credentials", "credential_process",
                           "credential_process output must have \"Version\": 1");
        goto out;
    }
    st = aws_creds_from_json(j, "process", out, err);
out:
    json_decref(j);
    aws_buf_wipe(&b);
    uc_buf_release(&b);
    return st;
}

static void process_destroy(struct aws_provider *p)
{
    struct process_provider *pp = (struct process_provider *)p;
    free(pp->command);
    free(pp->profile);
    free(pp);
}

struct aws_provider *aws_provider_process_new(const char *command, const char *profile)
{
    struct process_provider *pp = calloc(1, sizeof(*pp));
    if (!pp)
        return NULL;
    pp->base.name = "process";
    pp->base.fetch = process_fetch;
    pp->base.destroy = process_destroy;
    pp->command = strdup(command);
    pp->profile = strdup(profile ? profile : "");
    if (!pp->command || !pp->profile) {
        process_destroy(&pp->base);
        return NULL;
    }
    return &pp->base;
}

/* ---- plain HTTP through the transport ------------------------------------------------------ */

uc_status aws_http_plain(struct aws_client *c, const char *method, const char *url,
                         const struct aws_headers *extra, const char *body, uint64_t timeout_ms,
                         const struct aws_call_opts *o, struct aws_http_response *resp)
{
    struct aws_http_request rq = {.method = method, .url = url};
    struct aws_url u;
    uc_status st = aws_url_parse(url, &u);
    if (st != UC_OK)
        return st;
    aws_headers_init(&rq.headers);
    st = aws_headers_add(&rq.headers, "Host", u.host);
    for (size_t i = 0; st == UC_OK && extra && i < extra->len; i++)
        st = aws_headers_add(&rq.headers, extra->items[i].name, extra->items[i].value);
    rq.connect_timeout_ms = timeout_ms;
    rq.timeout_ms = timeout_ms;
    if (st == UC_OK && body) {
        rq.body = body;
        rq.body_len = strlen(body);
    } else if (st == UC_OK && strcmp(method, "PUT") == 0) {
        rq.body = "";
        rq.body_len = 0;
    }
    if (st == UC_OK)
        st = c->transport->send(c->transport, &rq, o ? o->cancel : NULL, resp);
    aws_headers_release(&rq.headers);
    return st;
}

/* ---- sources without state of their own (container, IMDS: they read the environment) ---- */

static void stateless_destroy(struct aws_provider *p)
{
    free(p);
}

/* A heap copy of a provider that is nothing but its table; NULL when out of memory. */
static struct aws_provider *stateless_new(const struct aws_provider *table)
{
    struct aws_provider *p = malloc(sizeof(*p));
    if (p)
        *p = *table;
    return p;
}

/* ---- container credentials --------------------------------------------------------------- */

static bool container_host_ok(const struct aws_url *u)
{
    if (strcmp(u->scheme, "https") == 0)
        return true;
    const char *h = u->host;
    static const char *const allowed[] = {"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
                                          "[::1]", "localhost", NULL};
    char host[256];
    snprintf(host, sizeof(host), "%s", h);
    if (host[0] != '[') {
        char *colon = strrchr(host, ':');
        if (colon)
            *colon = '\0';
    } else {
        char *close = strchr(host, ']');
        if (close)
            close[1] = '\0';
    }
    if (strncmp(host, "127.", 4) == 0)
        return true;
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(host, allowed[i]) == 0)
            return true;
    return false;
}

static uc_status container_fetch(struct aws_provider *p, struct aws_client *c,
                                 const struct aws_call_opts *o, struct aws_credentials **out,
                                 struct aws_error *err)
{
    char url[2048];
    const char *rel = aws_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = aws_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    struct aws_headers h;
    struct aws_http_response resp;
    json_t *j = NULL;
    char *tokfile = NULL;
    aws_headers_init(&h);
    aws_http_response_init(&resp);
    uc_status st = UC_OK;
    if (rel) {
        snprintf(url, sizeof(url), "http://169.254.170.2%s%s", rel[0] == '/' ? "" : "/", rel);
    } else if (full) {
        snprintf(url, sizeof(url), "%s", full);
        struct aws_url u;
        if (aws_url_parse(url, &u) != UC_OK || !container_host_ok(&u)) {
            st = aws_error_set(err, UC_INVALID, "credentials", "container",
                               "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback / "
                               "ECS / EKS Pod Identity address");
            goto out;
        }
    } else {
        st = UC_NOTFOUND;
        goto out;
    }
    const char *tf = aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *tok = aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (tf) {
        FILE *f = fopen(tf, "re");
        if (!f) {
            st = aws_error_set(err, UC_IO, "credentials", "container",
                               "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
            goto out;
        }
        tokfile = calloc(1, 16385);
        size_t n = tokfile ? fread(tokfile, 1, 16384, f) : 0;
        fclose(f);
        if (!tokfile) {
            st = aws_error_set(err, UC_NOMEM, "credentials", "container", "out of memory");
            goto out;
        }
        while (n > 0 && (tokfile[n - 1] == '\n' || tokfile[n - 1] == '\r'))
            tokfile[--n] = '\0';
        tok = tokfile;
    }
    if (tok && (st = aws_headers_add(&h, "Authorization", tok)) != UC_OK)
        goto out;
    aws_headers_add(&h, "Accept", "application/json");
    for (int attempt = 0; attempt < 3; attempt++) {
        aws_http_response_reset(&resp);
        st = aws_http_plain(c, "GET", url, &h, NULL, 5000, o, &resp);
        if (st == UC_CANCELED)
            break;
        if (st == UC_OK && resp.status < 500)
            break;
        if (aws_clock_sleep_ms(&c->clock, o ? o->cancel : NULL, 100u << attempt) != UC_OK) {
            st = UC_CANCELED;
            break;
        }
    }
    if (st != UC_OK || resp.status != 200) {
        st = aws_error_set(err, st == UC_OK ? UC_REMOTE : st, "credentials", "container",
                           "container credentials endpoint failed: %s",
                           st == UC_OK ? "non-200 answer" : resp.net_message);
        if (err)
            err->http_status = (int)resp.status;
        goto out;
    }
    json_error_t jerr;
    j = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, &jerr);
    if (!j) {
        st = aws_error_set(err, UC_DECODE, "credentials", "container",
                           "container credentials are not JSON");
        goto out;
    }
    st = aws_creds_from_json(j, "container", out, err);
out:
    if (tokfile) {
        memset(tokfile, 0, 16385);
        free(tokfile);
    }
    json_decref(j);
    aws_buf_wipe(&resp.body);
    aws_http_response_release(&resp);
    aws_headers_release(&h);
    return st;
}

struct aws_provider *aws_provider_container_new(void)
{
    static const struct aws_provider table = {
        .name = "container", .fetch = container_fetch, .destroy = stateless_destroy};
    return stateless_new(&table);
}

/* ---- EC2 instance metadata (IMDSv2) -------------------------------------------------------- */

#define IMDS_TIMEOUT_MS 1000

static uc_status imds_fetch(struct aws_provider *p, struct aws_client *c,
                            const struct aws_call_opts *o, struct aws_credentials **out,
                            struct aws_error *err)
{
    char base[512], url[1024];
    const char *ep = aws_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = aws_env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    const char *v1off = aws_env("AWS_EC2_METADATA_V1_DISABLED");
    bool v1_disabled = v1off && strcasecmp(v1off, "true") == 0;
    struct aws_headers h;
    struct aws_http_response resp;
    char token[1024] = "", role[256] = "";
    json_t *j = NULL;
    aws_headers_init(&h);
    aws_http_response_init(&resp);
    uc_status st;
    if (ep)
        snprintf(base, sizeof(base), "%s", ep);
    else if (mode && strcasecmp(mode, "IPv6") == 0)
        snprintf(base, sizeof(base), "http://[fd00:ec2::254]");
    else
        snprintf(base, sizeof(base), "http://169.254.169.254");
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = '\0';

    /* 1. session token */
    snprintf(url, sizeof(url), "%s/latest/api/token", base);
    aws_headers_add(&h, "X-aws-ec2-metadata-token-ttl-seconds", "21600");
    st = aws_http_plain(c, "PUT", url, &h, NULL, IMDS_TIMEOUT_MS, o, &resp);
    aws_headers_release(&h);
    aws_headers_init(&h);
    if (st == UC_CANCELED)
        goto out;
    if (st != UC_OK) {
        st = UC_NOTFOUND; /* no metadata service: not on EC2 */
        goto out;
    }
    if (resp.status == 200 && resp.body.len > 0 && resp.body.len < sizeof(token)) {
        memcpy(token, resp.body.data, resp.body.len);
        token[resp.body.len] = '\0';
    } else if (resp.status == 400) {
        st = aws_error_set(err, UC_REMOTE, "credentials", "imds",
                           "IMDS refused the token request (HTTP 400)");
        goto out;
    } else if (v1_disabled) {
        st = aws_error_set(err, UC_REMOTE, "credentials", "imds",
                           "IMDSv2 token unavailable (HTTP %ld) and IMDSv1 is disabled",
                           resp.status);
        goto out;
    }
    if (token[0])
        aws_headers_add(&h, "X-aws-ec2-metadata-token", token);

    /* 2. role name */
    snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/", base);
    aws_http_response_reset(&resp);
    st = aws_http_plain(c, "GET", url, &h, NULL, IMDS_TIMEOUT_MS, o, &resp);
    if (st != UC_OK || resp.status == 404) {
        st = st == UC_CANCELED ? st : UC_NOTFOUND; /* no instance profile */
        goto out;
    }
    if (resp.status != 200) {
        st = aws_error_set(err, UC_REMOTE, "credentials", "imds",
                           "IMDS role lookup failed (HTTP %ld)", resp.status);
        goto out;
    }
    size_t rl = strcspn(uc_buf_str(&resp.body), "\r\n");
    if (rl == 0 || rl >= sizeof(role)) {
        st = UC_NOTFOUND;
        goto out;
    }
    memcpy(role, resp.body.data, rl);
    role[rl] = '\0';
    for (size_t i = 0; i < rl; i++) {
        char ch = role[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              strchr("+=,.@_-", ch))) {
            st = aws_error_set(err, UC_DECODE, "credentials", "imds", "bad role name from IMDS");
            goto out;
        }
    }

    /* 3. credentials */
    snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/%s", base, role);
    aws_http_response_reset(&resp);
    st = aws_http_plain(c, "GET", url, &h, NULL, IMDS_TIMEOUT_MS, o, &resp);
    if (st != UC_OK || resp.status != 200) {
        st = aws_error_set(err, st == UC_OK ? UC_REMOTE : st, "credentials", "imds",
                           "IMDS credentials request failed (HTTP %ld)", resp.status);
        goto out;
    }
    json_error_t jerr;
    j = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, &jerr);
    const char *code = json_string_value(json_object_get(j, "Code"));
    if (!j || (code && strcmp(code, "Success") != 0)) {
        st = aws_error_set(err, UC_DECODE, "credentials", "imds",
                           "IMDS answered without credentials");
        goto out;
    }
    st = aws_creds_from_json(j, "imds", out, err);
out:
    memset(token, 0, sizeof(token));
    json_decref(j);
    aws_buf_wipe(&resp.body);
    aws_http_response_release(&resp);
    aws_headers_release(&h);
    return st;
}

struct aws_provider *aws_provider_imds_new(void)
{
    static const struct aws_provider table = {
        .name = "imds", .fetch = imds_fetch, .destroy = stateless_destroy};
    return stateless_new(&table);
}
