// SPDX-License-Identifier: GPL-2.0
/* Go build info reader. The linker writes a 32-byte header, 16-byte aligned, into .go.buildinfo (at the start of
 * the writable data): "\xff Go buildinf:", pointer size, flags (bit 0 big endian, bit 1 inline strings). Go 1.18+
 * puts the version and module info strings right after it, each prefixed with its uvarint length; older Go
 * stores two pointers there, to the Go string headers {data pointer, length} of runtime.buildVersion and
 * runtime.modinfo. The module info is framed by two 16-byte sentinels (cmd/go's infoStart and infoEnd). */
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "gobin/buildinfo.h"
#include "gobin/pclntab.h"

#define MAGIC "\xff Go buildinf:"
#define MAGIC_LEN 14
#define HEADER_SIZE 32
#define ALIGN 16
#define FLAG_BIG_ENDIAN 0x1
#define FLAG_INLINE 0x2
#define SENTINEL_LEN 16

/* Bytes the blob may use: from the header to the end of its section or segment. */
struct blob {
	const uint8_t *p;
	uint64_t size, vaddr;
};

/* The first 16-byte aligned (in address terms) header inside [data, data+size) mapped at vaddr. */
static bool find_magic(const uint8_t *data, uint64_t size, uint64_t vaddr, struct blob *b)
{
	uint64_t off = (ALIGN - vaddr % ALIGN) % ALIGN;

	for (; off < size && size - off >= HEADER_SIZE; off += ALIGN) {
		if (memcmp(data + off, MAGIC, MAGIC_LEN) == 0) {
			*b = (struct blob){ data + off, size - off, vaddr + off };
			return true;
		}
	}
	return false;
}

static int scan_data_segment(const struct go_load_segment *seg, void *ctx)
{
	if ((seg->flags & (PF_W | PF_X)) != PF_W || !seg->data)
		return 0;
	return find_magic(seg->data, seg->filesz, seg->vaddr, ctx);
}

/* The .go.buildinfo section when there is one, else the writable segments in order. The Go toolchain looks only
 * in the first, but PIE builds put .data.rel.ro (RELRO) there and the blob in the next. */
static int find_blob(const struct elf_file *ef, struct blob *b)
{
	struct elf_section sec;
	int ret;

	if (elf_file_find_section(ef, ".go.buildinfo", &sec) == 0)
		return sec.data && find_magic(sec.data, sec.size, sec.addr, b) ? 0 : -ENOENT;
	ret = go_foreach_load_segment(ef, scan_data_segment, b);
	return ret == 1 ? 0 : ret == 0 ? -ENOENT : ret;
}

static uint64_t load_uint(const uint8_t *p, int size, bool big_endian)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < size; i++)
		v = big_endian ? v << 8 | p[i] : v | (uint64_t)p[i] << (8 * i);
	return v;
}

/* A uvarint-length-prefixed string at *off in the blob; advances *off past it. */
static int inline_string(const struct blob *b, uint64_t *off, const uint8_t **s, uint64_t *len)
{
	uint64_t n = 0;
	int shift;

	for (shift = 0; shift < 64; shift += 7) {
		uint8_t byte;

		if (*off >= b->size)
			return -ENOEXEC;
		byte = b->p[(*off)++];
		n |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			break;
	}
	if (shift >= 64 || n > b->size - *off)
		return -ENOEXEC;
	*s = b->p + *off;
	*len = n;
	*off += n;
	return 0;
}

/* The Go string whose header {data, len} is at vaddr (pre-1.18 layout). */
static int pointed_string(const struct elf_file *ef, uint64_t vaddr, int ptr_size, bool big_endian,
			  const uint8_t **s, uint64_t *len)
{
	const uint8_t *hdr = elf_file_vaddr_ptr(ef, vaddr, 2 * ptr_size);
	uint64_t data;

	if (!hdr)
		return -ENOEXEC;
	data = load_uint(hdr, ptr_size, big_endian);
	*len = load_uint(hdr + ptr_size, ptr_size, big_endian);
	*s = *len ? elf_file_vaddr_ptr(ef, data, *len) : (const uint8_t *)"";
	return *s ? 0 : -ENOEXEC;
}

static void copy_field(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The module info without its sentinels, or NULL when it has none (as debug/buildinfo decides). */
static int set_modinfo(struct go_buildinfo *bi, const uint8_t *mod, uint64_t len)
{
	if (len < 2 * SENTINEL_LEN + 1 || mod[len - SENTINEL_LEN - 1] != '\n')
		return 0;
	len -= 2 * SENTINEL_LEN;
	bi->modinfo = malloc(len + 1);
	if (!bi->modinfo)
		return -ENOMEM;
	copy_field(bi->modinfo, len + 1, mod + SENTINEL_LEN, len);
	return 0;
}

/* A build setting's value; values with spaces or quotes are written Go-quoted: drop the quotes. */
static void copy_setting(char *dst, size_t cap, const char *value, size_t len)
{
	if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
		value++;
		len -= 2;
	}
	copy_field(dst, cap, (const uint8_t *)value, len);
}

