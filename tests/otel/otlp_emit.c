// SPDX-License-Identifier: GPL-2.0
/*
 * otlp-emit: OTLP/JSON documents made by lib/trace for tests/otel/run.sh,
 * which decodes them with OpenTelemetry's generated protobuf code.
 *
 *   otlp-emit docs EXPECT      the documents as JSON lines on stdout; EXPECT
 *                              gets one line per document: the spans it must
 *                              hold, field by field, as the C structs had them
 *   otlp-emit post URL [FILE]  the same spans (but the empty document) through
 *                              lib/trace's exporter to URL, and as JSON lines to
 *                              FILE, plus the first document again through
 *                              submit_json; exit 0 when every batch was delivered
 *
 * The documents cover every field lib/trace writes: all six span kinds, the
 * three status codes with and without a message, roots and children, three
 * nodes (one with the largest int64 node id), int attributes at INT64_MIN,
 * INT64_MAX, 0 and -1, strings with quotes, backslashes, control characters
 * and non-ASCII UTF-8, times past 2^63 and equal start and end, ids with
 * leading zero bytes, the keep attribute, a service name with escapes, and
 * an empty document.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../../lib/trace/export.h"
#include "../../lib/trace/trace.h"

#define MAX_SPANS	64
#define NDOCS		4
/* every document's service.name, escapes included */
#define SERVICE		"sovereignd \"test\" \\ \xc3\xa9"

struct doc {
	struct trace_span spans[MAX_SPANS];
	size_t n;
	unsigned int keep;
};

static struct trace_span *add(struct doc *d, const struct trace_id *tid, uint64_t id,
			      uint64_t parent, const char *name, enum trace_kind kind,
			      uint64_t start, uint64_t end, uint64_t node)
{
	struct trace_span *sp = &d->spans[d->n++];

	memset(sp, 0, sizeof(*sp));
	sp->trace_id = *tid;
	sp->span_id = id;
	sp->parent_id = parent;
	sp->name = name;
	sp->kind = (uint8_t)kind;
	sp->start_ns = start;
	sp->end_ns = end;
	sp->node_id = node;
	sp->flags = TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM;
	return sp;
}

