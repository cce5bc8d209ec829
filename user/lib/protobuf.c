// SPDX-License-Identifier: GPL-2.0
/* The protocol buffers wire format (protobuf.h): varints, 64-bit fixed and length-delimited fields. */
#include <stdlib.h>
#include <string.h>

#include "lib/protobuf.h"

enum wire_type { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_BYTES = 2 };

void pb_free(struct pbuf *b)
{
	free(b->data);
	*b = (struct pbuf){ 0 };
}

static bool reserve(struct pbuf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *data;

	if (b->failed)
		return false;
	if (b->len + extra <= b->cap)
		return true;
	while (cap < b->len + extra)
		cap *= 2;
	data = realloc(b->data, cap);
	if (!data) {
		b->failed = true;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

static void put_varint(struct pbuf *b, uint64_t v)
{
	if (!reserve(b, 10))
		return;
	while (v >= 0x80) {
		b->data[b->len++] = (uint8_t)v | 0x80;
		v >>= 7;
	}
	b->data[b->len++] = (uint8_t)v;
}

static void put_raw64(struct pbuf *b, uint64_t v)
{
	if (!reserve(b, 8))
		return;
	for (int i = 0; i < 8; i++)	/* little-endian, whatever the host */
		b->data[b->len++] = (uint8_t)(v >> (8 * i));
}

static void put_tag(struct pbuf *b, int field, enum wire_type wire)
{
	put_varint(b, (uint64_t)field << 3 | wire);
}

static uint64_t double_bits(double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	return bits;
}

void pb_put_uint(struct pbuf *b, int field, uint64_t v)
{
	if (v)
		pb_put_int_always(b, field, (int64_t)v);
}

void pb_put_int(struct pbuf *b, int field, int64_t v)
{
	if (v)
		pb_put_int_always(b, field, v);
}

/* A negative int64 is its two's complement as a ten-byte varint. */
void pb_put_int_always(struct pbuf *b, int field, int64_t v)
{
	put_tag(b, field, WIRE_VARINT);
	put_varint(b, (uint64_t)v);
}

void pb_put_fixed64(struct pbuf *b, int field, uint64_t v)
{
	if (!v)
		return;
	put_tag(b, field, WIRE_FIXED64);
	put_raw64(b, v);
}

void pb_put_double(struct pbuf *b, int field, double v)
{
	if (v != 0 || double_bits(v))	/* -0.0 is not the default */
		pb_put_double_always(b, field, v);
}

void pb_put_double_always(struct pbuf *b, int field, double v)
{
	put_tag(b, field, WIRE_FIXED64);
	put_raw64(b, double_bits(v));
}

void pb_put_bytes(struct pbuf *b, int field, const void *data, size_t len)
{
	put_tag(b, field, WIRE_BYTES);
	put_varint(b, len);
	if (len && reserve(b, len)) {
		memcpy(b->data + b->len, data, len);
		b->len += len;
	}
}

void pb_put_string(struct pbuf *b, int field, const char *s)
{
	if (s && *s)
		pb_put_bytes(b, field, s, strlen(s));
}

void pb_put_packed_fixed64(struct pbuf *b, int field, const uint64_t *v, size_t n)
{
	if (!n)
		return;
	put_tag(b, field, WIRE_BYTES);
	put_varint(b, n * 8);
	for (size_t i = 0; i < n; i++)
		put_raw64(b, v[i]);
}

void pb_put_packed_double(struct pbuf *b, int field, const double *v, size_t n)
{
	if (!n)
		return;
	put_tag(b, field, WIRE_BYTES);
	put_varint(b, n * 8);
	for (size_t i = 0; i < n; i++)
		put_raw64(b, double_bits(v[i]));
}

static size_t varint_size(uint64_t v)
{
	size_t n = 1;

	for (; v >= 0x80; v >>= 7)
		n++;
	return n;
}

enum varint_kind { U32, I32, I64 };

/* int32's and int64's negative values are sign-extended to 64 bits on the wire. */
static uint64_t varint_at(const void *v, size_t i, enum varint_kind k)
{
	switch (k) {
	case U32:
		return ((const uint32_t *)v)[i];
	case I32:
		return (uint64_t)(int64_t)((const int32_t *)v)[i];
	default:
		return (uint64_t)((const int64_t *)v)[i];
	}
}

static void put_packed_varints(struct pbuf *b, int field, const void *v, size_t n, enum varint_kind k)
{
	size_t bytes = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		bytes += varint_size(varint_at(v, i, k));
	put_tag(b, field, WIRE_BYTES);
	put_varint(b, bytes);
	for (size_t i = 0; i < n; i++)
		put_varint(b, varint_at(v, i, k));
}

void pb_put_packed_u32(struct pbuf *b, int field, const uint32_t *v, size_t n)
{
	put_packed_varints(b, field, v, n, U32);
}

void pb_put_packed_i32(struct pbuf *b, int field, const int32_t *v, size_t n)
{
	put_packed_varints(b, field, v, n, I32);
}

void pb_put_packed_i64(struct pbuf *b, int field, const int64_t *v, size_t n)
{
	put_packed_varints(b, field, v, n, I64);
}

void pb_put_message(struct pbuf *outer, int field, struct pbuf *inner)
{
	pb_put_bytes(outer, field, inner->data, inner->len);
	outer->failed |= inner->failed;
	inner->len = 0;
	inner->failed = false;
}
