// SPDX-License-Identifier: GPL-2.0
/* The profile model -> OTLP profiles (otlp_profiles.h). Field numbers are those of the development protocol the
 * Collector v0.161 decodes (pdata v1.67), which Parca's decoder shares. */
#include <errno.h>
#include <string.h>

#include "daemon/otlp_profiles.h"
#include "lib/version.h"
#include "profile/string_table.h"

enum { REQUEST_RESOURCE_PROFILES = 1, REQUEST_DICTIONARY = 2 };
enum { DICT_MAPPINGS = 1, DICT_LOCATIONS = 2, DICT_FUNCTIONS = 3, DICT_LINKS = 4, DICT_STRINGS = 5,
       DICT_ATTRIBUTES = 6, DICT_STACKS = 7 };
enum { RESOURCE_PROFILES_RESOURCE = 1, RESOURCE_PROFILES_SCOPE_PROFILES = 2 };
enum { SCOPE_PROFILES_SCOPE = 1, SCOPE_PROFILES_PROFILES = 2 };
enum { SCOPE_NAME = 1, SCOPE_VERSION = 2 };
enum { PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLES = 2, PROFILE_TIME = 3, PROFILE_DURATION = 4,
       PROFILE_PERIOD_TYPE = 5, PROFILE_PERIOD = 6 };
enum { VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2 };
enum { SAMPLE_STACK = 1, SAMPLE_VALUES = 4 };
enum { STACK_LOCATIONS = 1 };
enum { LOCATION_MAPPING = 1, LOCATION_ADDRESS = 2, LOCATION_LINES = 3 };
enum { LINE_FUNCTION = 1, LINE_LINE = 2 };
enum { FUNCTION_NAME = 1, FUNCTION_SYSTEM_NAME = 2, FUNCTION_FILENAME = 3, FUNCTION_START_LINE = 4 };
enum { MAPPING_START = 1, MAPPING_LIMIT = 2, MAPPING_OFFSET = 3, MAPPING_FILENAME = 4 };

struct encoder {
	struct pbuf *out, dict, msg, sub, resource_profiles, resource, scope_profiles, scope;
	struct otlp_attr_writer attr;
	struct string_table strings;
	const struct profile *p;
};

/* The empty entry 0 of each table. */
static void put_zero_entries(struct encoder *e)
{
	static const int tables[] = { DICT_MAPPINGS, DICT_LOCATIONS, DICT_FUNCTIONS, DICT_LINKS, DICT_ATTRIBUTES,
				      DICT_STACKS };

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		pb_put_message(&e->dict, tables[i], &e->msg);
}

static void put_tables(struct encoder *e)
{
	const struct profile *p = e->p;

	for (uint32_t id = 1; id <= profile_mapping_count(p); id++) {
		const struct profile_mapping_info *m = profile_mapping_get(p, id);

		pb_put_uint(&e->msg, MAPPING_START, m->start);
		pb_put_uint(&e->msg, MAPPING_LIMIT, m->limit);
		pb_put_uint(&e->msg, MAPPING_OFFSET, m->file_offset);
		pb_put_uint(&e->msg, MAPPING_FILENAME, string_table_index(&e->strings, m->file));
		pb_put_message(&e->dict, DICT_MAPPINGS, &e->msg);
	}
	for (uint32_t id = 1; id <= profile_location_count(p); id++) {
		const struct profile_location_info *l = profile_location_get(p, id);

		pb_put_uint(&e->msg, LOCATION_MAPPING, l->mapping);
		pb_put_uint(&e->msg, LOCATION_ADDRESS, l->address);
		for (int i = 0; i < l->nlines; i++) {
			pb_put_uint(&e->sub, LINE_FUNCTION, l->lines[i].function);
			pb_put_int(&e->sub, LINE_LINE, l->lines[i].line);
			pb_put_message(&e->msg, LOCATION_LINES, &e->sub);
		}
		pb_put_message(&e->dict, DICT_LOCATIONS, &e->msg);
	}
	for (uint32_t id = 1; id <= profile_function_count(p); id++) {
		const struct profile_function_info *f = profile_function_get(p, id);
		uint32_t name = string_table_index(&e->strings, f->name);

		pb_put_uint(&e->msg, FUNCTION_NAME, name);
		pb_put_uint(&e->msg, FUNCTION_SYSTEM_NAME, name);	/* Go names are not mangled */
		pb_put_uint(&e->msg, FUNCTION_FILENAME, string_table_index(&e->strings, f->file));
		pb_put_int(&e->msg, FUNCTION_START_LINE, f->start_line);
		pb_put_message(&e->dict, DICT_FUNCTIONS, &e->msg);
	}
	for (size_t i = 0; i < profile_sample_count(p); i++) {	/* stack i + 1 is sample i's */
		struct profile_sample s;

		profile_sample_get(p, i, &s);
		pb_put_packed_u32(&e->msg, STACK_LOCATIONS, s.locations, (size_t)s.nlocations);
		pb_put_message(&e->dict, DICT_STACKS, &e->msg);
	}
}

