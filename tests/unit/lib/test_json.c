// SPDX-License-Identifier: GPL-2.0
/* JSON strings stay valid JSON whatever bytes they hold: checked by Python's json module as the parser. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd_capture.h"
#include "lib/json.h"
#include "unit.h"

/* Writes s with json_string into a file and has python3 decode it and print the code points in hex. */
static char *python_decode(const char *s)
{
	char path[] = "/tmp/gotrace-json-XXXXXX", cmd[256];
	struct cmd_output out;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	char *res = NULL;

	json_string(f, s);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; print(\" \".join(\"%%x\" %% ord(c) for c in json.load(open(sys.argv[1]))))' %s",
		 path);
	if (cmd_capture(cmd, &out) == 0 && out.status == 0)
		res = strdup(out.out);
	cmd_output_free(&out);
	unlink(path);
	return res;
}

TEST(plain_quotes_backslash_and_controls)
{
	char *r = python_decode("a\"b\\c\n\t\x01");

	CHECK(r);
	CHECK_STR(r, "61 22 62 5c 63 a 9 1\n");
	free(r);
}

TEST(valid_utf8_is_kept)
{
	char *r = python_decode("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");	/* e-acute, euro, emoji */

	CHECK(r);
	CHECK_STR(r, "e9 20ac 1f600\n");
	free(r);
}

TEST(invalid_utf8_is_escaped_byte_by_byte)
{
	char *r = python_decode("x\xff\xc3(\xe2\x82");	/* stray, truncated, truncated at end */

	CHECK(r);
	CHECK_STR(r, "78 ff c3 28 e2 82\n");
	free(r);
}

TEST(object_commas)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_obj o;

	json_begin(&o, f);
	json_kv_str(&o, "a", "x");
	json_kv_u64(&o, "b", 18446744073709551615ull);
	json_kv_i64(&o, "c", -5);
	json_kv_bool(&o, "d", true);
	json_kv_double(&o, "e", 0.5);
	json_end(&o);
	fclose(f);
	CHECK_STR(buf, "{\"a\":\"x\",\"b\":18446744073709551615,\"c\":-5,\"d\":true,\"e\":0.5}");
	free(buf);
}
