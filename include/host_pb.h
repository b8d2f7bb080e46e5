/* host_pb.h - protobuf-c glue shared by the protocol adapters: arena allocator, bounded
 * unpacking of a request, packing of a response into the RPC.
 *
 * Everything decoded or packed lives in the RPC's arena (no protobuf_c_message_free_unpacked
 * anywhere). Thread-safe: state is per call.
 */
#ifndef HOST_PB_H
#define HOST_PB_H

#include <protobuf-c/protobuf-c.h>

#include "host_core.h"
#include "host_server.h"
#include "tf_diag.h"
#include "uc_status.h"

/* Decodes the RPC's request as desc; on malformed bytes, or a string field (at any depth) that
 * is not UTF-8 text without NUL, sets rpc's status INVALID_ARGUMENT (naming the method and the
 * field, never echoing the bytes) and returns NULL. So every char * in the result is the whole
 * field and valid UTF-8. The message is arena memory. */
ProtobufCMessage *host_pb_unpack(struct host_rpc *rpc, const ProtobufCMessageDescriptor *desc);

/* Packs msg as the RPC's response. When st is not UC_OK (out of memory in the core) the call
 * fails with INTERNAL instead. */
void host_pb_reply(struct host_rpc *rpc, const ProtobufCMessage *msg, uc_status st);

/* Borrowed views of protobuf byte fields as core types. */
struct host_bytes host_pb_bytes(ProtobufCBinaryData b);
/* Fills dv from a DynamicValue's two byte fields; either pointer may be NULL (unset = null). */
void host_pb_dv(struct host_dv *dv, const ProtobufCBinaryData *msgpack,
                const ProtobufCBinaryData *json);
/* A ProtobufCBinaryData view of core bytes. */
ProtobufCBinaryData host_pb_bin(struct host_bytes b);

/* s itself (borrowed), or "" for NULL. */
const char *host_pb_str(const char *s);
/* Text for a response string: s itself when valid UTF-8, else a repaired arena copy (U+FFFD for
 * each bad byte); "" for NULL or out of memory. Terraform cannot decode a response with invalid
 * UTF-8 in a string, so text from outside (AWS messages, user values) goes through this. */
const char *host_pb_text(struct uc_arena *a, const char *s);

/* Logs a finished RPC at DEBUG (method, diagnostics count). */
void host_pb_log_diags(const struct host_rpc *rpc, const struct tf_diags *d);

#endif
