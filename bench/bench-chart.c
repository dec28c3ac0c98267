/*
 * bench-chart.c - charts per second and bytes per chart for the SVG
 * charts and their data tables.
 *
 *	make build/bench/bench-chart
 *	build/bench/bench-chart
 *
 * Two workloads: a 100-epoch loss chart (train and val) and a 10,000-point
 * series (CPU % sampled every second, downsampled by LTTB to
 * CHART_MAX_POINTS). Each figure is the best of several timed rounds, as
 * other work on the machine only slows a round down. Benchmarks print
 * figures and never fail on them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "render/chart.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

#define ROUNDS 5

/* Render c reps times per round; print the best rate and the sizes. */
static void
bench(const char *what, const struct chart *c, int reps)
{
	struct strbuf sb = STRBUF_INIT;
	double best = 0;
	size_t svg, table;
	int r, i;

	chart_svg(&sb, c);
	svg = sb.len;
	sb_reset(&sb);
	chart_table(&sb, c);
	table = sb.len;
	for (r = 0; r < ROUNDS; r++) {
		double t0 = time_mono(), dt;

		for (i = 0; i < reps; i++) {
			sb_reset(&sb);
			chart_svg(&sb, c);
		}
		dt = time_mono() - t0;
		if (dt > 0 && reps / dt > best)
			best = reps / dt;
	}
	printf("%-28s %10.0f charts/s %8zu bytes svg %8zu bytes table\n",
	       what, best, svg, table);
	sb_release(&sb);
}

int
main(void)
{
	enum { E = 100, N = 10000 };
	double *ep = xmalloc(E * sizeof(double));
	double *tr = xmalloc(E * sizeof(double));
	double *va = xmalloc(E * sizeof(double));
	double *sec = xmalloc(N * sizeof(double));
	double *cpu = xmalloc(N * sizeof(double));
	struct chart_series loss[2] = {
		{ "train", "s1", ep, tr, E }, { "val", "s2", ep, va, E },
	};
	struct chart_series use = { "cpu %", "s3", sec, cpu, N };
	struct chart lin = { "loss", "Loss", "epoch", "loss", 0, 0, 0,
			     loss, 2, 0 };
	struct chart lg = { "loss-log", "Loss", "epoch", "loss", 1, 0, 0,
			    loss, 2, 0 };
	struct chart big = { "cpu", "CPU", "seconds", "%", 0, 0, 0, &use, 1, 0 };
	int i;

	for (i = 0; i < E; i++) {
		ep[i] = i + 1;
		tr[i] = 2.0 / (i + 1) + 0.05;
		va[i] = 2.3 / (i + 1) + 0.08 + 0.01 * sin(i);
	}
	for (i = 0; i < N; i++) {
		sec[i] = i;
		cpu[i] = 150 + 40 * sin(i / 300.0) + (i * 7919 % 23);
	}
	bench("100 epochs, 2 series", &lin, 2000);
	bench("100 epochs, 2 series, log", &lg, 2000);
	bench("10000 points, 1 series", &big, 200);
	free(ep);
	free(tr);
	free(va);
	free(sec);
	free(cpu);
	return 0;
}
