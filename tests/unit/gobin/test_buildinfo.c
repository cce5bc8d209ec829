// SPDX-License-Identifier: GPL-2.0
/* Build info reader against `go version -m` (Go's debug/buildinfo) on every fixture, on synthetic ELF files in
 * the pre-1.18 pointer layout (no toolchain here produces it), on Debian's prometheus, and on damaged copies. */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "elf_bytes.h"
#include "go_tool.h"
#include "gobin/buildinfo.h"
#include "gobin/elf_file.h"

#define PROMETHEUS "/usr/bin/prometheus"

/* What `go version -m` prints, decoded by this test: "<file>: <version>", then the module info one
 * tab-indented line each. */
struct expected {
	char version[4096], path[4096], module[4096], module_version[4096];
	char goos[4096], goarch[4096], buildmode[4096];
	int cgo_enabled;
	char modinfo[65536];
};

static void setting(struct expected *e, const char *kv)
{
	const char *v = strchr(kv, '=');
	char key[64];

	if (!v || v - kv >= (long)sizeof(key))
		return;
	snprintf(key, sizeof(key), "%.*s", (int)(v - kv), kv);
	v++;
	if (strcmp(key, "GOOS") == 0)
		snprintf(e->goos, sizeof(e->goos), "%s", v);
	else if (strcmp(key, "GOARCH") == 0)
		snprintf(e->goarch, sizeof(e->goarch), "%s", v);
	else if (strcmp(key, "-buildmode") == 0)
		snprintf(e->buildmode, sizeof(e->buildmode), "%s", v);
	else if (strcmp(key, "CGO_ENABLED") == 0)
		e->cgo_enabled = atoi(v);
}

static void module_line(struct expected *e, const char *line)
{
	char *tab;

	if (strncmp(line, "path\t", 5) == 0)
		snprintf(e->path, sizeof(e->path), "%s", line + 5);
	else if (strncmp(line, "build\t", 6) == 0)
		setting(e, line + 6);
	else if (strncmp(line, "mod\t", 4) == 0) {
		snprintf(e->module, sizeof(e->module), "%s", line + 4);
		tab = strchr(e->module, '\t');
		if (tab) {
			*tab = '\0';
			snprintf(e->module_version, sizeof(e->module_version), "%s", tab + 1);
			tab = strchr(e->module_version, '\t');
			if (tab)
				*tab = '\0';
		}
	}
}

static int go_version_m(const char *path, struct expected *e)
{
	char line[4096], *sep;
	size_t len = 0;
	FILE *p = go_popen("%s version -m '%s'", go_cmd(), path);

	memset(e, 0, sizeof(*e));
	e->cgo_enabled = -1;
	if (!p || !fgets(line, sizeof(line), p) || !(sep = strstr(line, ": "))) {
		if (p)
			pclose(p);
		return -1;
	}
	sep[2 + strcspn(sep + 2, "\n")] = '\0';
	snprintf(e->version, sizeof(e->version), "%s", sep + 2);
	while (fgets(line, sizeof(line), p)) {
		if (line[0] != '\t')
			continue;
		len += snprintf(e->modinfo + len, sizeof(e->modinfo) - len, "%s", line + 1);
		line[strcspn(line, "\n")] = '\0';
		module_line(e, line + 1);
	}
	return pclose(p) == 0 ? 0 : -1;
}

static int compare(const struct go_buildinfo *bi, const struct expected *e, const char *what)
{
	int before = unit_failures_in_test;

	CHECK_STR(bi->version, e->version);
	CHECK_STR(bi->modinfo ? bi->modinfo : "", e->modinfo);
	CHECK_STR(bi->path, e->path);
	CHECK_STR(bi->main_module, e->module);
	CHECK_STR(bi->main_version, e->module_version);
	CHECK_STR(bi->goos, e->goos);
	CHECK_STR(bi->goarch, e->goarch);
	CHECK_STR(bi->buildmode, e->buildmode);
	CHECK(bi->cgo_enabled == e->cgo_enabled);
	if (unit_failures_in_test != before)
		fprintf(stderr, "    in %s\n", what);
	return unit_failures_in_test - before;
}

