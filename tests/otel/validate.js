#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
/*
 * Validate OTLP/JSON trace documents with OpenTelemetry's own protobuf code:
 * the static protobufjs module that @opentelemetry/otlp-transformer
 * generates from the official opentelemetry-proto definitions
 * (opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest).
 *
 * Each document is read under the OTLP/JSON rules (the OTLP specification,
 * "JSON Protobuf Encoding"), which differ from the plain protobuf JSON
 * mapping: keys are lowerCamelCase field names only; traceId, spanId and
 * parentSpanId are hex (case-insensitive), not base64; enum values MUST be
 * integers, names are not valid. On top of those, stricter than a receiver
 * (which ignores unknown fields and takes 64-bit integers as numbers too),
 * as Sovereign's output must be: unknown keys are refused, 64-bit integers
 * must be decimal strings (--lenient-int64 accepts safe-integer numbers),
 * enum values must be ones the proto defines, ids must have their exact
 * length and not be all zero, spans need their ids and times.
 *
 * The converted object goes through the generated fromObject, verify,
 * encode (protobuf binary), decode; every field of the decoded message is
 * compared with the document (ids, 64-bit times and integers exactly, kinds,
 * status codes, attributes), and the decoded message re-encoded must give
 * the same bytes. With --expect, the decoded spans are also compared with
 * what the producer says it put in (tests/otel/otlp_emit.c).
 *
 * The field schema (names, numbers, types, enums, oneofs) is read from the
 * generated code itself, not written here; only the OTLP/JSON rules are.
 *
 *   validate.js [--expect FILE] [--lenient-int64] [FILE|-]
 *       one document, or JSON lines; prints TAP "ok"/"not ok" per document
 *   validate.js --cases CASES.jsonl
 *       each line {"name", "error", "doc" | "raw", "lenient"?}: refused with a
 *       message containing "error", or accepted when "error" is null
 *   validate.js --serve --port-file FILE --count N [--timeout S] [--expect FILE]
 *       an OTLP/HTTP receiver on 127.0.0.1 (port 0: the kernel picks one and
 *       it is written to FILE); validates N POSTs to /v1/traces, answers 200
 *       or 400 with the reason, then exits
 *   validate.js --schema
 *       print the schema read from the generated code
 *
 * Modules: from $SOV_OTEL_MODULES (a node_modules directory; tests/otel/run.sh
 * sets it from scripts/otel-deps.sh), else tests/otel/node_modules.
 * Exit status: 0 when everything passed, 1 when something did not, 2 on
 * usage or setup errors.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const http = require('http');

function die(msg) {
	process.stderr.write(`validate: ${msg}\n`);
	process.exit(2);
}

/* ------------------------------------------------------------------ */
/* OpenTelemetry's generated code                                      */
/* ------------------------------------------------------------------ */

const modules = process.env.SOV_OTEL_MODULES || path.join(__dirname, 'node_modules');
const ROOT_JS = '@opentelemetry/otlp-transformer/build/src/generated/root.js';
let root, Long, protobuf, versions;
try {
	root = require(path.join(modules, ROOT_JS));
	protobuf = require(path.join(modules, 'protobufjs/minimal'));
	Long = require(path.join(modules, 'long'));
	const ver = (p) => JSON.parse(fs.readFileSync(path.join(modules, p, 'package.json'))).version;
	versions = `@opentelemetry/otlp-transformer ${ver('@opentelemetry/otlp-transformer')}, ` +
		`protobufjs ${ver('protobufjs')}, long ${ver('long')}`;
} catch (e) {
	die(`cannot load OpenTelemetry's generated code from ${modules} (${e.message.split('\n')[0]}); ` +
	    'run scripts/otel-deps.sh and set SOV_OTEL_MODULES to the directory it prints');
}
if (!protobuf.util.Long)
	die('protobufjs found no "long" package: 64-bit values would lose precision');

const REQUEST = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest';

function lookup(name) {
	let o = root;
	for (const part of name.split('.')) {
		o = o && o[part];
	}
	if (typeof o !== 'function' || typeof o.encode !== 'function')
		die(`the generated code has no message ${name}`);
	return o;
}

