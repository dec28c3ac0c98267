/*
 * fuzz-rendercache.c - the render cache a full render reads
 * (www/.spoolboard-cache, render/site.c). The input is the cache's
 * records, after the header line this build writes; "@IN@" and "@OUT@"
 * in it stand for the stamps job a has now, so a record the fuzzer
 * mutates is taken and its parts parsed (group g lists a and b, so its
 * page parses their records' rec, and jobs.csv their csv). The spool
 * (jobs a and b, group g) is made and rendered once; then each input is
 * the cache of a full render, which must succeed whatever it holds.
 */
#include <errno.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "lib/strbuf.h"
#include "render/site.h"

static struct site_opts opts = { .templates = "templates", .threads = 1 };
static char *cache, *head, in[17], out[17];

static void
put(const char *rel, const char *text)
{
	char *path = path_join(fz_dir(), rel);

	fz_write(path, text, strlen(text));
	free(path);
}

static void
state(const char *id)
{
	char rel[64], buf[1024];

	snprintf(buf, sizeof(buf), "{\"id\": \"%s\", \"name\": \"job %s\", "
		 "\"tags\": [\"t\"], \"status\": \"completed\", \"stage\": "
		 "\"save\", \"progress\": 1, \"epoch\": 2, \"epochs\": 2, "
		 "\"train_loss\": 0.5, \"val_loss\": 0.4, \"best\": "
		 "{\"epoch\": 2, \"val_loss\": 0.4}, \"metrics\": {}, "
		 "\"stages\": [], \"created\": \"2026-11-25T10:00:00Z\", "
		 "\"started\": \"2026-11-25T10:00:01Z\", \"updated\": "
		 "\"2026-11-25T10:00:30Z\", \"ended\": "
		 "\"2026-11-25T10:00:30Z\", \"checkpoints\": [], "
		 "\"error\": null}", id, id);
	snprintf(rel, sizeof(rel), "spool/jobs/%s/state.json", id);
	put(rel, buf);
	snprintf(rel, sizeof(rel), "spool/jobs/%s/metrics.csv", id);
	put(rel, "epoch,step,seconds,lr,train_loss,val_loss\n"
	    "1,10,0.1,0.01,0.9,0.8\n2,20,0.2,0.01,0.5,0.4\n");
}

/* The spool, a first render, and what the cache's header and a's stamps are. */
static void
setup(void)
{
	const char *dirs[] = { "spool", "spool/jobs", "spool/jobs/a",
			       "spool/jobs/b", "spool/groups",
			       "spool/groups/g" };
	size_t len;
	char *buf, *nl, *a;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p = path_join(fz_dir(), dirs[i]);

		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			abort();
		free(p);
	}
	state("a");
	state("b");
	put("spool/groups/g/group.json", "{\"id\": \"g\", \"name\": \"G\", "
	    "\"file\": \"g.json\", \"created\": \"2026-12-03T21:00:00Z\", "
	    "\"metric\": \"val_loss\", \"goal\": \"min\", \"axes\": [], "
	    "\"seed\": 1, \"n\": 2, \"members\": [{\"id\": \"a\", "
	    "\"params\": {}}, {\"id\": \"b\", \"params\": {}}]}");
	opts.spool = path_join(fz_dir(), "spool");
	opts.www = path_join(fz_dir(), "www");
	cache = path_join(opts.www, ".spoolboard-cache");
	if (site_render_all(&opts) < 0)
		abort();
	buf = file_read(cache, &len, 0);
	if (!buf || !(nl = strchr(buf, '\n')) ||
	    !(a = strstr(buf, "{\"id\":\"a\",\"in\":\"")) ||
	    strlen(a) < 16 + 45)
		abort();
	head = xasprintf("%.*s", (int)(nl + 1 - buf), buf);
	memcpy(in, a + 16, 16);
	a = strstr(a, "\"out\":\"");
	if (!a)
		abort();
	memcpy(out, a + 7, 16);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb = STRBUF_INIT;

	if (!cache)
		setup();
	sb_adds(&sb, head);
	for (size_t i = 0; i < size; i++) {
		if (size - i >= 4 && !memcmp(data + i, "@IN@", 4)) {
			sb_adds(&sb, in);
			i += 3;
		} else if (size - i >= 5 && !memcmp(data + i, "@OUT@", 5)) {
			sb_adds(&sb, out);
			i += 4;
		} else {
			sb_addc(&sb, (char)data[i]);
		}
	}
	fz_write(cache, sb_str(&sb), sb.len);
	sb_release(&sb);
	if (site_render_all(&opts) < 0)
		abort();
	return 0;
}
