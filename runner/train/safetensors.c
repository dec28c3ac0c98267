/*
 * safetensors.c - write and read the safetensors format; see safetensors.h.
 */
#include "runner/train/safetensors.h"
#include "lib/error.h"
#include "lib/strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_MAX (100u * 1024 * 1024)

static size_t
tensor_count(const struct st_tensor *t)
{
	size_t c = 1;

	for (int d = 0; d < t->ndim; d++)
		c *= (size_t)t->shape[d];
	return c;
}

char *
safetensors_write(const struct st_tensor *tensors, size_t n,
		  const json_t *metadata, size_t *len)
{
	json_t *hdr = json_object();
	struct strbuf out = STRBUF_INIT;
	size_t off = 0, hlen;
	char *h;

	if (metadata)
		json_object_set(hdr, "__metadata__", (json_t *)metadata);
	for (size_t i = 0; i < n; i++) {
		size_t bytes = tensor_count(&tensors[i]) * sizeof(float);
		json_t *shape = json_array();

		for (int d = 0; d < tensors[i].ndim; d++)
			json_array_append_new(shape,
				json_integer(tensors[i].shape[d]));
		json_object_set_new(hdr, tensors[i].name, json_pack("{s:s,s:o,s:[I,I]}",
			"dtype", "F32", "shape", shape, "data_offsets",
			(json_int_t)off, (json_int_t)(off + bytes)));
		off += bytes;
	}
	h = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(hdr);
	if (!h)
		die_oom();
	hlen = strlen(h);
	/* Pad with spaces so the tensor data starts 8-byte aligned. */
	size_t padded = (hlen + 7) / 8 * 8;
	unsigned char lenbuf[8];

	for (int i = 0; i < 8; i++)
		lenbuf[i] = (unsigned char)((uint64_t)padded >> (8 * i));
	sb_grow(&out, 8 + padded + off);
	sb_add(&out, lenbuf, 8);
	sb_add(&out, h, hlen);
	for (size_t i = hlen; i < padded; i++)
		sb_addc(&out, ' ');
	free(h);
	for (size_t i = 0; i < n; i++)
		sb_add(&out, tensors[i].data,
		       tensor_count(&tensors[i]) * sizeof(float));
	return sb_detach(&out, len);
}

static int
check_tensor(const char *name, const char *key, json_t *v, size_t data_len)
{
	json_t *shape = json_object_get(v, "shape");
	json_t *offs = json_object_get(v, "data_offsets");
	const char *dtype = json_string_value(json_object_get(v, "dtype"));
	size_t count = 1, i;
	json_t *d;

	if (!json_is_object(v) || !dtype || !json_is_array(shape) ||
	    !json_is_array(offs) || json_array_size(offs) != 2)
		return error("%s: tensor '%s': malformed header entry", name,
			     key);
	if (strcmp(dtype, "F32") != 0)
		return error("%s: tensor '%s': dtype %s, only F32 is read",
			     name, key, dtype);
	json_array_foreach(shape, i, d) {
		if (!json_is_integer(d) || json_integer_value(d) < 0 ||
		    json_integer_value(d) > (1 << 30))
			return error("%s: tensor '%s': bad shape", name, key);
		count *= (size_t)json_integer_value(d);
	}
	json_int_t b = json_integer_value(json_array_get(offs, 0));
	json_int_t e = json_integer_value(json_array_get(offs, 1));

	if (b < 0 || e < b || (size_t)e > data_len ||
	    (size_t)(e - b) != count * sizeof(float))
		return error("%s: tensor '%s': data offsets [%lld, %lld] do "
			     "not fit its shape or the file", name, key,
			     (long long)b, (long long)e);
	return 0;
}

int
safetensors_parse(struct safetensors *st, const void *buf, size_t len,
		  const char *name)
{
	const unsigned char *p = buf;
	uint64_t hlen = 0;
	char err[256];
	const char *key;
	json_t *v;

	memset(st, 0, sizeof(*st));
	if (len < 8)
		return error("%s: too short for a safetensors file", name);
	for (int i = 0; i < 8; i++)
		hlen |= (uint64_t)p[i] << (8 * i);
	if (hlen > HEADER_MAX || hlen > len - 8)
		return error("%s: header length %llu exceeds the file", name,
			     (unsigned long long)hlen);
	st->header = json_load_buf(name, (const char *)p + 8, hlen, err,
				   sizeof(err));
	if (!json_is_object(st->header)) {
		if (st->header)
			snprintf(err, sizeof(err), "%s: header is not an object",
				 name);
		json_decref(st->header);
		st->header = NULL;
		return error("%s", err);
	}
	st->data = p + 8 + hlen;
	st->data_len = len - 8 - hlen;
	json_object_foreach(st->header, key, v) {
		if (strcmp(key, "__metadata__") == 0)
			continue;
		if (check_tensor(name, key, v, st->data_len) < 0) {
			safetensors_release(st);
			return -1;
		}
	}
	return 0;
}

void
safetensors_release(struct safetensors *st)
{
	json_decref(st->header);
	st->header = NULL;
}

int
safetensors_copy(const struct safetensors *st, const char *name, float *dst,
		 size_t count)
{
	json_t *v = json_object_get(st->header, name);
	json_t *offs = json_object_get(v, "data_offsets");
	json_int_t b, e;

	if (!v || strcmp(name, "__metadata__") == 0)
		return error("tensor '%s' is missing", name);
	b = json_integer_value(json_array_get(offs, 0));
	e = json_integer_value(json_array_get(offs, 1));
	if ((size_t)(e - b) != count * sizeof(float))
		return error("tensor '%s' has %lld values, expected %zu", name,
			     (long long)((e - b) / 4), count);
	memcpy(dst, st->data + b, count * sizeof(float));
	return 0;
}

const char *
safetensors_meta(const struct safetensors *st, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(st->header, "__metadata__"), key));
}
