// SPDX-License-Identifier: GPL-2.0
/* stwReason values from runtime.stwReasonStrings (runtime/proc.go: `[...]string{stwUnknown: "unknown",
 * stwGCMarkTerm: "GC mark termination", ...}`), found without symbols: in Go's data sections, an array of string
 * headers (pointer, length) whose first element is "unknown"; the index of each wanted name is its value. */
#include <errno.h>
#include <string.h>

#include "gobin/go_stw_reasons.h"

#define MAX_REASONS 64		/* the runtime has about 20 */
#define MAX_NAME 64
#define HEADER 16		/* a Go string header on 64-bit: data pointer, length */

static const char *const data_sections[] = { ".data", ".noptrdata", ".data.rel.ro" };

static uint64_t word(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The Go string whose header is at h, if it is one: its bytes in the file. */
static const char *string_at(const struct elf_file *ef, const uint8_t *h, uint64_t *len)
{
	*len = word(h + 8);
	if (*len == 0 || *len > MAX_NAME || !word(h))
		return NULL;
	return (const char *)elf_file_vaddr_ptr(ef, word(h), *len);
}

static bool is(const char *s, uint64_t len, const char *want)
{
	return s && len == strlen(want) && memcmp(s, want, len) == 0;
}

static bool header_is(const struct elf_file *ef, const uint8_t *h, const char *want)
{
	uint64_t len;
	const char *s = string_at(ef, h, &len);

	return is(s, len, want);
}

/* The indexes of the GC's names in the array starting at h (whose element 0 is "unknown"). */
static bool read_array(const struct elf_file *ef, const uint8_t *h, const uint8_t *end, struct go_stw_reasons *r)
{
	r->mark_term = r->sweep_term = -1;
	for (int i = 1; i < MAX_REASONS && h + (i + 1) * HEADER <= end; i++) {
		uint64_t len;
		const char *s = string_at(ef, h + i * HEADER, &len);

		if (!s)
			break;
		if (is(s, len, "GC mark termination"))
			r->mark_term = i;
		else if (is(s, len, "GC sweep termination"))
			r->sweep_term = i;
	}
	return r->mark_term > 0 && r->sweep_term > 0;
}

int go_stw_reasons_find(const struct elf_file *ef, struct go_stw_reasons *out)
{
	struct go_stw_reasons r;
	struct elf_section sec;
	int found = 0;

	if (!elf_file_is_64bit(ef))
		return -ENOENT;
	for (size_t i = 0; i < sizeof(data_sections) / sizeof(data_sections[0]); i++) {
		if (elf_file_find_section(ef, data_sections[i], &sec) != 0 || !sec.data)
			continue;
		for (uint64_t off = 0; off + HEADER <= sec.size; off += 8) {
			if (!header_is(ef, sec.data + off, "unknown") ||
			    !read_array(ef, sec.data + off, sec.data + sec.size, &r))
				continue;
			*out = r;
			found++;
		}
	}
	return found == 1 ? 0 : found ? -EEXIST : -ENOENT;
}
