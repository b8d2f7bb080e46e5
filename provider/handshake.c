/* handshake.c - go-plugin launch rules as pure functions: cookie, version negotiation, socket
 * path and the handshake line. It must not read the environment, print, or touch files: the
 * process code (main.c) feeds it strings and writes the result.
 */
#include "host_handshake.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

bool host_cookie_ok(const char *value)
{
    return value && strcmp(value, HOST_COOKIE_VALUE) == 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

uc_status host_parse_versions(const char *s, uint32_t *set)
{
    uint32_t out = 0;
    *set = 0;
    if (!s)
        return UC_OK;
    if (strlen(s) > 256)
        return UC_DECODE;
    const char *p = s;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        if (a < b) {
            unsigned v = 0;
            for (const char *q = a; q < b; q++) {
                if (*q < '0' || *q > '9' || v > 31)
                    return UC_DECODE;
                v = v * 10 + (unsigned)(*q - '0');
            }
            if (v < 1 || v > 31)
                return UC_DECODE;
            out |= 1u << v;
        }
        p = *end ? end + 1 : end;
    }
    *set = out;
    return UC_OK;
}

uc_status host_negotiate(const char *offered, const char *override, int *version, const char **err)
{
    uint32_t served = (1u << 5) | (1u << 6);
    uint32_t offer = 0;
    *version = 0;
    if (err)
        *err = NULL;
    if (override && *override) {
        if (strcmp(override, "5") == 0) {
            served = 1u << 5;
        } else if (strcmp(override, "6") == 0) {
            served = 1u << 6;
        } else {
            if (err)
                *err = "UNICRON_PLUGIN_PROTOCOL must be 5 or 6";
            return UC_DECODE;
        }
    }
    if (host_parse_versions(offered, &offer) != UC_OK) {
        if (err)
            *err = "PLUGIN_PROTOCOL_VERSIONS is not a comma-separated list of versions";
        return UC_DECODE;
    }
    int lowest = 0;
    for (int v = HOST_PROTO_MAX; v >= HOST_PROTO_MIN; v--) {
        if (!(served & (1u << v)))
            continue;
        lowest = v;
        if (offer == 0 || (offer & (1u << v))) {
            *version = v;
            return UC_OK;
        }
    }
    *version = lowest;
    return UC_OK;
}

uc_status host_socket_path(char *out, size_t cap, const char *socket_dir, const char *tmpdir,
                           const char *cwd, long pid, uint32_t tag)
{
    const char *dir = (socket_dir && *socket_dir) ? socket_dir
                      : (tmpdir && *tmpdir)       ? tmpdir
                                                  : "/tmp";
    const size_t sun_max = 107; /* sizeof(sun_path) - 1 on Linux */
    char tmp[256];
    int n;
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (dir[0] == '/') {
        n = snprintf(tmp, sizeof tmp, "%.*s/plugin%ld-%08x", (int)dl, dir, pid, (unsigned)tag);
    } else {
        const char *base = (cwd && *cwd) ? cwd : "/";
        size_t bl = strlen(base);
        while (bl > 1 && base[bl - 1] == '/')
            bl--;
        n = snprintf(tmp, sizeof tmp, "%.*s/%.*s/plugin%ld-%08x", bl == 1 ? 0 : (int)bl, base,
                     (int)dl, dir, pid, (unsigned)tag);
    }
    if (n < 0 || (size_t)n >= sizeof tmp || (size_t)n > sun_max || (size_t)n >= cap)
        return UC_RANGE;
    memcpy(out, tmp, (size_t)n + 1);
    return UC_OK;
}

uc_status host_base64_raw(struct uc_buf *out, const unsigned char *p, size_t n)
{
    if (n > (1u << 20))
        return UC_RANGE;
    size_t cap = 4 * ((n + 2) / 3) + 1;
    unsigned char stackbuf[4096];
    unsigned char *enc = stackbuf;
    if (cap > sizeof stackbuf)
        return UC_RANGE; /* certificates are far below 3 KiB */
    int len = EVP_EncodeBlock(enc, p, (int)n);
    if (len < 0)
        return UC_CRYPTO;
    while (len > 0 && enc[len - 1] == '=')
        len--;
    return uc_buf_append(out, enc, (size_t)len);
}

uc_status host_handshake_line(struct uc_buf *out, int version, const char *socket_path,
                              const unsigned char *der, size_t der_len)
{
    if (!socket_path || strpbrk(socket_path, "|\r\n") || socket_path[0] != '/')
        return UC_INVALID;
    if (version < 1 || version > 31)
        return UC_INVALID;
    uc_buf_printf(out, "1|%d|unix|%s|grpc|", version, socket_path);
    if (der && der_len) {
        uc_status st = host_base64_raw(out, der, der_len);
        if (st != UC_OK)
            return st;
    }
    uc_buf_putc(out, '\n');
    return out->err;
}
