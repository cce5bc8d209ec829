// SPDX-License-Identifier: GPL-2.0
/* The two output formats. Text: each writer's text, nothing around it. JSON: an object per event and per record,
 * each on its own line, its members added by the writers. */
#include "tracer/output_sink.h"

static void text_write(struct output_sink *s, const struct output_writer *w, void *arg)
{
	if (w->text)
		w->text(s->opts, arg);
}

static void text_record_end(struct output_sink *s)
{
	(void)s;
}

const struct output_format output_text = {
	.event = text_write,
	.record_begin = text_write,
	.section = text_write,
	.record_end = text_record_end,
};

static void json_open(struct output_sink *s, struct json_obj *j, const struct output_writer *head, void *arg)
{
	json_begin(j, s->out);
	json_kv_str(j, "event", head->event);
	if (head->json)
		head->json(j, s->opts, arg);
}

static void json_close(struct output_sink *s, struct json_obj *j)
{
	json_end(j);
	fputc('\n', s->out);
}

/* Its own object: an event may come while no record is open, or (in principle) while one is. */
static void json_event(struct output_sink *s, const struct output_writer *w, void *arg)
{
	struct json_obj j;

	json_open(s, &j, w, arg);
	json_close(s, &j);
}

static void json_record_begin(struct output_sink *s, const struct output_writer *head, void *arg)
{
	json_open(s, &s->record, head, arg);
}

static void json_section(struct output_sink *s, const struct output_writer *w, void *arg)
{
	if (w->json)
		w->json(&s->record, s->opts, arg);
}

static void json_record_end(struct output_sink *s)
{
	json_close(s, &s->record);
}

const struct output_format output_json = {
	.event = json_event,
	.record_begin = json_record_begin,
	.section = json_section,
	.record_end = json_record_end,
};
