/* xml.c - awsQuery responses (STS, IAM): expat parses the body into a small element tree, this
 * file turns the tree into JSON and pulls code/message/request id out of <ErrorResponse>.
 *
 * Parsing never touches the network or the file system and never prints: a document with a
 * DOCTYPE (the only way to declare entities) is refused, element depth and body size are bounded.
 * Expat rather than libxml2: a small streaming parser is all the Query answers need, and its
 * static archive keeps the release binary free of ICU (docs/internals/aws-client.md).
 */
#include <expat.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aws_internal.h"
#include "uc_arena.h"

#define MAX_DEPTH 64        /* converted / searched depth, as before */
#define MAX_PARSE_DEPTH 256 /* deeper documents are refused while parsing */
#define NS_SEP ' '          /* expat's separator between namespace URI and local name */

/* One element. Its text content (every character data inside it, descendants included, in
 * document order, like the DOM's textContent) is doc.text[text_start, text_end). */
struct xnode {
    const char *name; /* local name, namespace stripped */
    size_t text_start, text_end;
    struct xnode *first, *last, *next;
};

struct xdoc {
    XML_Parser parser;
    struct uc_arena *arena; /* nodes and names */
    struct uc_buf text;     /* all character data of the document */
    struct xnode *root;
    struct xnode *stack[MAX_PARSE_DEPTH];
    int depth;
    uc_status failed; /* UC_NOMEM, or UC_DECODE when too deep or with a DOCTYPE: parse stopped */
};

