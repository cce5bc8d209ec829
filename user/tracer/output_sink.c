// SPDX-License-Identifier: GPL-2.0
/* The output formats. Text: each writer's text, nothing around it. JSON: an object per event and per record,
 * each on its own line, its members added by the writers. Log: events only, each text line a log line. */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "tracer/output.h"
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
	.alert = text_write,
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
	.alert = json_event,
	.record_begin = json_record_begin,
	.section = json_section,
	.record_end = json_record_end,
};

/* An alert's text, written to memory, then each of its lines through log_notice: an OOM kill reaches the daemon's
 * log collector as a log record, like everything else it says. */
static void log_alert(struct output_sink *s, const struct output_writer *w, void *arg)
{
	struct output_opts o = *s->opts;
	char *text = NULL, *line, *save;
	size_t size = 0;

	if (!w->text || !(o.out = open_memstream(&text, &size)))
		return;
	o.timestamps = false;	/* the log record has its time */
	w->text(&o, arg);
	fclose(o.out);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_notice("%s", line);
	free(text);
}

static void log_nothing(struct output_sink *s, const struct output_writer *w, void *arg)
{
	(void)s;
	(void)w;
	(void)arg;
}

const struct output_format output_log = {
	.event = log_nothing,
	.alert = log_alert,
	.record_begin = log_nothing,
	.section = log_nothing,
	.record_end = text_record_end,
};
