/* cluster_kubeconfig.c - the kubeconfig unicron_cluster outputs: the cluster's endpoint and CA,
 * and exec authentication through `aws eks get-token` for this cluster, region and role.
 *
 * Pure text building: no AWS call, and never a token, key or other secret in the output.
 */
#include <string.h>

#include "res_cluster.h"
#include "uc_buf.h"

/* A YAML double-quoted scalar of s (escapes \ and "; control characters dropped). */
static void quoted(struct uc_buf *b, const char *s)
{
    uc_buf_puts(b, "\"");
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            uc_buf_printf(b, "\\%c", *s);
        else if ((unsigned char)*s >= 0x20)
            uc_buf_printf(b, "%c", *s);
    }
    uc_buf_puts(b, "\"");
}

char *res_cluster_kubeconfig(struct uc_arena *a, const char *name, const char *arn,
                             const char *endpoint, const char *ca_data, const char *region,
                             const char *role_arn)
{
    if (endpoint == NULL || name == NULL)
        return NULL;
    const char *id = arn && *arn ? arn : name;
    struct uc_buf b;
    uc_buf_init(&b);
    uc_buf_puts(&b, "apiVersion: v1\nkind: Config\nclusters:\n- name: ");
    quoted(&b, id);
    uc_buf_puts(&b, "\n  cluster:\n    server: ");
    quoted(&b, endpoint);
    if (ca_data != NULL && *ca_data) {
        uc_buf_puts(&b, "\n    certificate-authority-data: ");
        quoted(&b, ca_data);
    }
    uc_buf_puts(&b, "\ncontexts:\n- name: ");
    quoted(&b, id);
    uc_buf_puts(&b, "\n  context:\n    cluster: ");
    quoted(&b, id);
    uc_buf_puts(&b, "\n    user: ");
    quoted(&b, id);
    uc_buf_puts(&b, "\ncurrent-context: ");
    quoted(&b, id);
    uc_buf_puts(&b, "\nusers:\n- name: ");
    quoted(&b, id);
    uc_buf_puts(&b, "\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1"
                    "\n      command: aws\n      args:\n      - eks\n      - get-token\n"
                    "      - --cluster-name\n      - ");
    quoted(&b, name);
    if (region != NULL && *region) {
        uc_buf_puts(&b, "\n      - --region\n      - ");
        quoted(&b, region);
    }
    if (role_arn != NULL && *role_arn) {
        uc_buf_puts(&b, "\n      - --role-arn\n      - ");
        quoted(&b, role_arn);
    }
    uc_buf_puts(&b, "\n      interactiveMode: IfAvailable\n");
    if (region != NULL && *region) {
        uc_buf_puts(&b, "      env:\n      - name: AWS_REGION\n        value: ");
        quoted(&b, region);
        uc_buf_puts(&b, "\n");
    }
    char *out = b.err == UC_OK ? uc_arena_strdup(a, uc_buf_str(&b)) : NULL;
    uc_buf_release(&b);
    return out;
}