/* splitmix64, never zero: the same ids in every run */
static uint64_t next_id(uint64_t *state)
{
	uint64_t z;

	do {
		z = (*state += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
	} while (!z);
	return z;
}

static void make_docs(struct doc docs[NDOCS])
{
	uint64_t seed = 20251126;
	const uint64_t t0 = 1764000000123456789ULL;	/* 2025-11, past 2^53 */
	struct trace_id tid = { 0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL };
	struct trace_id low = { 0, 1 };			/* 15 leading zero bytes */
	struct trace_span *sp;
	unsigned int i;

	memset(docs, 0, NDOCS * sizeof(*docs));

	/* 1: one request across three nodes, every kind and status */
	sp = add(&docs[0], &tid, 0x00f067aa0ba902b7ULL, 0, "sovctl.request", TRACE_KIND_SERVER,
		 t0, t0 + 250000, 1);
	trace_span_attr_int(sp, "sov.cmd", 42);
	trace_span_attr_str(sp, "sov.object", "lb");
	trace_span_attr_int(sp, "sov.min", INT64_MIN);
	trace_span_attr_int(sp, "sov.max", INT64_MAX);
	trace_span_set_status(sp, TRACE_STATUS_OK, NULL);
	sp = add(&docs[0], &tid, 0x53995c3f42cd8ad8ULL, 0x00f067aa0ba902b7ULL, "raft.propose",
		 TRACE_KIND_CLIENT, t0 + 1000, t0 + 200000, 1);
	trace_span_attr_int(sp, "raft.index", 0);
	trace_span_attr_int(sp, "raft.term", -1);
	trace_span_set_status(sp, TRACE_STATUS_ERROR, "no leader: \"quoted\", back\\slash");
	sp = add(&docs[0], &tid, 0x0000000000000001ULL, 0x53995c3f42cd8ad8ULL, "raft.append",
		 TRACE_KIND_SERVER, t0 + 5000, t0 + 150000, 2);
	trace_span_attr_str(sp, "peer", "n\xc3\xb6" "de-2 \xe2\x9c\x93 \xf0\x9f\x9a\x80");
	trace_span_attr_str(sp, "ctl", "tab\there\nnewline\x01" "end");
	trace_span_attr_str(sp, "empty", "");
	sp = add(&docs[0], &tid, 0xffffffffffffffffULL, 0x0000000000000001ULL, "wal.fsync",
		 TRACE_KIND_INTERNAL, t0 + 6000, t0 + 6000, 2);
	trace_span_set_status(sp, TRACE_STATUS_UNSET, "a message with no code");
	sp = add(&docs[0], &tid, 0x8000000000000000ULL, 0x53995c3f42cd8ad8ULL, "lb.config.push",
		 TRACE_KIND_PRODUCER, t0 + 7000, t0 + 9000, INT64_MAX);
	sp = add(&docs[0], &tid, 0x7fffffffffffffffULL, 0x8000000000000000ULL, "lb.config.apply",
		 TRACE_KIND_CONSUMER, t0 + 9500, t0 + 19000, INT64_MAX);
	trace_span_set_status(sp, TRACE_STATUS_ERROR, NULL);
	sp = add(&docs[0], &tid, 0x1234000000000000ULL, 0x00f067aa0ba902b7ULL, "genl.\xc3\xa9tat",
		 TRACE_KIND_UNSPECIFIED, t0 + 20000, t0 + 21000, 1);
	docs[0].keep = TRACE_KEEP_SAMPLED | TRACE_KEEP_ERROR;

	/* 2: a single root, nothing optional; times at the top of uint64 */
	add(&docs[1], &low, 0x0100000000000000ULL, 0, "health.check", TRACE_KIND_INTERNAL,
	    UINT64_MAX - 1000, UINT64_MAX, 3);
	docs[1].keep = TRACE_KEEP_SLOW;

	/* 3: empty */

	/* 4: a larger batch, ids from a fixed sequence (docs and post agree) */
	tid.hi = next_id(&seed);
	tid.lo = next_id(&seed);
	for (i = 0; i < 40; i++) {
		sp = add(&docs[3], &tid, next_id(&seed),
			 i ? docs[3].spans[(i - 1) / 2].span_id : 0, "bulk.op", (enum trace_kind)(i % 6),
			 t0 + i * 1000ULL, t0 + i * 1000ULL + 999, 1 + i % 3);
		trace_span_attr_int(sp, "i", i);
		trace_span_set_status(sp, (enum trace_status)(i % 3), i % 3 == 2 ? "failed" : NULL);
	}
}

static const char *keep_names(unsigned int keep, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", keep & TRACE_KEEP_SAMPLED ? "sampled" : "",
		 (keep & TRACE_KEEP_SAMPLED) && (keep & (TRACE_KEEP_ERROR | TRACE_KEEP_SLOW)) ? "," : "",
		 keep & TRACE_KEEP_ERROR ? "error" : "",
		 (keep & TRACE_KEEP_ERROR) && (keep & TRACE_KEEP_SLOW) ? "," : "",
		 keep & TRACE_KEEP_SLOW ? "slow" : "");
	return buf;
}

