/*
 * fuzz-safetensors.c - the safetensors reader (runner/train/safetensors.c):
 * the input parsed as a file, then every tensor its header names copied
 * out with its own element count, and the metadata read.
 */
#include "fuzz.h"
#include "lib/json.h"
#include "runner/train/safetensors.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct safetensors st;
	const char *key;
	json_t *v;

	fz_dir();
	if (safetensors_parse(&st, data, size, "fuzz.safetensors") < 0)
		return 0;
	json_object_foreach(st.header, key, v) {
		json_t *shape = json_object_get(v, "shape");
		size_t i, count = 1;
		json_t *d;
		float *dst;

		if (strcmp(key, "__metadata__") == 0 || !json_is_array(shape))
			continue;
		json_array_foreach(shape, i, d)
			count *= (size_t)json_integer_value(d);
		if (count > (1u << 20))
			continue;
		dst = xmalloc((count ? count : 1) * sizeof(float));
		safetensors_copy(&st, key, dst, count);
		free(dst);
	}
	(void)safetensors_meta(&st, "format");
	safetensors_release(&st);
	return 0;
}