/*
 * The schema of one message, read from its generated encode() and verify():
 *   writer.uint32(/* id N, wireType W =*\/ T).TYPE(message.NAME[i]?)
 *   $root.X.Y.encode(message.NAME[i]?, writer.uint32(/* id N, ... *\/ T).fork()).ldelim()
 * Enums are the int32 fields whose verify() says "enum value expected" (the
 * allowed values are its cases); oneofs are verify()'s "properties.G = 1".
 */
const schemas = new Map();

function schemaOf(name) {
	if (schemas.has(name))
		return schemas.get(name);
	const cls = lookup(name);
	const s = { name, cls, fields: new Map(), oneofs: new Map() };
	schemas.set(name, s);
	const enc = cls.encode.toString();
	const ver = cls.verify.toString();
	const msgRe = /\$root\.([\w.]+)\.encode\(message\.(\w+)(\[i\])?, writer\.uint32\(\/\* id (\d+), wireType (\d) =\*\/ ?\d+\)\.fork\(\)\)\.ldelim\(\)/g;
	const scalarRe = /writer\.uint32\(\/\* id (\d+), wireType (\d) =\*\/ ?\d+\)\.(\w+)\(message\.(\w+)(\[i\])?\)/g;
	let m;
	while ((m = msgRe.exec(enc)))
		s.fields.set(m[2], { name: m[2], id: +m[4], type: 'message', message: m[1], repeated: !!m[3] });
	while ((m = scalarRe.exec(enc)))
		s.fields.set(m[4], { name: m[4], id: +m[1], type: m[3], repeated: !!m[5] });
	const enumRe = /switch \(message\.(\w+)(?:\[i\])?\) \{\s*default:\s*return "[\w.]+(?:\[\]|)?: enum value expected";([\s\S]*?)break;/g;
	while ((m = enumRe.exec(ver))) {
		const f = s.fields.get(m[1]);
		if (!f)
			die(`schema: ${name}: verify() names an enum field ${m[1]} that encode() does not write`);
		f.type = 'enum';
		f.values = new Set([...m[2].matchAll(/case (-?\d+):/g)].map((c) => +c[1]));
	}
	const oneofRe = /if \(message\.(\w+) != null && message\.hasOwnProperty\("\w+"\)\) \{\s*(?:if \(properties\.\w+ === 1\)\s*return "[^"]*";\s*)?properties\.(\w+) = 1;/g;
	while ((m = oneofRe.exec(ver))) {
		if (!s.oneofs.has(m[2]))
			s.oneofs.set(m[2], []);
		s.oneofs.get(m[2]).push(m[1]);
		s.fields.get(m[1]).oneof = m[2];
	}
	/* every field of the generated class must have been understood */
	const proto = Object.keys(cls.prototype).filter((k) => k !== 'toJSON');
	const missing = proto.filter((k) => !s.fields.has(k));
	const extra = [...s.fields.keys()].filter((k) => !proto.includes(k));
	if (missing.length || extra.length)
		die(`schema: ${name}: could not read fields ${missing.join(', ') || '-'} ` +
		    `(or found ${extra.join(', ') || '-'} not in the class) from the generated code`);
	for (const f of s.fields.values())
		if (f.type === 'message')
			schemaOf(f.message);
	return s;
}

const REQ = schemaOf(REQUEST);

/* ------------------------------------------------------------------ */
/* OTLP/JSON -> the object fromObject() takes                          */
/* ------------------------------------------------------------------ */

class Invalid extends Error {
	constructor(where, msg) {
		super(`${where || '(document)'}: ${msg}`);
	}
}

const ID_BYTES = { traceId: 16, spanId: 8, parentSpanId: 8 };
const U32 = new Set(['uint32', 'fixed32']);
const I32 = new Set(['int32', 'sint32', 'sfixed32']);
const U64 = new Set(['uint64', 'fixed64']);
const I64 = new Set(['int64', 'sint64', 'sfixed64']);
const INT_RE = /^-?(0|[1-9][0-9]*)$/;
/* String.prototype.isWellFormed() is Node 20's; this is the same on Node 18 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function show(v) {
	const s = JSON.stringify(v);
	return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function typeName(v) {
	return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' :
		`${typeof v} ${show(v)}`;
}

function snakeToCamel(k) {
	return k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

let lenientInt64 = false;

function convId(f, v, where) {
	const want = ID_BYTES[f.name] * 2;
	if (typeof v !== 'string')
		throw new Invalid(where, `expected a hex string, got ${typeName(v)}`);
	if (v === '') {
		if (f.name === 'parentSpanId')
			return new Uint8Array(0);	/* a root span */
		throw new Invalid(where, `empty: a ${f.name} is required and the empty id is invalid`);
	}
	const bad = v.search(/[^0-9a-fA-F]/);
	if (bad >= 0) {
		const b64 = /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === want / 2;
		throw new Invalid(where, `${show(v)} is not hex (${show(v[bad])} at offset ${bad})` +
			(b64 ? '; it looks like base64, which the protobuf JSON mapping uses but OTLP/JSON does not: ids are hex' : ''));
	}
	if (v.length !== want)
		throw new Invalid(where, `expected ${want} hex digits (${want / 2} bytes), got ${v.length}`);
	if (/^0+$/.test(v))
		throw new Invalid(where, `all zero: an invalid ${f.name}`);
	return Uint8Array.from(Buffer.from(v, 'hex'));
}