static void put_value_type(struct encoder *e, struct pbuf *to, int field, struct profile_value_type vt)
{
	pb_put_uint(&e->sub, VALUE_TYPE_TYPE, string_table_index(&e->strings, vt.type));
	pb_put_uint(&e->sub, VALUE_TYPE_UNIT, string_table_index(&e->strings, vt.unit));
	pb_put_message(to, field, &e->sub);
}

/* The samples of sample type t as one Profile into e->msg; samples with a zero value are left out. */
static void put_profile(struct encoder *e, int t)
{
	const struct profile *p = e->p;

	put_value_type(e, &e->msg, PROFILE_SAMPLE_TYPE, profile_sample_type(p, t));
	for (size_t i = 0; i < profile_sample_count(p); i++) {
		struct profile_sample s;

		profile_sample_get(p, i, &s);
		if (!s.values[t])
			continue;
		pb_put_uint(&e->sub, SAMPLE_STACK, i + 1);
		pb_put_packed_i64(&e->sub, SAMPLE_VALUES, &s.values[t], 1);
		pb_put_message(&e->msg, PROFILE_SAMPLES, &e->sub);
	}
	pb_put_fixed64(&e->msg, PROFILE_TIME, (uint64_t)profile_time_nanos(p));
	pb_put_uint(&e->msg, PROFILE_DURATION, (uint64_t)profile_duration_nanos(p));
	put_value_type(e, &e->msg, PROFILE_PERIOD_TYPE, profile_period_type(p));
	pb_put_int(&e->msg, PROFILE_PERIOD, profile_period(p));
}

static void put_resource_profiles(struct encoder *e, const char *const values[OTLP_RESOURCE_LABELS],
				  const struct otlp_self *self)
{
	otlp_put_resource(&e->attr, &e->resource, values, self);
	pb_put_message(&e->resource_profiles, RESOURCE_PROFILES_RESOURCE, &e->resource);
	pb_put_string(&e->scope, SCOPE_NAME, "gotrace");
	pb_put_string(&e->scope, SCOPE_VERSION, GOTRACE_VERSION);
	pb_put_message(&e->scope_profiles, SCOPE_PROFILES_SCOPE, &e->scope);
	for (int t = 0; t < profile_sample_type_count(e->p); t++) {
		put_profile(e, t);
		pb_put_message(&e->scope_profiles, SCOPE_PROFILES_PROFILES, &e->msg);
	}
	pb_put_message(&e->resource_profiles, RESOURCE_PROFILES_SCOPE_PROFILES, &e->scope_profiles);
	pb_put_message(e->out, REQUEST_RESOURCE_PROFILES, &e->resource_profiles);
}

int otlp_profiles_encode(const struct profile *p, const char *const values[OTLP_RESOURCE_LABELS],
			 const struct otlp_self *self, struct pbuf *out)
{
	struct encoder e = { .out = out, .p = p };
	int err = 0;

	out->len = 0;
	out->failed = false;
	if (string_table_init(&e.strings))
		return -ENOMEM;
	put_zero_entries(&e);
	put_tables(&e);
	put_resource_profiles(&e, values, self);	/* interns the sample types' strings: before the table */
	for (size_t i = 0; i < e.strings.len; i++)
		pb_put_bytes(&e.dict, DICT_STRINGS, e.strings.strings[i], strlen(e.strings.strings[i]));
	pb_put_message(out, REQUEST_DICTIONARY, &e.dict);
	if (out->failed || e.strings.failed)
		err = -ENOMEM;
	string_table_free(&e.strings);
	otlp_attr_writer_free(&e.attr);
	pb_free(&e.dict);
	pb_free(&e.msg);
	pb_free(&e.sub);
	pb_free(&e.resource_profiles);
	pb_free(&e.resource);
	pb_free(&e.scope_profiles);
	pb_free(&e.scope);
	return err;
}
