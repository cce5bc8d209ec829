// SPDX-License-Identifier: GPL-2.0
/* profile.proto encoder (the wire format in lib/protobuf). The string table is built while
 * encoding (strings from the model are interned, so a pointer identifies a string) and written last: protobuf
 * fields may come in any order. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/array.h"
#include "lib/protobuf.h"
#include "profile/string_table.h"
#include "profile/pprof.h"

/* Field numbers of perftools.profiles, profile.proto. */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3, PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_TIME_NANOS = 9, PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD = 12, PROFILE_COMMENT = 13,
};
enum { VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2 };
enum { SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3 };
enum { LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3, LABEL_NUM_UNIT = 4 };
enum {
	MAPPING_ID = 1, MAPPING_START = 2, MAPPING_LIMIT = 3, MAPPING_OFFSET = 4, MAPPING_FILENAME = 5,
	MAPPING_BUILD_ID = 6, MAPPING_HAS_FUNCTIONS = 7, MAPPING_HAS_FILENAMES = 8,
	MAPPING_HAS_LINE_NUMBERS = 9, MAPPING_HAS_INLINE_FRAMES = 10,
};
enum { LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4 };
enum { LINE_FUNCTION_ID = 1, LINE_LINE = 2 };
enum { FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3, FUNCTION_FILENAME = 4,
       FUNCTION_START_LINE = 5 };

struct encoder {
	struct pbuf out, msg, sub;	/* the profile, one message of it, one message nested in that */
	struct string_table strtab;
	const struct profile *p;
};

static void put_string(struct encoder *e, struct pbuf *b, int field, const char *s)
{
	pb_put_uint(b, field, string_table_index(&e->strtab, s));
}

static void encode_value_type(struct encoder *e, int field, struct profile_value_type vt)
{
	put_string(e, &e->msg, VALUE_TYPE_TYPE, vt.type);
	put_string(e, &e->msg, VALUE_TYPE_UNIT, vt.unit);
	pb_put_message(&e->out, field, &e->msg);
}

static void encode_label(struct encoder *e, const struct profile_label *l)
{
	put_string(e, &e->sub, LABEL_KEY, l->key);
	if (l->str) {
		put_string(e, &e->sub, LABEL_STR, l->str);
	} else {
		pb_put_uint(&e->sub, LABEL_NUM, (uint64_t)l->num);
		put_string(e, &e->sub, LABEL_NUM_UNIT, l->num_unit);
	}
	pb_put_message(&e->msg, SAMPLE_LABEL, &e->sub);
}

static void encode_sample(struct encoder *e, const struct profile_sample *s)
{
	int i, ntypes = profile_sample_type_count(e->p);

	pb_put_packed_u32(&e->msg, SAMPLE_LOCATION_ID, s->locations, s->nlocations);
	pb_put_packed_i64(&e->msg, SAMPLE_VALUE, s->values, ntypes);
	for (i = 0; i < s->nlabels; i++)
		encode_label(e, &s->labels[i]);
	pb_put_message(&e->out, PROFILE_SAMPLE, &e->msg);
}

static void encode_mapping(struct encoder *e, uint32_t id, const struct profile_mapping_info *m)
{
	pb_put_uint(&e->msg, MAPPING_ID, id);
	pb_put_uint(&e->msg, MAPPING_START, m->start);
	pb_put_uint(&e->msg, MAPPING_LIMIT, m->limit);
	pb_put_uint(&e->msg, MAPPING_OFFSET, m->file_offset);
	put_string(e, &e->msg, MAPPING_FILENAME, m->file);
	put_string(e, &e->msg, MAPPING_BUILD_ID, m->build_id);
	pb_put_uint(&e->msg, MAPPING_HAS_FUNCTIONS, !!(m->flags & PROFILE_HAS_FUNCTIONS));
	pb_put_uint(&e->msg, MAPPING_HAS_FILENAMES, !!(m->flags & PROFILE_HAS_FILENAMES));
	pb_put_uint(&e->msg, MAPPING_HAS_LINE_NUMBERS, !!(m->flags & PROFILE_HAS_LINE_NUMBERS));
	pb_put_uint(&e->msg, MAPPING_HAS_INLINE_FRAMES, !!(m->flags & PROFILE_HAS_INLINE_FRAMES));
	pb_put_message(&e->out, PROFILE_MAPPING, &e->msg);
}

