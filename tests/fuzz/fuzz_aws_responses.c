/* fuzz_aws_responses.c - libFuzzer target for every decoder of AWS answers and files: Query XML
 * success bodies (-> JSON) and error bodies, the error shapes of all four protocols (JSON body,
 * REST with x-amzn-ErrorType, XML), credentials JSON (container / IMDS / credential_process),
 * ISO-8601 timestamps and shared config / credentials files. The first input byte picks the
 * decoder; the rest is the input. Any crash, leak or sanitizer report is a finding.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../provider/aws/aws_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned which = data[0] % 6;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    char *z = malloc(len + 1); /* NUL-terminated copy for the string decoders */
    if (!z)
        return 0;
    memcpy(z, text, len);
    z[len] = '\0';

    switch (which) {
    case 0: {
        json_t *out = NULL;
        char rid[128];
        if (aws_query_xml_to_json(text, len, "GetRole", &out, rid, sizeof rid) == UC_OK)
            json_decref(out);
        break;
    }
    case 1: {
        struct aws_error err;
        aws_error_clear(&err);
        aws_query_xml_error(text, len, &err);
        break;
    }
    case 2: {
        /* Error shapes of the JSON, REST and Query protocols from one response. */
        struct aws_http_response resp;
        aws_http_response_init(&resp);
        resp.status = 400;
        /* The first line doubles as the x-amzn-ErrorType header value. */
        const char *nl = memchr(z, '\n', len);
        if (nl) {
            char *hdr = strndup(z, (size_t)(nl - z));
            if (hdr) {
                aws_headers_add(&resp.headers, "x-amzn-ErrorType", hdr);
                free(hdr);
            }
        }
        uc_buf_append(&resp.body, text, len);
        for (int proto = AWS_PROTO_JSON; proto <= AWS_PROTO_PLAIN; proto++) {
            struct aws_error err;
            aws_error_clear(&err);
            aws_parse_error((enum aws_protocol)proto, &resp, &err);
        }
        aws_http_response_release(&resp);
        break;
    }
    case 3: {
        json_error_t jerr;
        json_t *j = json_loadb(text, len, 0, &jerr);
        if (j) {
            struct aws_credentials *creds = NULL;
            struct aws_error err;
            aws_error_clear(&err);
            if (aws_creds_from_json(j, "fuzz", &creds, &err) == UC_OK)
                aws_credentials_unref(creds);
            json_decref(j);
        }
        break;
    }
    case 4: {
        int64_t ms = 0;
        (void)aws_parse_iso8601_ms(z, &ms);
        break;
    }
    case 5: {
        struct aws_profiles ps;
        aws_profiles_init(&ps);
        (void)aws_profiles_parse(&ps, text, len, (len & 1) != 0);
        const struct aws_profile *p = aws_profiles_find(&ps, "default");
        if (p)
            (void)aws_profile_get(p, "region");
        aws_profiles_release(&ps);
        break;
    }
    }
    free(z);
    return 0;
}
