/* profile.c - the AWS shared config and credentials files (INI): parse, merge, look up
 * profiles and the config file's [sso-session x] and [services x] sections, with their nested
 * sub-properties ("eks =" then indented "endpoint_url = ...", stored as "eks.endpoint_url").
 *
 * Reads only the files it is asked to read, bounded to 1 MiB each; malformed lines are skipped,
 * never fatal. It does not interpret keys (credentials.c does) and never logs values: these
 * files hold secret keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws_internal.h"

#define MAX_FILE (1024 * 1024)
#define MAX_KEY 256

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

void aws_profiles_init(struct aws_profiles *ps)
{
    memset(ps, 0, sizeof(*ps));
}

void aws_profiles_release(struct aws_profiles *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++) {
        struct aws_profile *p = &ps->p[i];
        for (size_t k = 0; k < p->n; k++) {
            free(p->kv[k].key);
            if (p->kv[k].value) {
                memset(p->kv[k].value, 0, strlen(p->kv[k].value));
                free(p->kv[k].value);
            }
        }
        free(p->kv);
        free(p->name);
    }
    free(ps->p);
    aws_profiles_init(ps);
}

const struct aws_profile *aws_profiles_find_section(const struct aws_profiles *ps,
                                                   enum aws_ini_section kind, const char *name)
{
    for (size_t i = 0; ps && name && i < ps->n; i++)
        if (ps->p[i].kind == kind && strcmp(ps->p[i].name, name) == 0)
            return &ps->p[i];
    return NULL;
}

const struct aws_profile *aws_profiles_find(const struct aws_profiles *ps, const char *name)
{
    return aws_profiles_find_section(ps, AWS_INI_PROFILE, name);
}

/* "[<word> <name>]" of a config file: the name after the word, or NULL. */
static const char *section_named(const char *word, const char *name, size_t *n)
{
    size_t wl = strlen(word);
    if (*n <= wl + 1 || strncmp(name, word, wl) != 0 || !is_ws(name[wl]))
        return NULL;
    name += wl + 1;
    *n -= wl + 1;
    while (*n > 0 && is_ws(*name)) {
        name++;
        (*n)--;
    }
    return name;
}

const char *aws_profile_get(const struct aws_profile *p, const char *key)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (strcasecmp(p->kv[i].key, key) == 0)
            return p->kv[i].value && *p->kv[i].value ? p->kv[i].value : NULL;
    return NULL;
}

static struct aws_profile *get_or_add(struct aws_profiles *ps, enum aws_ini_section kind,
                                      const char *name, size_t nl)
{
    for (size_t i = 0; i < ps->n; i++)
        if (ps->p[i].kind == kind && strlen(ps->p[i].name) == nl &&
            memcmp(ps->p[i].name, name, nl) == 0)
            return &ps->p[i];
    if (ps->n == ps->cap) {
        size_t nc = ps->cap ? ps->cap * 2 : 8;
        struct aws_profile *np = realloc(ps->p, nc * sizeof(*np));
        if (!np)
            return NULL;
        ps->p = np;
        ps->cap = nc;
    }
    struct aws_profile *p = &ps->p[ps->n];
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->name = strndup(name, nl);
    if (!p->name)
        return NULL;
    ps->n++;
    return p;
}

static uc_status set_kv(struct aws_profile *p, const char *k, size_t kl, const char *v, size_t vl)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strlen(p->kv[i].key) == kl && strncasecmp(p->kv[i].key, k, kl) == 0) {
            char *nv = strndup(v, vl);
            if (!nv)
                return UC_NOMEM;
            free(p->kv[i].value);
            p->kv[i].value = nv;
            return UC_OK;
        }
    }
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 8;
        struct aws_ini_kv *nk = realloc(p->kv, nc * sizeof(*nk));
        if (!nk)
            return UC_NOMEM;
        p->kv = nk;
        p->cap = nc;
    }
    char *ks = strndup(k, kl), *vs = strndup(v, vl);
    if (!ks || !vs) {
        free(ks);
        free(vs);
        return UC_NOMEM;
    }
    p->kv[p->n].key = ks;
    p->kv[p->n].value = vs;
    p->n++;
    return UC_OK;
}

