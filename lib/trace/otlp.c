// SPDX-License-Identifier: GPL-2.0
/*
 * OTLP/JSON: an ExportTraceServiceRequest as the OTLP JSON mapping writes
 * it (opentelemetry-proto, "JSON Protobuf Encoding"): lowerCamelCase field
 * names, trace and span ids as lowercase hex (not base64), enums as
 * integers, 64-bit integers (times, intValue) as decimal strings.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "trace_internal.h"

#define DEFAULT_SERVICE	"sovereignd"

static int add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(obj, key, val)) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

static int append(struct json_object *arr, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_array_add(arr, val)) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

static struct json_object *u64_string(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return json_object_new_string(buf);
}

static struct json_object *i64_string(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_object_new_string(buf);
}

/* {"key":K,"value":{"stringValue":V}} or {"intValue":"N"} */
static struct json_object *kv(const char *key, const char *sval, int64_t ival, bool is_int)
{
	struct json_object *o = json_object_new_object(), *v = json_object_new_object();

	if (!o || !v ||
	    add(v, is_int ? "intValue" : "stringValue",
		is_int ? i64_string(ival) : json_object_new_string(sval ? sval : "")) ||
	    add(o, "key", json_object_new_string(key))) {
		json_object_put(o);
		json_object_put(v);
		return NULL;
	}
	if (add(o, "value", v)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void keep_string(unsigned int keep, char *buf, size_t size)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = {
		{ TRACE_KEEP_SAMPLED, "sampled" },
		{ TRACE_KEEP_ERROR, "error" },
		{ TRACE_KEEP_SLOW, "slow" },
	};
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(keep & names[i].bit))
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "", names[i].name);
		if (len >= size)
			break;
	}
}

static struct json_object *span_json(const struct trace_span *sp, const char *keep)
{
	struct json_object *o = json_object_new_object(), *attrs = NULL, *status;
	char tid[33], sid[17];
	unsigned int i;

	if (!o)
		return NULL;
	trace_id_hex(&sp->trace_id, tid);
	trace_span_id_hex(sp->span_id, sid);
	if (add(o, "traceId", json_object_new_string(tid)) ||
	    add(o, "spanId", json_object_new_string(sid)))
		goto fail;
	if (sp->parent_id) {
		trace_span_id_hex(sp->parent_id, sid);
		if (add(o, "parentSpanId", json_object_new_string(sid)))
			goto fail;
	}
	if (add(o, "name", json_object_new_string(sp->name ? sp->name : "")) ||
	    add(o, "kind", json_object_new_int(sp->kind)) ||
	    add(o, "startTimeUnixNano", u64_string(sp->start_ns)) ||
	    add(o, "endTimeUnixNano", u64_string(sp->end_ns)))
		goto fail;
	if (sp->nattrs || keep) {
		attrs = json_object_new_array();
		if (!attrs)
			goto fail;
		for (i = 0; i < sp->nattrs && i < TRACE_SPAN_ATTRS; i++) {
			const struct trace_attr *a = &sp->attrs[i];

			if (!a->key)
				continue;
			if (append(attrs, kv(a->key, a->v.s, a->v.i,
					     sp->attr_type[i] == TRACE_ATTR_INT)))
				goto fail;
		}
		if (keep && append(attrs, kv("sovereign.keep", keep, 0, false)))
			goto fail;
		if (add(o, "attributes", attrs)) {
			attrs = NULL;
			goto fail;
		}
		attrs = NULL;
	}
	if (sp->status || (sp->status_msg && *sp->status_msg)) {
		status = json_object_new_object();
		if (!status || add(status, "code", json_object_new_int(sp->status)) ||
		    (sp->status_msg && *sp->status_msg &&
		     add(status, "message", json_object_new_string(sp->status_msg)))) {
			json_object_put(status);
			goto fail;
		}
		if (add(o, "status", status))
			goto fail;
	}
	return o;
fail:
	json_object_put(attrs);
	json_object_put(o);
	return NULL;
}

