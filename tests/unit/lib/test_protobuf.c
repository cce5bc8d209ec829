// SPDX-License-Identifier: GPL-2.0
/* The protobuf writer against encodings worked out by hand from the wire format's rules (and, for the nested
 * message, the example of protobuf's own encoding guide: field 3 holding 150 encodes as 1a 03 08 96 01). */
#include <string.h>

#include "lib/protobuf.h"
#include "unit.h"

static bool bytes_are(const struct pbuf *b, const uint8_t *want, size_t n)
{
	return !b->failed && b->len == n && memcmp(b->data, want, n) == 0;
}

TEST(scalars_and_their_defaults)
{
	struct pbuf b = { 0 };
	static const uint8_t want[] = {
		0x08, 0x96, 0x01,						/* 1: 150 */
		0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,	/* 2: int64 -1 */
		0x19, 1, 0, 0, 0, 0, 0, 0, 0,					/* 3: fixed64 1 */
		0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,				/* 4: double 1.0 */
		0x29, 0, 0, 0, 0, 0, 0, 0, 0,					/* 5: double 0 written */
		0x32, 2, 'h', 'i',						/* 6: "hi" */
	};

	pb_put_uint(&b, 1, 150);
	pb_put_uint(&b, 9, 0);		/* defaults are left out */
	pb_put_int(&b, 9, 0);
	pb_put_fixed64(&b, 9, 0);
	pb_put_double(&b, 9, 0.0);
	pb_put_string(&b, 9, "");
	pb_put_string(&b, 9, NULL);
	pb_put_int(&b, 2, -1);
	pb_put_fixed64(&b, 3, 1);
	pb_put_double(&b, 4, 1.0);
	pb_put_double_always(&b, 5, 0.0);
	pb_put_string(&b, 6, "hi");
	CHECK(bytes_are(&b, want, sizeof(want)));
	pb_free(&b);
}

TEST(packed_and_nested)
{
	struct pbuf outer = { 0 }, inner = { 0 };
	static const uint8_t want[] = {
		0x0a, 3, 1, 0x96, 0x01,				/* 1: packed uint32 {1, 150} */
		0x12, 11, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,	/* 2: int32 {127, -1} */
		0x1a, 16, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,	/* 3: fixed64 {1, 2} */
		0x22, 3, 0x08, 0x96, 0x01,			/* 4: message { 1: 150 } */
		0x2a, 0,					/* 5: an empty message is still there */
	};
	static const uint32_t u[] = { 1, 150 };
	static const int32_t i[] = { 127, -1 };
	static const uint64_t f[] = { 1, 2 };

	pb_put_packed_u32(&outer, 1, u, 2);
	pb_put_packed_i32(&outer, 2, i, 2);
	pb_put_packed_fixed64(&outer, 3, f, 2);
	pb_put_packed_i64(&outer, 9, NULL, 0);	/* nothing for an empty list */
	pb_put_uint(&inner, 1, 150);
	pb_put_message(&outer, 4, &inner);
	CHECK(inner.len == 0);
	pb_put_message(&outer, 5, &inner);
	CHECK(bytes_are(&outer, want, sizeof(want)));
	pb_free(&outer);
	pb_free(&inner);
}