static int read_file_buildinfo(const char *path, struct go_buildinfo *bi)
{
	struct elf_file *ef;
	int err = elf_file_open(path, &ef);

	if (err)
		return err;
	err = go_buildinfo_read(ef, bi);
	elf_file_close(ef);
	return err;
}

static void check_fixture(const struct unit_fixture *f, void *ctx)
{
	struct expected *e = malloc(sizeof(*e));
	struct go_buildinfo bi;
	int *checked = ctx;

	CHECK(e && go_version_m(f->path, e) == 0);
	CHECK(read_file_buildinfo(f->path, &bi) == 0);
	if (e)
		compare(&bi, e, f->path);
	CHECK(bi.ptr_size == 8 && !bi.big_endian);	/* all fixtures are amd64 */
	/* Programs that use cgo say so; the static variant is built with CGO_ENABLED=0. */
	CHECK(bi.cgo_enabled == (strcmp(f->variant, "static") != 0));
	go_buildinfo_free(&bi);
	free(e);
	(*checked)++;
}

TEST(fixtures_match_go_version_m)
{
	int checked = 0;

	CHECK(unit_manifest(check_fixture, &checked) > 0);
	CHECK(checked > 0);
}

/* --- the pre-1.18 pointer layout, on synthetic ELF files --- */

/* An ELF executable with one RW PT_LOAD segment (the whole file, at BASE) holding what a Go 1.13-1.17 linker
 * writes (cmd/link's buildinfo, read back by debug/buildinfo): the 32-byte header "\xff Go buildinf:", ptrSize,
 * flags (bit 0 big endian, bit 1 clear = pointer layout), then two pointers to Go string headers {data, len},
 * of runtime.buildVersion and runtime.modinfo. The module info is framed by cmd/go's 16-byte sentinels. */
#define BASE 0x10000
#define BLOB 0x100
#define VERS_HDR 0x120
#define MOD_HDR 0x140
#define VERS_DATA 0x160
#define MOD_DATA 0x180
#define SHSTRTAB 0x800
#define SHDRS 0x840

struct image {
	uint8_t b[0x900];
	size_t len;
	bool is64, be;
};

static void put(struct image *im, size_t off, uint64_t v, int size)
{
	for (int i = 0; i < size; i++)
		im->b[off + i] = v >> (8 * (im->be ? size - 1 - i : i));
}

static void put_ptr(struct image *im, size_t off, uint64_t v)
{
	put(im, off, v, im->is64 ? 8 : 4);
}

static void elf_header(struct image *im, bool with_sections)
{
	int shentsize = im->is64 ? 64 : 40;

	memcpy(im->b, "\177ELF", 4);
	im->b[4] = im->is64 ? 2 : 1;
	im->b[5] = im->be ? 2 : 1;
	im->b[6] = 1;
	put(im, 16, 2 /* ET_EXEC */, 2);
	put(im, 18, im->is64 ? 62 /* EM_X86_64 */ : 20 /* EM_PPC */, 2);
	put(im, 20, 1, 4);
	if (im->is64) {
		put(im, 32, 64, 8);				/* e_phoff */
		put(im, 40, with_sections ? SHDRS : 0, 8);	/* e_shoff */
		put(im, 52, 64, 2);
		put(im, 54, 56, 2);
		put(im, 56, 1, 2);
		put(im, 58, shentsize, 2);
		put(im, 60, with_sections ? 3 : 0, 2);
		put(im, 62, with_sections ? 2 : 0, 2);
	} else {
		put(im, 28, 52, 4);
		put(im, 32, with_sections ? SHDRS : 0, 4);
		put(im, 40, 52, 2);
		put(im, 42, 32, 2);
		put(im, 44, 1, 2);
		put(im, 46, shentsize, 2);
		put(im, 48, with_sections ? 3 : 0, 2);
		put(im, 50, with_sections ? 2 : 0, 2);
	}
}