/* One resourceSpans element: the spans of @node, in their order. */
static struct json_object *resource_spans(const struct trace_span *spans, size_t n, uint64_t node,
					  const char *service, const char *keep)
{
	struct json_object *rs = json_object_new_object(), *res = NULL, *rattrs = NULL;
	struct json_object *scopes = NULL, *ss = NULL, *scope = NULL, *arr = NULL;
	size_t i;

	if (!rs)
		return NULL;
	res = json_object_new_object();
	rattrs = json_object_new_array();
	if (!res || !rattrs || append(rattrs, kv("service.name", service, 0, false)) ||
	    append(rattrs, kv("sovereign.node.id", NULL, (int64_t)node, true)))
		goto fail;
	if (add(res, "attributes", rattrs)) {
		rattrs = NULL;
		goto fail;
	}
	rattrs = NULL;
	if (add(rs, "resource", res)) {
		res = NULL;
		goto fail;
	}
	res = NULL;
	scopes = json_object_new_array();
	ss = json_object_new_object();
	scope = json_object_new_object();
	arr = json_object_new_array();
	if (!scopes || !ss || !scope || !arr ||
	    add(scope, "name", json_object_new_string("sovereign")))
		goto fail;
	for (i = 0; i < n; i++)
		if (spans[i].node_id == node && append(arr, span_json(&spans[i], keep)))
			goto fail;
	if (add(ss, "scope", scope)) {
		scope = NULL;
		goto fail;
	}
	scope = NULL;
	if (add(ss, "spans", arr)) {
		arr = NULL;
		goto fail;
	}
	arr = NULL;
	if (append(scopes, ss)) {
		ss = NULL;
		goto fail;
	}
	ss = NULL;
	if (add(rs, "scopeSpans", scopes)) {
		scopes = NULL;
		goto fail;
	}
	return rs;
fail:
	json_object_put(arr);
	json_object_put(scope);
	json_object_put(ss);
	json_object_put(scopes);
	json_object_put(rattrs);
	json_object_put(res);
	json_object_put(rs);
	return NULL;
}

struct json_object *trace_otlp_build(const struct trace_span *spans, size_t n,
				     const struct trace_otlp_opts *opts)
{
	const char *service = opts && opts->service_name ? opts->service_name : DEFAULT_SERVICE;
	struct json_object *doc = json_object_new_object(), *arr = json_object_new_array();
	char keep[32] = "";
	size_t i, j;

	if (!doc || !arr)
		goto fail;
	if (opts && opts->keep)
		keep_string(opts->keep, keep, sizeof(keep));
	for (i = 0; i < n; i++) {
		/* one resource per node, at its first span */
		for (j = 0; j < i; j++)
			if (spans[j].node_id == spans[i].node_id)
				break;
		if (j < i)
			continue;
		if (append(arr, resource_spans(spans, n, spans[i].node_id, service,
					       keep[0] ? keep : NULL)))
			goto fail;
	}
	if (add(doc, "resourceSpans", arr)) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
fail:
	json_object_put(arr);
	json_object_put(doc);
	return NULL;
}

char *trace_otlp_encode(const struct trace_span *spans, size_t n,
			const struct trace_otlp_opts *opts)
{
	struct json_object *doc = trace_otlp_build(spans, n, opts);
	const char *s;
	char *ret = NULL;

	if (!doc)
		return NULL;
	s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s)
		ret = strdup(s);
	json_object_put(doc);
	return ret;
}

int trace_otlp_write_line(FILE *f, const struct trace_span *spans, size_t n,
			  const struct trace_otlp_opts *opts)
{
	char *s = trace_otlp_encode(spans, n, opts);
	int ret = 0;

	if (!s)
		return -ENOMEM;
	if (fputs(s, f) == EOF || fputc('\n', f) == EOF)
		ret = errno ? -errno : -EIO;
	free(s);
	return ret;
}

int trace_otlp_write_rec(FILE *f, const struct trace_rec *rec, const char *service_name)
{
	struct trace_otlp_opts opts = { service_name, rec->keep };

	return trace_otlp_write_line(f, rec->spans, rec->nspans, &opts);
}