function convInt64(f, v, where) {
	let s = v;
	if (typeof v === 'number') {
		if (!lenientInt64)
			throw new Invalid(where, `${f.type} given as the JSON number ${show(v)}: ` +
				'64-bit integers must be decimal strings (the protobuf JSON mapping writes them so; ' +
				'a number past 2^53 loses precision)');
		if (!Number.isSafeInteger(v))
			throw new Invalid(where, `${show(v)} is not an exact integer`);
		s = String(v);
	}
	if (typeof s !== 'string')
		throw new Invalid(where, `expected a decimal string (${f.type}), got ${typeName(v)}`);
	if (!INT_RE.test(s))
		throw new Invalid(where, `${show(s)} is not a decimal integer (${f.type}: digits only, ` +
			'an optional minus, no leading zeros, exponent, sign or spaces)');
	const b = BigInt(s);
	const unsigned = U64.has(f.type);
	const lo = unsigned ? 0n : -(2n ** 63n), hi = unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
	if (b < lo || b > hi)
		throw new Invalid(where, `${s} is out of the range of ${f.type} (${lo} to ${hi})`);
	return Long.fromString(s, unsigned, 10);
}

function convInt32(f, v, where) {
	let n = v;
	if (typeof v === 'string') {
		if (!INT_RE.test(v))
			throw new Invalid(where, `${show(v)} is not a decimal integer (${f.type})`);
		n = Number(v);
	} else if (typeof v !== 'number' || !Number.isInteger(v)) {
		throw new Invalid(where, `expected an integer (${f.type}), got ${typeName(v)}`);
	}
	const [lo, hi] = U32.has(f.type) ? [0, 2 ** 32 - 1] : [-(2 ** 31), 2 ** 31 - 1];
	if (n < lo || n > hi)
		throw new Invalid(where, `${n} is out of the range of ${f.type} (${lo} to ${hi})`);
	return n;
}

function convScalar(f, v, where) {
	if (f.type === 'bytes' && f.name in ID_BYTES)
		return convId(f, v, where);
	if (I64.has(f.type) || U64.has(f.type))
		return convInt64(f, v, where);
	if (I32.has(f.type) || U32.has(f.type))
		return convInt32(f, v, where);
	switch (f.type) {
	case 'enum':
		if (typeof v === 'string')
			throw new Invalid(where, `enum given as the string ${show(v)}: OTLP/JSON requires enum ` +
				'values as integers (names are not valid)');
		if (typeof v !== 'number' || !Number.isInteger(v))
			throw new Invalid(where, `expected an integer enum value, got ${typeName(v)}`);
		if (!f.values.has(v))
			throw new Invalid(where, `${v} is not a value of this enum (${[...f.values].join(', ')})`);
		return v;
	case 'string':
		if (typeof v !== 'string')
			throw new Invalid(where, `expected a string, got ${typeName(v)}`);
		if (LONE_SURROGATE.test(v))
			throw new Invalid(where, 'a lone UTF-16 surrogate: not valid UTF-8 in protobuf');
		return v;
	case 'bool':
		if (typeof v !== 'boolean')
			throw new Invalid(where, `expected true or false, got ${typeName(v)}`);
		return v;
	case 'double':
	case 'float':
		if (typeof v === 'number')
			return v;
		if (v === 'NaN' || v === 'Infinity' || v === '-Infinity')
			return Number(v);
		if (typeof v === 'string' && /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(v))
			return Number(v);
		throw new Invalid(where, `expected a number, got ${typeName(v)}`);
	case 'bytes':
		if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v) || v.replace(/=+$/, '').length % 4 === 1)
			throw new Invalid(where, `expected base64, got ${typeName(v)}`);
		return Uint8Array.from(Buffer.from(v, 'base64'));
	default:
		throw new Invalid(where, `field type ${f.type} is not handled by this validator`);
	}
}

