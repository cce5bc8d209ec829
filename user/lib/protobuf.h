/* SPDX-License-Identifier: GPL-2.0 */
/* A protocol buffers writer: the wire format of the encoders (pprof's profile.proto, OTLP's metrics and
 * profiles). Fields are appended to a growable buffer; a nested message is written into a buffer of its own first,
 * because its length precedes it, then appended whole with pb_put_message. An allocation failure is sticky: one
 * check of pb->failed at the end instead of one per field. */
#ifndef GOTRACE_PROTOBUF_H
#define GOTRACE_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pbuf {
	uint8_t *data;
	size_t len, cap;
	bool failed;
};

void pb_free(struct pbuf *b);

/* Zero is the default of every scalar field: these leave a zero out, as protobuf encoders do. */
void pb_put_uint(struct pbuf *b, int field, uint64_t v);			/* uint32, uint64, enum, bool */
void pb_put_int(struct pbuf *b, int field, int64_t v);			/* int32, int64 (not sint) */
void pb_put_fixed64(struct pbuf *b, int field, uint64_t v);		/* fixed64, sfixed64 */
void pb_put_double(struct pbuf *b, int field, double v);

/* Written even when zero: a field of a oneof, or "optional" (present when set). */
void pb_put_double_always(struct pbuf *b, int field, double v);
void pb_put_int_always(struct pbuf *b, int field, int64_t v);

/* string, bytes; a NULL or empty string is left out. */
void pb_put_bytes(struct pbuf *b, int field, const void *data, size_t len);
void pb_put_string(struct pbuf *b, int field, const char *s);

/* Packed repeated scalars (proto3's default encoding); nothing when n is 0. */
void pb_put_packed_fixed64(struct pbuf *b, int field, const uint64_t *v, size_t n);
void pb_put_packed_double(struct pbuf *b, int field, const double *v, size_t n);
void pb_put_packed_u32(struct pbuf *b, int field, const uint32_t *v, size_t n);		/* uint32 */
void pb_put_packed_i32(struct pbuf *b, int field, const int32_t *v, size_t n);		/* int32 */
void pb_put_packed_i64(struct pbuf *b, int field, const int64_t *v, size_t n);		/* int64 */

/* Appends the message in inner as field of outer (also an empty one: its presence can matter) and empties inner
 * for reuse, keeping its memory. */
void pb_put_message(struct pbuf *outer, int field, struct pbuf *inner);

#endif