/* `go tool pprof` gives a profile without mappings a fake one with no file, then warns that it cannot
 * symbolize it. One named mapping that claims everything is resolved keeps it quiet; no location uses it. */
static void encode_placeholder_mapping(struct encoder *e)
{
	static const struct profile_mapping_info placeholder = { 0, 0, 0, "[gotrace]", "", PROFILE_SYMBOLIZED };

	encode_mapping(e, 1, &placeholder);
}

static void encode_location(struct encoder *e, uint32_t id, const struct profile_location_info *l)
{
	int i;

	pb_put_uint(&e->msg, LOCATION_ID, id);
	pb_put_uint(&e->msg, LOCATION_MAPPING_ID, l->mapping);
	pb_put_uint(&e->msg, LOCATION_ADDRESS, l->address);
	for (i = 0; i < l->nlines; i++) {
		pb_put_uint(&e->sub, LINE_FUNCTION_ID, l->lines[i].function);
		pb_put_uint(&e->sub, LINE_LINE, (uint64_t)l->lines[i].line);
		pb_put_message(&e->msg, LOCATION_LINE, &e->sub);
	}
	pb_put_message(&e->out, PROFILE_LOCATION, &e->msg);
}

static void encode_function(struct encoder *e, uint32_t id, const struct profile_function_info *f)
{
	pb_put_uint(&e->msg, FUNCTION_ID, id);
	put_string(e, &e->msg, FUNCTION_NAME, f->name);
	/* Go names are not mangled: the system name is the name, as in Go's own profiles. */
	put_string(e, &e->msg, FUNCTION_SYSTEM_NAME, f->name);
	put_string(e, &e->msg, FUNCTION_FILENAME, f->file);
	pb_put_uint(&e->msg, FUNCTION_START_LINE, (uint64_t)f->start_line);
	pb_put_message(&e->out, PROFILE_FUNCTION, &e->msg);
}

static void encode_header(struct encoder *e)
{
	const struct profile *p = e->p;
	size_t i;
	int t;

	for (t = 0; t < profile_sample_type_count(p); t++)
		encode_value_type(e, PROFILE_SAMPLE_TYPE, profile_sample_type(p, t));
	pb_put_uint(&e->out, PROFILE_TIME_NANOS, (uint64_t)profile_time_nanos(p));
	pb_put_uint(&e->out, PROFILE_DURATION_NANOS, (uint64_t)profile_duration_nanos(p));
	encode_value_type(e, PROFILE_PERIOD_TYPE, profile_period_type(p));
	pb_put_uint(&e->out, PROFILE_PERIOD, (uint64_t)profile_period(p));
	for (i = 0; i < profile_comment_count(p); i++) {
		/* A comment of "" would be index 0, which protobuf drops: keep it visible as a space. */
		const char *c = profile_comment(p, i);

		pb_put_int_always(&e->out, PROFILE_COMMENT,
				  (int64_t)string_table_index(&e->strtab, *c ? c : " "));
	}
}

static void encode_tables(struct encoder *e)
{
	const struct profile *p = e->p;
	struct profile_sample s;
	size_t i;

	for (i = 0; i < profile_sample_count(p); i++) {
		profile_sample_get(p, i, &s);
		encode_sample(e, &s);
	}
	for (i = 1; i <= profile_mapping_count(p); i++)
		encode_mapping(e, i, profile_mapping_get(p, i));
	if (!profile_mapping_count(p))
		encode_placeholder_mapping(e);
	for (i = 1; i <= profile_location_count(p); i++)
		encode_location(e, i, profile_location_get(p, i));
	for (i = 1; i <= profile_function_count(p); i++)
		encode_function(e, i, profile_function_get(p, i));
	for (i = 0; i < e->strtab.len; i++)
		pb_put_bytes(&e->out, PROFILE_STRING_TABLE, e->strtab.strings[i], strlen(e->strtab.strings[i]));
}