function convMessage(s, json, where) {
	if (json === null || typeof json !== 'object' || Array.isArray(json))
		throw new Invalid(where, `expected an object (${s.name.split('.').pop()}), got ${typeName(json)}`);
	const out = {};
	const set = new Map();		/* oneof -> field */
	for (const key of Object.keys(json)) {
		const at = where ? `${where}.${key}` : key;
		const f = s.fields.get(key);
		if (!f) {
			const camel = snakeToCamel(key);
			const ci = [...s.fields.keys()].find((k) => k.toLowerCase() === key.toLowerCase());
			let hint = '';
			if (camel !== key && s.fields.has(camel))
				hint = `; OTLP/JSON keys are lowerCamelCase field names: "${camel}"`;
			else if (ci)
				hint = `; did you mean "${ci}"?`;
			throw new Invalid(at, `not a field of ${s.name}${hint} ` +
				'(a receiver would ignore it; Sovereign must not write it)');
		}
		const v = json[key];
		if (v === null)
			continue;		/* the JSON mapping: null is the default */
		if (f.oneof) {
			if (set.has(f.oneof))
				throw new Invalid(at, `${set.get(f.oneof)} is set too: they are one oneof (${f.oneof})`);
			set.set(f.oneof, key);
		}
		const one = (x, w) => (f.type === 'message' ? convMessage(schemaOf(f.message), x, w) : convScalar(f, x, w));
		if (f.repeated) {
			if (!Array.isArray(v))
				throw new Invalid(at, `expected an array, got ${typeName(v)}`);
			out[key] = v.map((x, i) => {
				if (x === null)
					throw new Invalid(`${at}[${i}]`, 'null in a repeated field');
				return one(x, `${at}[${i}]`);
			});
		} else {
			out[key] = one(v, at);
		}
	}
	/* what trace.proto calls required */
	const short = s.name.split('.').pop();
	if (short === 'Span' || short === 'Link')
		for (const k of ['traceId', 'spanId'])
			if (!(k in out))
				throw new Invalid(where, `${short} without ${k}: it is required`);
	if (short === 'Span')
		for (const k of ['startTimeUnixNano', 'endTimeUnixNano'])
			if (!(k in out))
				throw new Invalid(where, `span without ${k}: it is semantically required`);
	if (short === 'KeyValue' && !('key' in out))
		throw new Invalid(where, 'attribute without a key');
	return out;
}

/* ------------------------------------------------------------------ */
/* The decoded message against the document                            */
/* ------------------------------------------------------------------ */

function long64(v, unsigned) {
	if (v === null || v === undefined)
		return 0n;
	if (typeof v === 'number')
		return BigInt(v);
	const b = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
	return unsigned ? b : BigInt.asIntN(64, b);
}

function hex(b) {
	return Buffer.from(b || []).toString('hex');
}

function compareScalar(f, json, got, where) {
	const bad = (g) => {
		throw new Invalid(where, `round trip: the document has ${show(json)}, the decoded protobuf ${g}`);
	};
	if (f.type === 'bytes' && f.name in ID_BYTES) {
		if (hex(got) !== json.toLowerCase())
			bad(`has ${show(hex(got))}`);
		if (json !== '' && got.length !== ID_BYTES[f.name])
			bad(`has ${got.length} bytes`);
	} else if (I64.has(f.type) || U64.has(f.type)) {
		const g = long64(got, U64.has(f.type));
		if (g !== BigInt(json))
			bad(`has ${g}`);
	} else if (f.type === 'bytes') {
		if (Buffer.compare(Buffer.from(got || []), Buffer.from(json, 'base64')))
			bad(`has base64 ${Buffer.from(got || []).toString('base64')}`);
	} else if (f.type === 'double' || f.type === 'float') {
		const want = Number(json);
		if (!(Object.is(got, want) || (f.type === 'float' && Math.fround(want) === got)))
			bad(`has ${got}`);
	} else if (I32.has(f.type) || U32.has(f.type)) {
		if (got !== Number(json))
			bad(`has ${got}`);
	} else if (got !== json) {
		bad(`has ${show(got)}`);
	}
}