static void load_segment(struct image *im)
{
	size_t ph = im->is64 ? 64 : 52;

	put(im, ph, 1 /* PT_LOAD */, 4);
	if (im->is64) {
		put(im, ph + 4, 6 /* PF_R | PF_W */, 4);
		put(im, ph + 16, BASE, 8);
		put(im, ph + 24, BASE, 8);
		put(im, ph + 32, im->len, 8);
		put(im, ph + 40, im->len, 8);
		put(im, ph + 48, 0x1000, 8);
	} else {
		put(im, ph + 8, BASE, 4);
		put(im, ph + 12, BASE, 4);
		put(im, ph + 16, im->len, 4);
		put(im, ph + 20, im->len, 4);
		put(im, ph + 24, 6, 4);
		put(im, ph + 28, 0x1000, 4);
	}
}

/* Section n: name offset, type, flags (SHF_ALLOC|SHF_WRITE), address, offset, size. */
static void section(struct image *im, int n, uint32_t name, uint32_t type, uint64_t addr, uint64_t off,
		    uint64_t size)
{
	size_t sh = SHDRS + n * (im->is64 ? 64 : 40);
	int w = im->is64 ? 8 : 4;

	put(im, sh, name, 4);
	put(im, sh + 4, type, 4);
	put(im, sh + 8, addr ? 3 : 0, w);
	put(im, sh + 8 + w, addr, w);
	put(im, sh + 8 + 2 * w, off, w);
	put(im, sh + 8 + 3 * w, size, w);
	put(im, sh + 8 + 4 * w + 8, 1, w);	/* sh_addralign */
}

static void go_string(struct image *im, size_t hdr, size_t data, const char *s, size_t len)
{
	memcpy(im->b + data, s, len);
	put_ptr(im, hdr, BASE + data);
	put_ptr(im, hdr + (im->is64 ? 8 : 4), len);
}

static const char old_modinfo[] = "path\texample.com/old/cmd/tool\n"
				  "mod\texample.com/old\tv1.2.3\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
				  "dep\tgolang.org/x/sys\tv0.0.0-20210630005230-0f9fa26af87c\t"
				  "h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=\n";

static void build_pointer_layout(struct image *im, bool is64, bool be, bool with_sections)
{
	static const char start[] = "0w\xaf\x0c\x92t\x08\x02" "A\xe1\xc1\x07\xe6\xd6\x18\xe6";
	static const char end[] = "\xf9" "2C1\x86\x18 r\x00\x82" "B\x10" "A\x16\xd8\xf2";
	char mod[512];
	size_t mod_len = 0;

	memset(im, 0, sizeof(*im));
	im->is64 = is64;
	im->be = be;
	im->len = with_sections ? SHDRS + 3 * (is64 ? 64 : 40) : SHSTRTAB;
	elf_header(im, with_sections);
	load_segment(im);
	memcpy(im->b + BLOB, "\xff Go buildinf:", 14);
	im->b[BLOB + 14] = is64 ? 8 : 4;
	im->b[BLOB + 15] = be ? 1 : 0;
	put_ptr(im, BLOB + 16, BASE + VERS_HDR);
	put_ptr(im, BLOB + 16 + (is64 ? 8 : 4), BASE + MOD_HDR);
	go_string(im, VERS_HDR, VERS_DATA, "go1.17.13", 9);
	memcpy(mod, start, 16);
	mod_len = 16 + snprintf(mod + 16, sizeof(mod) - 32, "%s", old_modinfo);
	memcpy(mod + mod_len, end, 16);
	go_string(im, MOD_HDR, MOD_DATA, mod, mod_len + 16);
	if (with_sections) {
		memcpy(im->b + SHSTRTAB, "\0.go.buildinfo\0.shstrtab", 25);
		section(im, 1, 1, 1 /* SHT_PROGBITS */, BASE + BLOB, BLOB, 32);
		section(im, 2, 15, 3 /* SHT_STRTAB */, 0, SHSTRTAB, 25);
	}
}