uc_status aws_profiles_parse(struct aws_profiles *ps, const char *text, size_t len,
                             bool is_config)
{
    struct aws_profile *cur = NULL;
    char parent[MAX_KEY]; /* the key whose nested sub-properties follow, when parent_len > 0 */
    size_t parent_len = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl ? 1 : 0);
        bool indented = ll > 0 && is_ws(line[0]);
        size_t b = 0, e = ll;
        while (b < e && is_ws(line[b]))
            b++;
        while (e > b && is_ws(line[e - 1]))
            e--;
        if (b == e || line[b] == '#' || line[b] == ';')
            continue;
        if (line[b] == '[') {
            cur = NULL;
            const char *close = memchr(line + b, ']', e - b);
            if (!close)
                continue;
            size_t s = b + 1, t = (size_t)(close - line);
            while (s < t && is_ws(line[s]))
                s++;
            while (t > s && is_ws(line[t - 1]))
                t--;
            const char *name = line + s;
            size_t n = t - s;
            enum aws_ini_section kind = AWS_INI_PROFILE;
            if (is_config) {
                const char *sub;
                if ((sub = section_named("profile", name, &n)) != NULL) {
                    name = sub;
                } else if ((sub = section_named("sso-session", name, &n)) != NULL) {
                    name = sub;
                    kind = AWS_INI_SSO_SESSION;
                } else if ((sub = section_named("services", name, &n)) != NULL) {
                    name = sub;
                    kind = AWS_INI_SERVICES;
                } else if (!(n == 7 && strncmp(name, "default", 7) == 0)) {
                    continue; /* an unknown kind of section */
                }
            }
            if (n == 0)
                continue;
            cur = get_or_add(ps, kind, name, n);
            if (!cur)
                return UC_NOMEM;
            parent_len = 0;
            continue;
        }
        if (!cur || (indented && parent_len == 0))
            continue; /* outside a section, or indented with no parent key */
        const char *eq = memchr(line + b, '=', e - b);
        if (!eq)
            continue;
        size_t ke = (size_t)(eq - line);
        while (ke > b && is_ws(line[ke - 1]))
            ke--;
        size_t vs = (size_t)(eq - line) + 1;
        while (vs < e && is_ws(line[vs]))
            vs++;
        /* Inline comment: whitespace followed by '#' or ';'. */
        size_t ve = e;
        for (size_t i = vs; i + 1 < e; i++) {
            if (is_ws(line[i]) && (line[i + 1] == '#' || line[i + 1] == ';')) {
                ve = i;
                break;
            }
        }
        while (ve > vs && is_ws(line[ve - 1]))
            ve--;
        if (ke == b)
            continue;
        if (!indented && ve == vs && ke - b < MAX_KEY) {
            /* "eks =" with nothing after it opens nested sub-properties. */
            parent_len = ke - b;
            memcpy(parent, line + b, parent_len);
            continue;
        }
        if (!indented)
            parent_len = 0;
        const char *key = line + b;
        size_t kl = ke - b;
        char nested[2 * MAX_KEY + 1];
        if (indented) {
            if (kl >= MAX_KEY)
                continue;
            memcpy(nested, parent, parent_len);
            nested[parent_len] = '.';
            memcpy(nested + parent_len + 1, key, kl);
            key = nested;
            kl += parent_len + 1;
        }
        uc_status st = set_kv(cur, key, kl, line + vs, ve - vs);
        if (st != UC_OK)
            return st;
    }
    return UC_OK;
}

uc_status aws_profiles_load_file(struct aws_profiles *ps, const char *path, bool is_config)
{
    char full[4096];
    if (!path || !*path)
        return UC_NOTFOUND;
    if (path[0] == '~' && path[1] == '/') {
        const char *home = aws_env("HOME");
        if (!home)
            return UC_NOTFOUND;
        if ((size_t)snprintf(full, sizeof(full), "%s/%s", home, path + 2) >= sizeof(full))
            return UC_RANGE;
    } else if ((size_t)snprintf(full, sizeof(full), "%s", path) >= sizeof(full)) {
        return UC_RANGE;
    }
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? UC_NOTFOUND : UC_IO;
    uc_status st = UC_OK;
    char *buf = NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = UC_IO;
        goto out;
    }
    if (sb.st_size > MAX_FILE) {
        st = UC_RANGE;
        goto out;
    }
    buf = malloc((size_t)sb.st_size + 1);
    if (!buf) {
        st = UC_NOMEM;
        goto out;
    }
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    st = aws_profiles_parse(ps, buf, got, is_config);
out:
    if (buf) {
        memset(buf, 0, (size_t)sb.st_size);
        free(buf);
    }
    close(fd);
    return st;
}