function compareMessage(s, json, got, where) {
	if (!got)
		throw new Invalid(where, 'round trip: the decoded protobuf lacks this message');
	for (const key of Object.keys(json)) {
		const f = s.fields.get(key), v = json[key], at = where ? `${where}.${key}` : key;
		if (v === null)
			continue;
		const g = got[key];
		const one = (x, y, w) => (f.type === 'message' ? compareMessage(schemaOf(f.message), x, y, w) : compareScalar(f, x, y, w));
		if (f.repeated) {
			if (!Array.isArray(g) || g.length !== v.length)
				throw new Invalid(at, `round trip: ${v.length} elements in the document, ` +
					`${Array.isArray(g) ? g.length : 'none'} decoded`);
			v.forEach((x, i) => one(x, g[i], `${at}[${i}]`));
		} else {
			one(v, g, at);
		}
	}
}

/* ------------------------------------------------------------------ */
/* One document                                                        */
/* ------------------------------------------------------------------ */

/* Parse, convert, encode, decode, compare. Returns a summary or throws. */
function validate(text, expect) {
	let json;
	try {
		json = JSON.parse(text);
	} catch (e) {
		throw new Invalid('(document)', `not JSON: ${e.message}`);
	}
	const obj = convMessage(REQ, json, '');
	const T = REQ.cls;
	const msg = T.fromObject(obj);
	const err = T.verify(msg);
	if (err)
		throw new Invalid('(protobuf)', `verify: ${err}`);
	const bin = T.encode(msg).finish();
	const back = T.decode(bin);
	compareMessage(REQ, json, back, '');
	const again = T.encode(back).finish();
	if (Buffer.compare(Buffer.from(bin), Buffer.from(again)))
		throw new Invalid('(protobuf)', 'the decoded message re-encodes to different bytes');
	const spans = (back.resourceSpans || []).reduce((n, rs) =>
		n + (rs.scopeSpans || []).reduce((m, ss) => m + (ss.spans || []).length, 0), 0);
	if (expect)
		compareExpect(back, expect);
	return `${(back.resourceSpans || []).length} resourceSpans, ${spans} spans, ${bin.length} protobuf bytes` +
		(expect ? ', all as lib/trace made them' : '');
}

/* The spans of the decoded message against the producer's own account. */
function compareExpect(back, expect) {
	const want = new Map(expect.map((e) => [e.spanId, e]));
	let seen = 0;
	(back.resourceSpans || []).forEach((rs, r) => {
		const rattr = new Map(((rs.resource && rs.resource.attributes) || []).map((kv) => [kv.key, kv.value]));
		const service = rattr.get('service.name') && rattr.get('service.name').stringValue;
		const nodeV = rattr.get('sovereign.node.id');
		const node = nodeV && nodeV.intValue !== null && nodeV.intValue !== undefined ?
			String(long64(nodeV.intValue, false)) : undefined;
		(rs.scopeSpans || []).forEach((ss) => {
			if (!ss.scope || ss.scope.name !== 'sovereign')
				throw new Invalid(`resourceSpans[${r}]`, `scope ${show(ss.scope && ss.scope.name)}, expected "sovereign"`);
			for (const sp of ss.spans || []) {
				const id = hex(sp.spanId);
				const e = want.get(id);
				if (!e)
					throw new Invalid(`span ${id}`, 'decoded, but lib/trace did not make it (or made it twice)');
				want.delete(id);
				seen++;
				const attrs = (sp.attributes || []).map((kv) => {
					const v = kv.value || {};
					if (v.intValue !== null && v.intValue !== undefined)
						return { key: kv.key, int: String(long64(v.intValue, false)) };
					return { key: kv.key, string: v.stringValue };
				});
				const got = {
					traceId: hex(sp.traceId), spanId: id, parentSpanId: hex(sp.parentSpanId),
					name: sp.name, kind: sp.kind || 0,
					start: String(long64(sp.startTimeUnixNano, true)),
					end: String(long64(sp.endTimeUnixNano, true)),
					statusCode: (sp.status && sp.status.code) || 0,
					statusMessage: (sp.status && sp.status.message) || '',
					node, service, attributes: attrs,
				};
				for (const k of Object.keys(e)) {
					if (JSON.stringify(got[k]) === JSON.stringify(e[k]))
						continue;
					if (Array.isArray(e[k]) && Array.isArray(got[k]) && e[k].length === got[k].length) {
						const j = e[k].findIndex((x, n) => JSON.stringify(x) !== JSON.stringify(got[k][n]));
						throw new Invalid(`span ${id}.${k}[${j}]`,
							`decoded ${JSON.stringify(got[k][j])}, lib/trace had ${JSON.stringify(e[k][j])}`);
					}
					throw new Invalid(`span ${id}.${k}`, `decoded ${show(got[k])}, lib/trace had ${show(e[k])}`);
				}
			}
		});
	});
	if (want.size)
		throw new Invalid('(expect)', `${want.size} spans lib/trace made are missing: ${[...want.keys()].join(', ')}`);
	return seen;
}