static int write_image(const struct image *im, char *path)
{
	int fd = mkstemp(path);
	bool ok = fd >= 0 && write(fd, im->b, im->len) == (ssize_t)im->len;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

TEST(pointer_layout_matches_go_version_m)
{
	for (int v = 0; v < 8; v++) {
		bool is64 = v & 1, be = v & 2, with_sections = v & 4;
		char path[] = "/tmp/gotrace-oldbuildinfo-XXXXXX", what[128];
		struct expected *e = malloc(sizeof(*e));
		struct go_buildinfo bi;
		struct elf_file *ef;
		struct image im;

		snprintf(what, sizeof(what), "ELF%d %s %s section", is64 ? 64 : 32, be ? "BE" : "LE",
			 with_sections ? "with" : "without");
		build_pointer_layout(&im, is64, be, with_sections);
		save_fuzz_seed("buildinfo", v, im.b, im.len);
		CHECK(write_image(&im, path) == 0);
		CHECK(e && go_version_m(path, e) == 0);
		unlink(path);
		CHECK(elf_file_open_mem(im.b, im.len, &ef) == 0);
		CHECK(go_buildinfo_read(ef, &bi) == 0);
		if (e)
			compare(&bi, e, what);
		CHECK(bi.ptr_size == (is64 ? 8 : 4) && bi.big_endian == be);
		CHECK_STR(bi.main_version, "v1.2.3");	/* the parse under test is not trivially empty */
		go_buildinfo_free(&bi);
		elf_file_close(ef);
		free(e);
	}
}

/* --- found by scanning the data segment --- */

static void check_scan(const struct unit_fixture *f, void *ctx)
{
	struct go_buildinfo with, without;
	struct elf_file *ef;
	size_t size;
	uint8_t *buf = slurp(f->path, &size);

	(void)ctx;
	CHECK(buf && read_file_buildinfo(f->path, &with) == 0);
	if (!buf)
		return;
	wipe_section_headers(buf, size);
	CHECK(elf_file_open_mem(buf, size, &ef) == 0);
	CHECK(go_buildinfo_read(ef, &without) == 0);
	CHECK_STR(without.version, with.version);
	CHECK_STR(without.modinfo, with.modinfo);
	go_buildinfo_free(&with);
	go_buildinfo_free(&without);
	elf_file_close(ef);
	free(buf);
}

TEST(found_in_data_segment_without_sections)
{
	CHECK(unit_manifest(check_scan, NULL) > 0);
}

TEST(non_go_binary_has_no_buildinfo)
{
	struct go_buildinfo bi;

	CHECK(read_file_buildinfo("/bin/true", &bi) == -ENOENT);
	CHECK(bi.modinfo == NULL);
	go_buildinfo_free(&bi);
}

TEST(prometheus_debian_package)
{
	struct go_buildinfo bi;
	char line[4096], want[4200];
	FILE *p;

	if (access(PROMETHEUS, R_OK) != 0) {
		CHECK(!"Debian's prometheus is installed (scripts/install-deps.sh installs it)");
		return;
	}
	CHECK(read_file_buildinfo(PROMETHEUS, &bi) == 0);
	p = go_popen("%s version %s", go_cmd(), PROMETHEUS);
	CHECK(p && fgets(line, sizeof(line), p));
	snprintf(want, sizeof(want), "%s: %s\n", PROMETHEUS, bi.version);
	CHECK_STR(want, line);
	CHECK(p && pclose(p) == 0);
	go_buildinfo_free(&bi);
}

/* Go binaries installed here by other packages (the Google Cloud SDK ships Go 1.21-1.25 builds, some by Google's
 * own toolchain with versions like "go1.22-20231128-RC02 cl/586117301 +6111acc8e6 X:fieldtrack,boringcrypto"). */
static const char *const outside_globs[] = {
	"/usr/bin/prometheus*", "/usr/bin/promtool", "/usr/lib/google-cloud-sdk/bin/*",
	"/usr/lib/google-cloud-sdk/bin/*/*", "/usr/lib/google-cloud-sdk/platform/*/*",
};

static void check_outside(const char *path, void *ctx)
{
	int *checked = ctx;
	struct expected *e;
	struct go_buildinfo bi;
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || read_file_buildinfo(path, &bi) != 0)
		return;
	e = malloc(sizeof(*e));
	CHECK(e && go_version_m(path, e) == 0);
	if (e)
		compare(&bi, e, path);
	go_buildinfo_free(&bi);
	free(e);
	(*checked)++;
}