static struct json_object *str64(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct json_object *str64(const char *fmt, ...)
{
	char buf[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_object_new_string(buf);
}

/* What the decoder must find, from the structs (not from the JSON). */
static struct json_object *expect(const struct doc *d, const char *service)
{
	struct json_object *arr = json_object_new_array();
	char hex[33], keep[32];
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		const struct trace_span *sp = &d->spans[i];
		struct json_object *o = json_object_new_object(), *attrs = json_object_new_array();

		trace_id_hex(&sp->trace_id, hex);
		json_object_object_add(o, "traceId", json_object_new_string(hex));
		trace_span_id_hex(sp->span_id, hex);
		json_object_object_add(o, "spanId", json_object_new_string(hex));
		if (sp->parent_id)
			trace_span_id_hex(sp->parent_id, hex);
		json_object_object_add(o, "parentSpanId",
				       json_object_new_string(sp->parent_id ? hex : ""));
		json_object_object_add(o, "name", json_object_new_string(sp->name));
		json_object_object_add(o, "kind", json_object_new_int(sp->kind));
		json_object_object_add(o, "start", str64("%" PRIu64, sp->start_ns));
		json_object_object_add(o, "end", str64("%" PRIu64, sp->end_ns));
		json_object_object_add(o, "statusCode", json_object_new_int(sp->status));
		json_object_object_add(o, "statusMessage",
				       json_object_new_string(sp->status_msg ? sp->status_msg : ""));
		json_object_object_add(o, "node", str64("%" PRId64, (int64_t)sp->node_id));
		json_object_object_add(o, "service", json_object_new_string(service));
		for (j = 0; j < sp->nattrs; j++) {
			struct json_object *a = json_object_new_object();

			json_object_object_add(a, "key", json_object_new_string(sp->attrs[j].key));
			if (sp->attr_type[j] == TRACE_ATTR_INT)
				json_object_object_add(a, "int", str64("%" PRId64, sp->attrs[j].v.i));
			else
				json_object_object_add(a, "string",
						       json_object_new_string(sp->attrs[j].v.s));
			json_object_array_add(attrs, a);
		}
		if (d->keep) {
			struct json_object *a = json_object_new_object();

			json_object_object_add(a, "key", json_object_new_string("sovereign.keep"));
			json_object_object_add(a, "string",
					       json_object_new_string(keep_names(d->keep, keep,
										 sizeof(keep))));
			json_object_array_add(attrs, a);
		}
		json_object_object_add(o, "attributes", attrs);
		json_object_array_add(arr, o);
	}
	return arr;
}

static int cmd_docs(const char *expect_path)
{
	static struct doc docs[NDOCS];
	FILE *ef = fopen(expect_path, "w");
	unsigned int i;

	if (!ef) {
		fprintf(stderr, "otlp-emit: %s: %s\n", expect_path, strerror(errno));
		return 1;
	}
	make_docs(docs);
	for (i = 0; i < NDOCS; i++) {
		struct trace_otlp_opts opts = { SERVICE, docs[i].keep };
		struct json_object *e = expect(&docs[i], SERVICE);

		if (trace_otlp_write_line(stdout, docs[i].spans, docs[i].n, &opts)) {
			fprintf(stderr, "otlp-emit: cannot write document %u\n", i + 1);
			return 1;
		}
		fprintf(ef, "%s\n", json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
		json_object_put(e);
	}
	if (fclose(ef) || fflush(stdout)) {
		fprintf(stderr, "otlp-emit: write error\n");
		return 1;
	}
	return 0;
}

static int cmd_post(const char *url, const char *file)
{
	struct trace_otlp_opts opts = { SERVICE, 0 };
	static struct doc docs[NDOCS];
	struct trace_exporter_conf conf;
	struct trace_exporter_stats st;
	struct trace_exporter *ex;
	char err[TRACE_EXPORT_ERR_MAX], *doc;
	unsigned int i, batches = 0;
	int ret;

	make_docs(docs);
	trace_exporter_conf_default(&conf);
	conf.url = url;
	conf.file = file;
	conf.service_name = SERVICE;
	ex = trace_exporter_create(&conf, err, sizeof(err));
	if (!ex) {
		fprintf(stderr, "otlp-emit: %s\n", err);
		return 1;
	}
	for (i = 0; i < NDOCS; i++) {
		if (!docs[i].n)
			continue;		/* submit wants spans */
		ret = trace_exporter_submit(ex, docs[i].spans, docs[i].n, docs[i].keep);
		if (ret) {
			fprintf(stderr, "otlp-emit: submit: %s\n", strerror(-ret));
			return 1;
		}
		batches++;
	}
	opts.keep = docs[0].keep;
	doc = trace_otlp_encode(docs[0].spans, docs[0].n, &opts);
	if (!doc || trace_exporter_submit_json(ex, doc, strlen(doc), docs[0].n)) {
		fprintf(stderr, "otlp-emit: submit_json failed\n");
		return 1;
	}
	free(doc);
	batches++;
	ret = trace_exporter_flush(ex, 20000);
	trace_exporter_stats(ex, &st);
	trace_exporter_destroy(ex);
	printf("otlp-emit: %u batches submitted, %" PRIu64 " sent (%" PRIu64 " spans), "
	       "%" PRIu64 " HTTP errors, last status %d, %" PRIu64 " lines written%s%s\n", batches,
	       st.batches_sent, st.spans_sent, st.http_errors, st.last_http_status,
	       st.file_batches, st.last_error[0] ? ", last error: " : "", st.last_error);
	return ret == 0 && st.batches_sent == batches && st.http_errors == 0 &&
	       (!file || st.file_batches == batches) ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "docs"))
		return cmd_docs(argv[2]);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "post"))
		return cmd_post(argv[2], argc == 4 ? argv[3] : NULL);
	fprintf(stderr, "usage: otlp-emit docs EXPECT_FILE | otlp-emit post URL [FILE]\n");
	return 2;
}
