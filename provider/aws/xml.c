/* xml.c - awsQuery responses (STS, IAM): libxml2 parses, this file turns the tree into JSON and
 * pulls code/message/request id out of <ErrorResponse>.
 *
 * Parsing never touches the network or the file system (no DTD loading, no entity expansion)
 * and never prints: libxml2's error output is switched off per document. Depth is bounded.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aws_internal.h"

#define MAX_DEPTH 64

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

static xmlDocPtr parse(const char *xml, size_t len)
{
    pthread_once(&xml_once, xml_init);
    if (!xml || len == 0 || len > INT32_MAX)
        return NULL;
    return xmlReadMemory(xml, (int)len, "aws.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                             XML_PARSE_NOCDATA);
}

static bool name_is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (name_is(c, name))
            return c;
    return NULL;
}

/* Depth-first search for the first element called name. */
static xmlNode *find(xmlNode *n, const char *name, int depth)
{
    if (!n || depth > MAX_DEPTH)
        return NULL;
    if (name_is(n, name))
        return n;
    for (xmlNode *c = n->children; c; c = c->next) {
        xmlNode *f = find(c, name, depth + 1);
        if (f)
            return f;
    }
    return NULL;
}

static void text_of(const xmlNode *n, char *out, size_t cap)
{
    out[0] = '\0';
    if (!n)
        return;
    xmlChar *t = xmlNodeGetContent(n);
    if (!t)
        return;
    size_t l = strlen((const char *)t);
    size_t b = 0;
    while (b < l && (t[b] == ' ' || t[b] == '\n' || t[b] == '\r' || t[b] == '\t'))
        b++;
    while (l > b && (t[l - 1] == ' ' || t[l - 1] == '\n' || t[l - 1] == '\r' || t[l - 1] == '\t'))
        l--;
    size_t n2 = l - b < cap - 1 ? l - b : cap - 1;
    memcpy(out, t + b, n2);
    out[n2] = '\0';
    xmlFree(t);
}

static bool is_policy_document(const char *name)
{
    return strcmp(name, "AssumeRolePolicyDocument") == 0 || strcmp(name, "PolicyDocument") == 0 ||
           strcmp(name, "Document") == 0;
}

static json_t *leaf(const xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    const char *s = t ? (const char *)t : "";
    json_t *v = NULL;
    size_t sl = strlen(s);
    size_t b = 0;
    while (b < sl && (s[b] == ' ' || s[b] == '\n' || s[b] == '\r' || s[b] == '\t'))
        b++;
    if (is_policy_document((const char *)n->name) && s[b] != '{' && strchr(s, '%')) {
        /* IAM returns policy documents percent-encoded (RFC 3986): decode. */
        struct uc_buf d;
        uc_buf_init_max(&d, AWS_HTTP_MAX_BODY);
        if (aws_uri_decode(&d, s, sl) == UC_OK)
            v = json_stringn(d.data ? d.data : "", d.len);
        uc_buf_release(&d);
    } else {
        v = json_string(s);
    }
    if (!v) /* not UTF-8: keep the bytes visible rather than failing the whole call */
        v = json_stringn_nocheck(s, sl);
    if (t)
        xmlFree(t);
    return v;
}

static json_t *convert(const xmlNode *n, int depth)
{
    if (depth > MAX_DEPTH)
        return NULL;
    size_t elems = 0, members = 0, entries = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        elems++;
        if (name_is(c, "member"))
            members++;
        else if (name_is(c, "entry"))
            entries++;
    }
    if (elems == 0)
        return leaf(n);
    if (members == elems) {
        json_t *a = json_array();
        for (const xmlNode *c = n->children; a && c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE)
                continue;
            json_t *v = convert(c, depth + 1);
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
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (entries == elems) { /* map: <entry><key>k</key><value>v</value></entry> */
            char key[1024];
            text_of(child(c, "key"), key, sizeof(key));
            xmlNode *val = child(c, "value");
            json_t *v = val ? convert(val, depth + 1) : json_string("");
            if (!v || json_object_set_new(o, key, v) != 0) {
                json_decref(o);
                return NULL;
            }
            continue;
        }
        json_t *v = convert(c, depth + 1);
        if (!v) {
            json_decref(o);
            return NULL;
        }
        const char *k = (const char *)c->name;
        json_t *old = json_object_get(o, k);
        int rc;
        if (!old) {
            rc = json_object_set_new(o, k, v);
        } else if (json_is_array(old)) {
            rc = json_array_append_new(old, v);
        } else { /* a repeated element: make it a list */
            json_t *a = json_array();
            rc = a ? 0 : -1;
            if (a) {
                json_array_append(a, old);
                json_array_append_new(a, v);
                rc = json_object_set_new(o, k, a);
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
    xmlDocPtr doc = parse(xml, len);
    if (!doc)
        return UC_DECODE;
    uc_status st = UC_OK;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root) {
        st = UC_DECODE;
        goto out;
    }
    if (request_id && rid_len)
        text_of(find(child(root, "ResponseMetadata"), "RequestId", 0), request_id, rid_len);
    char rname[128];
    snprintf(rname, sizeof(rname), "%sResult", operation);
    xmlNode *res = child(root, rname);
    json_t *j = res ? convert(res, 0) : json_object();
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
    xmlFreeDoc(doc);
    return st;
}

void aws_query_xml_error(const char *xml, size_t len, struct aws_error *err)
{
    if (!err)
        return;
    xmlDocPtr doc = parse(xml, len);
    if (!doc)
        return;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *e = find(root, "Error", 0);
    if (e) {
        text_of(child(e, "Code"), err->code, sizeof(err->code));
        text_of(child(e, "Message"), err->message, sizeof(err->message));
    }
    char rid[128];
    text_of(find(root, "RequestId", 0), rid, sizeof(rid));
    if (rid[0])
        snprintf(err->request_id, sizeof(err->request_id), "%s", rid);
    xmlFreeDoc(doc);
}
