// SPDX-License-Identifier: GPL-2.0
/* Strict UTF-8 decoding: every length with its code point, and each kind of malformed byte refused, since the
 * writers turn a refusal into U+FFFD and trust an acceptance to be valid in XML and JSON. */
#include <stdint.h>

#include "lib/utf8.h"
#include "unit.h"

TEST(each_length_decodes_to_its_code_point)
{
	uint32_t cp = 0;

	CHECK(utf8_decode("a", &cp) == 1 && cp == 'a');
	CHECK(utf8_decode("", &cp) == 1 && cp == 0);		/* the terminator is a character: callers stop on it */
	CHECK(utf8_decode("\xc3\xa9", &cp) == 2 && cp == 0xe9);	/* é */
	CHECK(utf8_decode("\xe2\x82\xac", &cp) == 3 && cp == 0x20ac);	/* € */
	CHECK(utf8_decode("\xf0\x9f\x94\xa5", &cp) == 4 && cp == 0x1f525);
	CHECK(utf8_decode("\xf4\x8f\xbf\xbf", &cp) == 4 && cp == 0x10ffff);	/* the last code point */
	CHECK(utf8_decode("\xc2\x80" "x", &cp) == 2 && cp == 0x80);	/* the smallest two-byte form */
	CHECK(utf8_decode("\xe0\xa0\x80", &cp) == 3 && cp == 0x800);	/* the smallest three-byte form */
	CHECK(utf8_decode("\xf0\x90\x80\x80", &cp) == 4 && cp == 0x10000);	/* the smallest four-byte form */
}

TEST(malformed_bytes_are_refused)
{
	uint32_t cp;

	CHECK(utf8_decode("\x80", &cp) == 0);			/* stray continuation */
	CHECK(utf8_decode("\xbf" "a", &cp) == 0);
	CHECK(utf8_decode("\xc0\x80", &cp) == 0);		/* overlong NUL */
	CHECK(utf8_decode("\xc1\xbf", &cp) == 0);		/* overlong two-byte */
	CHECK(utf8_decode("\xe0\x9f\xbf", &cp) == 0);		/* overlong three-byte */
	CHECK(utf8_decode("\xf0\x8f\xbf\xbf", &cp) == 0);	/* overlong four-byte */
	CHECK(utf8_decode("\xed\xa0\x80", &cp) == 0);		/* surrogate U+D800 */
	CHECK(utf8_decode("\xed\xbf\xbf", &cp) == 0);		/* surrogate U+DFFF */
	CHECK(utf8_decode("\xf4\x90\x80\x80", &cp) == 0);	/* U+110000 */
	CHECK(utf8_decode("\xf5\x80\x80\x80", &cp) == 0);	/* no code point starts with F5 */
	CHECK(utf8_decode("\xff", &cp) == 0);
	CHECK(utf8_decode("\xe2\x82", &cp) == 0);		/* cut short by the end of the string */
	CHECK(utf8_decode("\xe2" "a\xac", &cp) == 0);		/* cut short by an ASCII byte */
	CHECK(utf8_decode("\xf0\x9f\x94", &cp) == 0);
}
