/*
 * safetensors.h - the safetensors file format, for weights and moments.
 *
 * Layout (https://huggingface.co/docs/safetensors): an unsigned 64-bit
 * little-endian header length N, N bytes of JSON header, then the raw
 * tensor bytes. The header maps each tensor name to {"dtype", "shape",
 * "data_offsets": [begin, end]} (offsets relative to the byte after the
 * header) and may hold "__metadata__", a map of strings to strings. We
 * write dtype F32 only, tensors in the order given, packed, and pad the
 * header with spaces so the data starts 8-byte aligned.
 */
#ifndef SPOOLBOARD_SAFETENSORS_H
#define SPOOLBOARD_SAFETENSORS_H

#include <stddef.h>

#include "lib/json.h"

struct st_tensor {
	const char *name;
	const float *data;	/* borrowed */
	int ndim;
	int shape[4];
};

/*
 * Serialize tensors[0..n) and metadata (an object of strings, borrowed, or
 * NULL) into a new buffer of *len bytes; the caller frees it.
 */
char *safetensors_write(const struct st_tensor *tensors, size_t n,
			const json_t *metadata, size_t *len);

/* A parsed file; it borrows the buffer it was read from. */
struct safetensors {
	json_t *header;		/* owned */
	const unsigned char *data;
	size_t data_len;
};

/*
 * Parse and check a safetensors buffer: header length within the buffer,
 * valid JSON, every tensor F32 with offsets inside the data and matching
 * its shape. name is used in error messages. 0, or -1 after error().
 */
int safetensors_parse(struct safetensors *st, const void *buf, size_t len,
		      const char *name);

void safetensors_release(struct safetensors *st);

/*
 * Copy tensor `name` into dst, which holds count floats; its element count
 * must equal count. 0, or -1 after error() (missing, wrong size).
 */
int safetensors_copy(const struct safetensors *st, const char *name,
		     float *dst, size_t count);

/* Borrowed metadata string, or NULL. */
const char *safetensors_meta(const struct safetensors *st, const char *key);

#endif