static void doc_fail(struct xdoc *d, uc_status why)
{
    d->failed = why;
    XML_StopParser(d->parser, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct xdoc *d = ud;
    (void)attrs;
    if (d->failed != UC_OK)
        return;
    if (d->depth >= MAX_PARSE_DEPTH || (d->depth == 0 && d->root)) {
        doc_fail(d, UC_DECODE);
        return;
    }
    const char *local = strrchr(name, NS_SEP);
    local = local ? local + 1 : name;
    struct xnode *n = uc_arena_calloc(d->arena, 1, sizeof(*n));
    if (!n || !(n->name = uc_arena_strdup(d->arena, local))) {
        doc_fail(d, UC_NOMEM);
        return;
    }
    n->text_start = d->text.len;
    if (d->depth == 0) {
        d->root = n;
    } else {
        struct xnode *parent = d->stack[d->depth - 1];
        if (parent->last)
            parent->last->next = n;
        else
            parent->first = n;
        parent->last = n;
    }
    d->stack[d->depth++] = n;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct xdoc *d = ud;
    (void)name;
    if (d->failed != UC_OK || d->depth == 0)
        return;
    struct xnode *n = d->stack[--d->depth];
    n->text_end = d->text.len;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct xdoc *d = ud;
    /* text outside the root element can only be white space */
    if (d->failed != UC_OK || d->depth == 0 || len <= 0)
        return;
    if (uc_buf_append(&d->text, s, (size_t)len) != UC_OK)
        doc_fail(d, d->text.err);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    doc_fail(ud, UC_DECODE);
}

static void doc_release(struct xdoc *d)
{
    if (d->parser)
        XML_ParserFree(d->parser);
    uc_arena_free(d->arena);
    uc_buf_release(&d->text);
}

/* Parses xml into d. UC_OK with d->root set, UC_NOMEM, or UC_DECODE for anything malformed,
 * empty, too deep or with a DOCTYPE. d is released by the caller in every case. */
static uc_status doc_parse(struct xdoc *d, const char *xml, size_t len)
{
    memset(d, 0, sizeof(*d));
    uc_buf_init_max(&d->text, AWS_HTTP_MAX_BODY);
    if (!xml || len == 0 || len > INT_MAX)
        return UC_DECODE;
    d->arena = uc_arena_new();
    d->parser = XML_ParserCreateNS(NULL, NS_SEP);
    if (!d->arena || !d->parser)
        return UC_NOMEM;
    XML_SetUserData(d->parser, d);
    XML_SetElementHandler(d->parser, on_start, on_end);
    XML_SetCharacterDataHandler(d->parser, on_text);
    XML_SetStartDoctypeDeclHandler(d->parser, on_doctype);
    enum XML_Status rc = XML_Parse(d->parser, xml, (int)len, XML_TRUE);
    if (d->failed != UC_OK)
        return d->failed == UC_NOMEM ? UC_NOMEM : UC_DECODE;
    if (rc != XML_STATUS_OK || !d->root || d->depth != 0)
        return UC_DECODE;
    return UC_OK;
}

static bool name_is(const struct xnode *n, const char *name)
{
    return n && strcmp(n->name, name) == 0;
}

static struct xnode *child(const struct xnode *n, const char *name)
{
    for (struct xnode *c = n ? n->first : NULL; c; c = c->next)
        if (name_is(c, name))
            return c;
    return NULL;
}

/* Depth-first search for the first element called name. */
static struct xnode *find(struct xnode *n, const char *name, int depth)
{
    if (!n || depth > MAX_DEPTH)
        return NULL;
    if (name_is(n, name))
        return n;
    for (struct xnode *c = n->first; c; c = c->next) {
        struct xnode *f = find(c, name, depth + 1);
        if (f)
            return f;
    }
    return NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* n's text content, borrowed from the document: *len bytes, not NUL-terminated. */
static const char *content(const struct xdoc *d, const struct xnode *n, size_t *len)
{
    *len = n->text_end - n->text_start;
    return d->text.data ? d->text.data + n->text_start : "";
}

/* n's text content without surrounding white space, cut to fit out (cap > 0); "" without n. */
static void text_of(const struct xdoc *d, const struct xnode *n, char *out, size_t cap)
{
    out[0] = '\0';
    if (!n)
        return;
    size_t l;
    const char *t = content(d, n, &l);
    size_t b = 0;
    while (b < l && is_space(t[b]))
        b++;
    while (l > b && is_space(t[l - 1]))
        l--;
    size_t n2 = l - b < cap - 1 ? l - b : cap - 1;
    memcpy(out, t + b, n2);
    out[n2] = '\0';
}

static bool is_policy_document(const char *name)
{
    return strcmp(name, "AssumeRolePolicyDocument") == 0 || strcmp(name, "PolicyDocument") == 0 ||
           strcmp(name, "Document") == 0;
}

static json_t *leaf(const struct xdoc *d, const struct xnode *n)
{
    size_t sl;
    const char *s = content(d, n, &sl);
    json_t *v = NULL;
    size_t b = 0;
    while (b < sl && is_space(s[b]))
        b++;
    if (is_policy_document(n->name) && (b == sl || s[b] != '{') && memchr(s, '%', sl)) {
        /* IAM returns policy documents percent-encoded (RFC 3986): decode. */
        struct uc_buf dec;
        uc_buf_init_max(&dec, AWS_HTTP_MAX_BODY);
        if (aws_uri_decode(&dec, s, sl) == UC_OK)
            v = json_stringn(dec.data ? dec.data : "", dec.len);
        uc_buf_release(&dec);
    } else {
        v = json_stringn(s, sl);
    }
    if (!v) /* not UTF-8 after decoding: keep the bytes visible rather than failing the call */
        v = json_stringn_nocheck(s, sl);
    return v;
}

static json_t *convert(const struct xdoc *d, const struct xnode *n, int depth)
{
    if (depth > MAX_DEPTH)
        return NULL;
    size_t elems = 0, members = 0, entries = 0;
    for (const struct xnode *c = n->first; c; c = c->next) {
        elems++;
        if (name_is(c, "member"))
            members++;
        else if (name_is(c, "entry"))
            entries++;
    }
    if (elems == 0)
        return leaf(d, n);
    if (members == elems) {
        json_t *a = json_array();
        for (const struct xnode *c = n->first; a && c; c = c->next) {
            json_t *v = convert(d, c, depth + 1);
            if (!v || json_array_append_new(a, v) != 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (const struct xnode *c = n->first; c; c = c->next) {
        if (entries == elems) { /* map: <entry><key>k</key><value>v</value></entry> */
            char key[1024];
            text_of(d, child(c, "key"), key, sizeof(key));
            struct xnode *val = child(c, "value");
            json_t *v = val ? convert(d, val, depth + 1) : json_string("");
            if (!v || json_object_set_new(o, key, v) != 0) {
                json_decref(o);
                return NULL;
            }
            continue;
        }
        json_t *v = convert(d, c, depth + 1);
        if (!v) {
            json_decref(o);
            return NULL;
        }
        json_t *old = json_object_get(o, c->name);
        int rc;
        if (!old) {
            rc = json_object_set_new(o, c->name, v);
        } else if (json_is_array(old)) {
            rc = json_array_append_new(old, v);
        } else { /* a repeated element: make it a list */
            json_t *a = json_array();
            rc = a ? 0 : -1;
            if (a) {
                json_array_append(a, old);
                json_array_append_new(a, v);
                rc = json_object_set_new(o, c->name, a);
            } else {
                json_decref(v);
            }
        }
        if (rc != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

uc_status aws_query_xml_to_json(const char *xml, size_t len, const char *operation,
                                json_t **out, char *request_id, size_t rid_len)
{
    *out = NULL;
    if (request_id && rid_len)
        request_id[0] = '\0';
    if (len == 0) {
        *out = json_object();
        return *out ? UC_OK : UC_NOMEM;
    }
    struct xdoc d;
    uc_status st = doc_parse(&d, xml, len);
    if (st != UC_OK)
        goto out;
    if (request_id && rid_len)
        text_of(&d, find(child(d.root, "ResponseMetadata"), "RequestId", 0), request_id,
                rid_len);
    char rname[128];
    snprintf(rname, sizeof(rname), "%sResult", operation);
    struct xnode *res = child(d.root, rname);
    json_t *j = res ? convert(&d, res, 0) : json_object();
    if (!j) {
        st = res ? UC_DECODE : UC_NOMEM;
        goto out;
    }
    if (!json_is_object(j)) { /* <XResult/> or text only */
        json_decref(j);
        j = json_object();
        if (!j) {
            st = UC_NOMEM;
            goto out;
        }
    }
    *out = j;
out:
    doc_release(&d);
    return st;
}

void aws_query_xml_error(const char *xml, size_t len, struct aws_error *err)
{
    if (!err)
        return;
    struct xdoc d;
    if (doc_parse(&d, xml, len) != UC_OK)
        goto out;
    struct xnode *e = find(d.root, "Error", 0);
    if (e) {
        text_of(&d, child(e, "Code"), err->code, sizeof(err->code));
        text_of(&d, child(e, "Message"), err->message, sizeof(err->message));
    }
    char rid[128];
    text_of(&d, find(d.root, "RequestId", 0), rid, sizeof(rid));
    if (rid[0])
        snprintf(err->request_id, sizeof(err->request_id), "%s", rid);
out:
    doc_release(&d);
}