int pprof_encode(const struct profile *p, uint8_t **buf, size_t *len)
{
	struct encoder e = { .p = p };
	int err = 0;

	if (string_table_init(&e.strtab))
		return -ENOMEM;
	encode_header(&e);
	encode_tables(&e);
	if (e.out.failed || e.msg.failed || e.sub.failed || e.strtab.failed) {
		free(e.out.data);
		err = -ENOMEM;
	} else {
		*buf = e.out.data;
		*len = e.out.len;
	}
	free(e.msg.data);
	free(e.sub.data);
	string_table_free(&e.strtab);
	return err;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= n;
	}
	return 0;
}

/* Gzip (zlib's windowBits 31) at the fastest level: Go's runtime/pprof does the same, profiles compress well. */
static int write_gzip(int fd, const uint8_t *data, size_t len)
{
	uint8_t chunk[64 * 1024];
	z_stream z = { 0 };
	int zerr, err = 0;

	if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (uint8_t *)data;
	do {
		/* avail_in is 32-bit: feed huge buffers in slices. */
		if (!z.avail_in && len) {
			z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
			len -= z.avail_in;
		}
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zerr = deflate(&z, len || z.avail_in ? Z_NO_FLUSH : Z_FINISH);
		if (zerr == Z_STREAM_ERROR)
			err = -EIO;
		else
			err = write_all(fd, chunk, sizeof(chunk) - z.avail_out);
	} while (!err && zerr != Z_STREAM_END);
	deflateEnd(&z);
	return err;
}

int pprof_encode_gzip(const struct profile *p, uint8_t **buf, size_t *len)
{
	z_stream z = { 0 };
	uint8_t *raw, *out;
	size_t raw_len, cap;
	int err = pprof_encode(p, &raw, &raw_len);

	if (err)
		return err;
	if (raw_len > UINT32_MAX || deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(raw);
		return raw_len > UINT32_MAX ? -EFBIG : -ENOMEM;
	}
	cap = deflateBound(&z, raw_len) + 64;	/* + the gzip header and trailer */
	out = malloc(cap);
	z.next_in = raw;
	z.avail_in = (uInt)raw_len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	err = !out ? -ENOMEM : deflate(&z, Z_FINISH) == Z_STREAM_END ? 0 : -EIO;
	deflateEnd(&z);
	free(raw);
	if (err) {
		free(out);
		return err;
	}
	*buf = out;
	*len = cap - z.avail_out;
	return 0;
}

/* A temporary file next to path, because rename is only atomic within one file system. O_EXCL with a name of
 * our own, rather than mkstemp, so that the file gets the mode creat() would give (0666 less the umask). */
static int open_temp_beside(const char *path, char **tmp_path)
{
	static unsigned counter;
	char *dir_copy = strdup(path);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path, *dir;
	int fd = -EEXIST, tries;

	if (!dir_copy)
		return -ENOMEM;
	dir = dirname(dir_copy);
	for (tries = 0; tries < 100; tries++) {
		if (asprintf(tmp_path, "%s/.%s.%d.%u.tmp", dir, base, (int)getpid(),
			     __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED)) < 0) {
			fd = -ENOMEM;
			break;
		}
		fd = open(*tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			break;
		fd = -errno;
		free(*tmp_path);
		if (fd != -EEXIST)
			break;
	}
	free(dir_copy);
	return fd;
}

int pprof_write_file(const struct profile *p, const char *path)
{
	char *tmp_path;
	uint8_t *buf;
	size_t len;
	int fd, err;

	err = pprof_encode(p, &buf, &len);
	if (err)
		return err;
	fd = open_temp_beside(path, &tmp_path);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	err = write_gzip(fd, buf, len);
	free(buf);
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp_path, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp_path);
	free(tmp_path);
	return err;
}