/* ------------------------------------------------------------------ */
/* Modes                                                               */
/* ------------------------------------------------------------------ */

function readInput(file) {
	try {
		return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
	} catch (e) {
		die(`${file}: ${e.message}`);
	}
	return '';
}

/* One document per line, or one document in the whole input. */
function documents(text) {
	try {
		JSON.parse(text);
		return [{ line: 1, text }];
	} catch (e) {
		return text.split('\n').map((t, i) => ({ line: i + 1, text: t })).filter((d) => d.text.trim() !== '');
	}
}

function readExpect(file) {
	return readInput(file).split('\n').filter((l) => l.trim() !== '').map((l, i) => {
		try {
			return JSON.parse(l);
		} catch (e) {
			die(`${file}:${i + 1}: ${e.message}`);
		}
		return null;
	});
}

/*
 * The producer's account of a document, found by the document's first span
 * id (an empty document: the empty account), so documents may come in any
 * order and repeat.
 */
function pickExpect(text, expect) {
	if (!expect)
		return null;
	const first = /"spanId":"([0-9a-fA-F]*)"/.exec(text);
	const e = first ? expect.find((x) => x.some((sp) => sp.spanId === first[1].toLowerCase())) :
		expect.find((x) => x.length === 0);
	if (!e)
		throw new Invalid('(expect)', first ? `no span ${first[1]} in the producer's account` :
			'an empty document the producer did not make');
	return e;
}

function cmdValidate(file, expectFile) {
	const docs = documents(readInput(file));
	const expect = expectFile ? readExpect(expectFile) : null;
	let failed = 0;
	if (!docs.length)
		die(`${file}: no document`);
	docs.forEach((d, i) => {
		try {
			console.log(`ok ${i + 1} - doc ${i + 1} (line ${d.line}): ${validate(d.text, pickExpect(d.text, expect))}`);
		} catch (e) {
			if (!(e instanceof Invalid))
				throw e;
			failed++;
			console.log(`not ok ${i + 1} - doc ${i + 1} (line ${d.line}): ${e.message}`);
			process.stderr.write(`validate: ${file === '-' ? 'stdin' : file}:${d.line}: ${e.message}\n`);
		}
	});
	return failed ? 1 : 0;
}

function cmdCases(file) {
	const cases = readExpect(file);
	let failed = 0;
	cases.forEach((c, i) => {
		const text = 'raw' in c ? c.raw : JSON.stringify(c.doc);
		let msg = null, summary = '';
		lenientInt64 = !!c.lenient;
		try {
			summary = validate(text, null);
		} catch (e) {
			if (!(e instanceof Invalid))
				throw e;
			msg = e.message;
		}
		lenientInt64 = false;
		if (c.error === null) {
			if (msg === null) {
				console.log(`ok ${i + 1} - accepts ${c.name}: ${summary}`);
				return;
			}
			failed++;
			console.log(`not ok ${i + 1} - accepts ${c.name}: refused: ${msg}`);
		} else if (msg !== null && msg.includes(c.error)) {
			console.log(`ok ${i + 1} - rejects ${c.name}: ${msg}`);
		} else {
			failed++;
			console.log(`not ok ${i + 1} - rejects ${c.name}: ` +
				(msg === null ? 'accepted' : `refused, but not for ${show(c.error)}: ${msg}`));
		}
	});
	return failed ? 1 : 0;
}

