/*
 * fuzz-ckpt.c - the checkpoint reader (ckptfile_read in
 * runner/train/ckptfile.c) on a checkpoint of a fixed small model (two
 * tensors, 16 parameters, adam, as in tests/unit/test-ckptfile.c). The
 * input is the four members, state.json, model.safetensors,
 * optimizer.safetensors and best.safetensors, separated by lines "@@";
 * they are packed into a plain tar (a member left out is missing) so the
 * reader's checks, not libarchive, get the mutations; arc_write's zstd and
 * fsync would cost 20 times the read. An input starting with "RAW\n" is
 * instead the archive file itself.
 */
#include "fuzz.h"
#include "runner/train/ckptfile.h"

#define NP 16

static const char hash[] = "0123456789abcdef";
static const struct tensor_info layout[2] = {
	{ "a.weight", 2, { 3, 4 }, 0, 12 },
	{ "a.bias", 1, { 4 }, 12, 4 },
};
static const double xm[2] = { 0.1, -3.25 }, xs[2] = { 1.5, 1e-7 };
static const double ym[1] = { 1234.5678 }, ys[1] = { 0.3 };
static const char *const members[] = { "state.json", "model.safetensors",
				       "optimizer.safetensors",
				       "best.safetensors" };

/* Append a ustar header and the data of one member to fp. */
static void
tar_member(FILE *fp, const char *name, const uint8_t *data, size_t n)
{
	unsigned char h[512];
	unsigned sum = 0;

	memset(h, 0, sizeof(h));
	memcpy(h, name, strlen(name));
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	snprintf((char *)h + 124, 12, "%011zo", n);
	memcpy(h + 136, "00000000000", 11);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < sizeof(h); i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	fwrite(h, 1, sizeof(h), fp);
	fwrite(data, 1, n, fp);
	memset(h, 0, sizeof(h));
	fwrite(h, 1, (512 - n % 512) % 512, fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	real p[NP], b[NP], m[NP], v[NP];
	struct checkpoint ck;
	char *path = path_join(fz_dir(), "ckpt-000001.tar.zst");

	if (size >= 4 && memcmp(data, "RAW\n", 4) == 0) {
		fz_write(path, data + 4, size - 4);
	} else {
		const uint8_t *part[4];
		size_t len[4];
		unsigned char end[1024] = { 0 };
		FILE *fp = fopen(path, "wb");

		if (!fp) {
			perror(path);
			abort();
		}
		fz_split(data, size, part, len, 4);
		for (int i = 0; i < 4; i++)
			if (part[i])
				tar_member(fp, members[i], part[i], len[i]);
		fwrite(end, 1, sizeof(end), fp);
		if (fclose(fp) != 0)
			abort();
	}
	memset(&ck, 0, sizeof(ck));
	ck.config_hash = hash;
	ck.tensors = layout;
	ck.ntensors = 2;
	ck.nparams = NP;
	ck.optimizer = "adam";
	ck.nfeat = 2;
	ck.ntarg = 1;
	ck.x_mean = xm;
	ck.x_std = xs;
	ck.y_mean = ym;
	ck.y_std = ys;
	ck.params = p;
	ck.best = b;
	ck.m = m;
	ck.v = v;
	(void)ckptfile_read(path, &ck);
	unlink(path);
	free(path);
	return 0;
}