TEST(outside_go_binaries)
{
	int checked = 0;

	for_each_outside_binary(outside_globs, sizeof(outside_globs) / sizeof(outside_globs[0]), check_outside,
				&checked);
	printf("     (%d Go binaries outside the fixtures)\n", checked);
}

/* --- damaged copies --- */

static int exercise_image(const uint8_t *data, size_t size)
{
	struct go_buildinfo bi;
	struct elf_file *ef;
	int bad = 0;

	if (elf_file_open_mem(data, size, &ef) != 0)
		return 0;
	if (go_buildinfo_read(ef, &bi) == 0)
		bad = !bi.version[0] || strlen(bi.version) >= sizeof(bi.version) ||
		      (bi.modinfo && strlen(bi.modinfo) > size);
	go_buildinfo_free(&bi);
	elf_file_close(ef);
	return bad;
}

struct damage_totals {
	int images, bad;
};

static void damage(const uint8_t *buf, size_t size, uint64_t off, uint64_t len, struct damage_totals *tot)
{
	uint8_t *copy = malloc(size);
	uint64_t seed = 0x2545f4914f6cdd1dull;

	memcpy(copy, buf, size);
	for (uint64_t cut = off; cut < off + len + 64 && cut <= size; cut += 3) {
		tot->bad += check_exact_copy(buf, cut, false, exercise_image);
		tot->bad += check_exact_copy(buf, cut, true, exercise_image);
		tot->images += 2;
	}
	for (int k = 0; k < 256; k++) {
		uint64_t at;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		at = off + seed % len;
		copy[at] ^= 1 + (seed >> 32) % 255;
		tot->bad += exercise_image(copy, size);
		tot->images++;
		copy[at] = buf[at];
	}
	free(copy);
}

static void damage_fixture(const struct unit_fixture *f, void *ctx)
{
	struct elf_section sec;
	struct elf_file *ef;
	size_t size;
	uint8_t *buf = slurp(f->path, &size);

	if (!buf || elf_file_open(f->path, &ef) != 0) {
		CHECK(!"fixture unreadable");
		free(buf);
		return;
	}
	CHECK(elf_file_find_section(ef, ".go.buildinfo", &sec) == 0 && sec.size > 32);
	if (sec.size > 32 && sec.offset + sec.size <= size)
		damage(buf, size, sec.offset, sec.size, ctx);
	elf_file_close(ef);
	free(buf);
}

TEST(truncated_and_corrupted_give_errors_or_valid_answers)
{
	struct damage_totals tot = { 0, 0 };
	struct image im;

	CHECK(unit_manifest(damage_fixture, &tot) > 0);
	for (int v = 0; v < 8; v++) {
		build_pointer_layout(&im, v & 1, v & 2, v & 4);
		damage(im.b, im.len, 0, im.len, &tot);
	}
	printf("     (%d damaged images)\n", tot.images);
	CHECK(tot.bad == 0);
}