#define COPY_SETTING(dst, value, len) copy_setting(dst, sizeof(dst), value, len)

static void parse_build_setting(struct go_buildinfo *bi, const char *kv, size_t len)
{
	const char *eq = memchr(kv, '=', len);
	size_t klen, vlen;

	if (!eq)
		return;
	klen = eq - kv;
	vlen = len - klen - 1;
	if (klen == 4 && memcmp(kv, "GOOS", 4) == 0)
		COPY_SETTING(bi->goos, eq + 1, vlen);
	else if (klen == 6 && memcmp(kv, "GOARCH", 6) == 0)
		COPY_SETTING(bi->goarch, eq + 1, vlen);
	else if (klen == 10 && memcmp(kv, "-buildmode", 10) == 0)
		COPY_SETTING(bi->buildmode, eq + 1, vlen);
	else if (klen == 11 && memcmp(kv, "CGO_ENABLED", 11) == 0 && vlen == 1 && (eq[1] == '0' || eq[1] == '1'))
		bi->cgo_enabled = eq[1] - '0';
}

/* "mod\t<path>\t<version>\t<sum>": the main module. */
static void parse_main_module(struct go_buildinfo *bi, const char *s, size_t len)
{
	const char *tab = memchr(s, '\t', len), *end;

	if (!tab) {
		copy_field(bi->main_module, sizeof(bi->main_module), (const uint8_t *)s, len);
		return;
	}
	copy_field(bi->main_module, sizeof(bi->main_module), (const uint8_t *)s, tab - s);
	end = memchr(tab + 1, '\t', s + len - tab - 1);
	copy_field(bi->main_version, sizeof(bi->main_version), (const uint8_t *)tab + 1,
		   (end ? end : s + len) - tab - 1);
}

static bool has_prefix(const char *line, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix);

	return len >= plen && memcmp(line, prefix, plen) == 0;
}

static void parse_line(struct go_buildinfo *bi, const char *line, size_t len)
{
	if (has_prefix(line, len, "path\t"))
		copy_field(bi->path, sizeof(bi->path), (const uint8_t *)line + 5, len - 5);
	else if (has_prefix(line, len, "mod\t"))
		parse_main_module(bi, line + 4, len - 4);
	else if (has_prefix(line, len, "build\t"))
		parse_build_setting(bi, line + 6, len - 6);
}

static void parse_modinfo(struct go_buildinfo *bi)
{
	const char *line = bi->modinfo;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		parse_line(bi, line, len);
		line = nl ? nl + 1 : NULL;
	}
}

static int read_strings(const struct elf_file *ef, const struct blob *b, struct go_buildinfo *bi,
			const uint8_t **vers, uint64_t *vers_len, const uint8_t **mod, uint64_t *mod_len)
{
	uint64_t off = HEADER_SIZE;
	int err;

	if (b->p[15] & FLAG_INLINE) {
		err = inline_string(b, &off, vers, vers_len);
		return err ? err : inline_string(b, &off, mod, mod_len);
	}
	if (bi->ptr_size != 4 && bi->ptr_size != 8)
		return -ENOEXEC;
	err = pointed_string(ef, load_uint(b->p + 16, bi->ptr_size, bi->big_endian), bi->ptr_size,
			     bi->big_endian, vers, vers_len);
	if (err)
		return err;
	return pointed_string(ef, load_uint(b->p + 16 + bi->ptr_size, bi->ptr_size, bi->big_endian),
			      bi->ptr_size, bi->big_endian, mod, mod_len);
}

int go_buildinfo_read(const struct elf_file *ef, struct go_buildinfo *bi)
{
	const uint8_t *vers, *mod;
	uint64_t vers_len, mod_len;
	struct blob b;
	int err;

	memset(bi, 0, sizeof(*bi));
	bi->cgo_enabled = -1;
	err = find_blob(ef, &b);
	if (err)
		return err;
	bi->ptr_size = b.p[14];
	bi->big_endian = b.p[15] & FLAG_BIG_ENDIAN;
	err = read_strings(ef, &b, bi, &vers, &vers_len, &mod, &mod_len);
	if (err)
		return err;
	if (!vers_len || memchr(vers, '\0', vers_len))	/* a version is text, never empty */
		return -ENOEXEC;
	copy_field(bi->version, sizeof(bi->version), vers, vers_len);
	err = set_modinfo(bi, mod, mod_len);
	if (!err)
		parse_modinfo(bi);
	return err;
}

void go_buildinfo_free(struct go_buildinfo *bi)
{
	free(bi->modinfo);
	bi->modinfo = NULL;
}
