/* cluster_upgrade.c - the in-place Kubernetes upgrade of unicron_cluster: one minor at a time,
 * each step the control plane (UpdateClusterVersion) and then every node group
 * (UpdateNodegroupVersion, in parallel), each update waited until Successful, so that EKS never
 * sees a control-plane step while a node group lags and no call of ours meets ResourceInUse.
 *
 * Sequencing only; the waits and node group calls are cluster_eks.c's and cluster_nodegroups.c's.
 */
#include <stdio.h>
#include <string.h>

#include "aws_eks.h"
#include "res_aws_diag.h"
#include "res_cluster.h"
#include "res_validate.h"

static bool control_plane_step(const struct res_cluster_op *op, const char *version,
                               struct tf_diags *d)
{
    struct aws_error err;
    json_t *body = json_pack("{s:s}", "version", version), *out = NULL;
    aws_error_clear(&err);
    uc_status st = body ? aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_UPDATE_CLUSTER_VERSION,
                                        &op->name, 1, NULL, body, &op->opts, &out, &err)
                        : aws_error_set(&err, UC_NOMEM, "eks", "UpdateClusterVersion",
                                        "no memory");
    if (st == UC_OK)
        st = res_cluster_wait_update(op, NULL, out, &err);
    json_decref(body);
    json_decref(out);
    if (st != UC_OK) {
        struct tf_path p = tf_path_attr(NULL, "kubernetes_version");
        char where[256];
        snprintf(where, sizeof where, "Upgrading the control plane of cluster %s (account %s) "
                                      "to Kubernetes %s", op->name, op->account_id, version);
        res_aws_diag(d, &p, where, &err);
        return false;
    }
    return true;
}

bool res_cluster_upgrade(const struct res_cluster_op *op, int from, int to,
                         const char *const *eks_names, const char *const *ng_versions, size_t n,
                         struct tf_diags *d)
{
    for (int m = from + 1; m <= to; m++) {
        char version[16];
        snprintf(version, sizeof version, "1.%d", m);
        if (!control_plane_step(op, version, d))
            return false;
        struct res_ng_work *ws = n ? uc_arena_calloc(d->arena, n, sizeof *ws) : NULL;
        size_t nw = 0;
        if (n > 0 && (ws == NULL || !res_ng_works_init(ws, n, op))) {
            res_ng_works_release(ws, n);
            tf_diag_error(d, NULL, "Out of memory", "Upgrading unicron_cluster ran out of memory.");
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            int have = 0;
            /* already there (an interrupted upgrade that is resumed): skip */
            if (ng_versions && ng_versions[i] && res_parse_k8s_version(ng_versions[i], &have) &&
                have >= m)
                continue;
            ws[nw].step = RES_NG_VERSION;
            ws[nw].index = i;
            ws[nw].name = eks_names[i];
            ws[nw].eks_name = eks_names[i];
            ws[nw].version = uc_arena_strdup(ws[nw].arena, version);
            nw++;
        }
        res_ng_works_run(ws, nw, d);
        bool ok = true;
        for (size_t i = 0; i < nw; i++)
            ok &= ws[i].ok;
        res_ng_works_release(ws, n);
        if (!ok)
            return false;
    }
    return true;
}