function cmdServe(portFile, count, timeout, expectFile) {
	const expect = expectFile ? readExpect(expectFile) : null;
	let n = 0, failed = 0;
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const i = ++n;
			const body = Buffer.concat(chunks).toString('utf8');
			const type = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
			let why = null, summary = '';
			if (req.method !== 'POST')
				why = `method ${req.method}, expected POST`;
			else if (req.url !== '/v1/traces')
				why = `path ${req.url}, expected /v1/traces`;
			else if (type !== 'application/json')
				why = `Content-Type ${show(req.headers['content-type'])}, expected application/json`;
			else if (Number(req.headers['content-length']) !== Buffer.byteLength(body))
				why = `Content-Length ${req.headers['content-length']} for ${Buffer.byteLength(body)} bytes`;
			else {
				try {
					summary = validate(body, pickExpect(body, expect));
				} catch (err) {
					if (!(err instanceof Invalid))
						throw err;
					why = err.message;
				}
			}
			if (why) {
				failed++;
				console.log(`not ok ${i} - POST ${i}: ${why}`);
				res.writeHead(400, { 'Content-Type': 'application/json' });
				res.end(JSON.stringify({ code: 3, message: why }));
			} else {
				console.log(`ok ${i} - POST ${i} (${Buffer.byteLength(body)} bytes, ${req.headers['user-agent']}): ${summary}`);
				res.writeHead(200, { 'Content-Type': 'application/json' });
				res.end('{}');
			}
			if (n >= count)
				server.close(() => process.exit(failed ? 1 : 0));
		});
	});
	server.keepAliveTimeout = 500;
	server.listen(0, '127.0.0.1', () => {
		fs.writeFileSync(portFile, `${server.address().port}\n`);
	});
	setTimeout(() => {
		console.log(`not ok ${n + 1} - only ${n} of ${count} requests arrived in ${timeout} s`);
		process.exit(1);
	}, timeout * 1000).unref();
}

function cmdSchema() {
	console.log(`# ${versions}`);
	for (const s of schemas.values()) {
		const fields = [...s.fields.values()].sort((a, b) => a.id - b.id).map((f) =>
			`${f.id}:${f.name}:${f.repeated ? 'repeated ' : ''}${f.type === 'message' ? f.message.split('.').pop() : f.type}` +
			(f.values ? `{${[...f.values].join(',')}}` : '') + (f.oneof ? `(oneof ${f.oneof})` : ''));
		console.log(`${s.name} ${fields.join(' ')}`);
	}
	return 0;
}

function main(argv) {
	const opt = { file: '-' };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const val = () => {
			if (i + 1 >= argv.length)
				die(`${a} needs a value`);
			return argv[++i];
		};
		switch (a) {
		case '--expect': opt.expect = val(); break;
		case '--lenient-int64': lenientInt64 = true; break;
		case '--cases': opt.cases = val(); break;
		case '--serve': opt.serve = true; break;
		case '--port-file': opt.portFile = val(); break;
		case '--count': opt.count = Number(val()); break;
		case '--timeout': opt.timeout = Number(val()); break;
		case '--schema': opt.schema = true; break;
		case '-h': case '--help':
			console.log('usage: validate.js [--expect FILE] [--lenient-int64] [FILE|-] | --cases CASES | ' +
				'--serve --port-file FILE --count N [--timeout S] [--expect FILE] | --schema');
			return 0;
		default:
			if (a.startsWith('--'))
				die(`unknown option ${a}`);
			opt.file = a;
		}
	}
	if (opt.schema)
		return cmdSchema();
	if (opt.cases)
		return cmdCases(opt.cases);
	if (opt.serve) {
		if (!opt.portFile || !(opt.count > 0))
			die('--serve needs --port-file FILE and --count N');
		cmdServe(opt.portFile, opt.count, opt.timeout > 0 ? opt.timeout : 30, opt.expect);
		return null;
	}
	console.log(`# ${versions}`);
	return cmdValidate(opt.file, opt.expect);
}

const rc = main(process.argv.slice(2));
if (rc !== null)
	process.exitCode = rc;
