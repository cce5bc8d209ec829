// SPDX-License-Identifier: GPL-2.0
/* JSON output helpers. The output is consumed by programs (jq, tests, `gotrace report -i`), so every string is
 * escaped to be valid JSON whatever bytes it holds (process names and reasons come from the target). */
#include <math.h>

#include "lib/json.h"

/* Length of a valid UTF-8 sequence at s, or 0 when the bytes are not one. */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	fputc('"', out);
	while (*s) {
		int n = utf8_len(s);

		if (*s == '"' || *s == '\\') {
			fputc('\\', out);
			fputc(*s, out);
		} else if (*s < 0x20 || n == 0) {
			fprintf(out, "\\u%04x", *s);
			n = 1;
		} else {
			fwrite(s, 1, n, out);
		}
		s += n ? n : 1;
	}
	fputc('"', out);
}

void json_begin(struct json_obj *o, FILE *out)
{
	o->out = out;
	o->first = true;
	fputc('{', out);
}

void json_end(struct json_obj *o)
{
	fputc('}', o->out);
}

void json_key(struct json_obj *o, const char *key)
{
	if (!o->first)
		fputc(',', o->out);
	o->first = false;
	json_string(o->out, key);
	fputc(':', o->out);
}

void json_kv_str(struct json_obj *o, const char *key, const char *value)
{
	json_key(o, key);
	json_string(o->out, value);
}

void json_kv_u64(struct json_obj *o, const char *key, uint64_t value)
{
	json_key(o, key);
	fprintf(o->out, "%llu", (unsigned long long)value);
}

void json_kv_i64(struct json_obj *o, const char *key, int64_t value)
{
	json_key(o, key);
	fprintf(o->out, "%lld", (long long)value);
}

void json_kv_bool(struct json_obj *o, const char *key, bool value)
{
	json_key(o, key);
	fputs(value ? "true" : "false", o->out);
}

void json_kv_double(struct json_obj *o, const char *key, double value)
{
	json_key(o, key);
	if (isfinite(value))
		fprintf(o->out, "%.6g", value);
	else
		fputs("null", o->out);
}
