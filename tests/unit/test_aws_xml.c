/* test_aws_xml.c - the Query XML decoder (provider/aws/xml.c) on its own: namespaces, CDATA,
 * character references, maps, repeated elements, percent-encoded policies, and the documents it
 * must refuse (DOCTYPE / entities, unbalanced, too deep) without crashing or expanding anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../provider/aws/aws_internal.h"

static json_t *decode(const char *xml, const char *op, uc_status want, char *rid, size_t rl)
{
    json_t *out = NULL;
    assert_int_equal(aws_query_xml_to_json(xml, strlen(xml), op, &out, rid, rl), want);
    if (want != UC_OK)
        assert_null(out);
    return out;
}

static const char *str_at(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void test_shapes(void **state)
{
    (void)state;
    char rid[64];
    json_t *j = decode(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<x:ListThingsResponse xmlns:x=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
        "<x:ListThingsResult>"
        "  <Name><![CDATA[a<b>&c]]></Name>\n"
        "  <Quoted>caf&#xE9; &lt;1&gt; &amp; &quot;q&quot;</Quoted>\n"
        "  <Items><member>one</member><member>two</member></Items>\n"
        "  <Attrs><entry><key>k1</key><value>v1</value></entry>"
        "<entry><key> k2 </key><value><Deep>d</Deep></value></entry></Attrs>\n"
        "  <Rep>1</Rep><Rep>2</Rep><Rep>3</Rep>\n"
        "  <PolicyDocument>%7B%22a%22%3A1%7D</PolicyDocument>\n"
        "  <Document>{\"plain\": \"100%\"}</Document>\n"
        "  <Empty/>\n"
        "</x:ListThingsResult>"
        "<x:ResponseMetadata><x:RequestId> rid-1 </x:RequestId></x:ResponseMetadata>"
        "</x:ListThingsResponse>",
        "ListThings", UC_OK, rid, sizeof rid);
    assert_string_equal(rid, "rid-1");
    assert_string_equal(str_at(j, "Name"), "a<b>&c");
    assert_string_equal(str_at(j, "Quoted"), "caf\xc3\xa9 <1> & \"q\"");
    json_t *items = json_object_get(j, "Items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(json_string_value(json_array_get(items, 1)), "two");
    json_t *attrs = json_object_get(j, "Attrs");
    assert_string_equal(str_at(attrs, "k1"), "v1");
    assert_string_equal(str_at(json_object_get(attrs, "k2"), "Deep"), "d");
    json_t *rep = json_object_get(j, "Rep");
    assert_int_equal(json_array_size(rep), 3);
    assert_string_equal(json_string_value(json_array_get(rep, 2)), "3");
    assert_string_equal(str_at(j, "PolicyDocument"), "{\"a\":1}");
    assert_string_equal(str_at(j, "Document"), "{\"plain\": \"100%\"}");
    assert_string_equal(str_at(j, "Empty"), "");
    json_decref(j);

    /* No <OpResult>: an empty object; an empty body too. */
    j = decode("<TagRoleResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
               "</TagRoleResponse>",
               "TagRole", UC_OK, rid, sizeof rid);
    assert_int_equal(json_object_size(j), 0);
    assert_string_equal(rid, "r");
    json_decref(j);
    json_t *out = NULL;
    assert_int_equal(aws_query_xml_to_json("", 0, "X", &out, NULL, 0), UC_OK);
    assert_true(json_is_object(out));
    json_decref(out);
}

static void test_refused(void **state)
{
    (void)state;
    char rid[8];
    decode("<A><AResult>", "A", UC_DECODE, rid, sizeof rid);
    decode("<A><AResult></A>", "A", UC_DECODE, rid, sizeof rid);
    decode("not xml at all", "A", UC_DECODE, rid, sizeof rid);
    decode("<A/><B/>", "A", UC_DECODE, rid, sizeof rid);
    /* Entities are never declared, let alone expanded: any DOCTYPE is refused. */
    decode("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">"
           "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
           "<AResponse><AResult><N>&b;</N></AResult></AResponse>",
           "A", UC_DECODE, rid, sizeof rid);
    decode("<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><AResponse><AResult><N>&x;</N></AResult>"
           "</AResponse>",
           "A", UC_DECODE, rid, sizeof rid);
    /* Deeper than the converter goes: refused, not a stack overflow. */
    char deep[8192];
    size_t n = (size_t)snprintf(deep, sizeof deep, "<AResponse><AResult>");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "<d>");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "</d>");
    snprintf(deep + n, sizeof deep - n, "</AResult></AResponse>");
    decode(deep, "A", UC_DECODE, rid, sizeof rid);
    /* A long request id is cut to the caller's buffer. */
    json_t *j = decode("<AResponse><ResponseMetadata><RequestId>0123456789</RequestId>"
                       "</ResponseMetadata></AResponse>",
                       "A", UC_OK, rid, sizeof rid);
    assert_string_equal(rid, "0123456");
    json_decref(j);
}

static void test_errors(void **state)
{
    (void)state;
    struct aws_error err;
    aws_error_clear(&err);
    const char *body = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                       "<Error><Type>Sender</Type><Code> ExpiredToken </Code>"
                       "<Message>The security token &amp; more</Message></Error>"
                       "<RequestId>rq-9</RequestId></ErrorResponse>";
    aws_query_xml_error(body, strlen(body), &err);
    assert_string_equal(err.code, "ExpiredToken");
    assert_string_equal(err.message, "The security token & more");
    assert_string_equal(err.request_id, "rq-9");

    aws_error_clear(&err);
    const char *html = "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>";
    aws_query_xml_error(html, strlen(html), &err);
    assert_string_equal(err.code, "");
    aws_query_xml_error(NULL, 0, &err);
    assert_string_equal(err.code, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("aws_xml", tests, NULL, NULL);
}
