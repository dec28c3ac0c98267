/*
 * metrics.c - evaluation metrics: regression errors, accuracy, macro F1.
 *
 * Plain serial loops summing in double, so the figures do not depend on
 * the thread count. Classification metrics are all derived from the
 * confusion matrix. The definitions are in metrics.h.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "lib/error.h"
#include "runner/train/metrics.h"

static void
metrics_clear(struct metrics *m)
{
	m->classification = 0;
	m->rmse = m->mae = m->r2 = m->diracc = NAN;
	m->quantile = 0;
	m->pinball = m->coverage = NAN;
	m->accuracy = m->f1 = NAN;
	m->nclasses = 0;
	m->confusion = NULL;
}

static int
sign_of(double x)
{
	return (x > 0) - (x < 0);
}

void
metrics_regression(struct metrics *m, const float *pred, const float *y,
		   const float *last, size_t n, int D)
{
	double sse = 0, sae = 0, r2sum = 0;
	size_t hits = 0;
	int nr2 = 0;

	metrics_clear(m);
	if (n == 0 || D <= 0)
		return;
	for (size_t i = 0; i < n * D; i++) {
		double r = (double)pred[i] - y[i];

		sse += r * r;
		sae += fabs(r);
	}
	m->rmse = sqrt(sse / ((double)n * D));
	m->mae = sae / ((double)n * D);

	for (int d = 0; d < D; d++) {
		double mean = 0, sst = 0, sse_d = 0;

		for (size_t i = 0; i < n; i++)
			mean += y[i * D + d];
		mean /= (double)n;
		for (size_t i = 0; i < n; i++) {
			double dy = y[i * D + d] - mean;
			double r = (double)pred[i * D + d] - y[i * D + d];

			sst += dy * dy;
			sse_d += r * r;
		}
		if (sst > 0) {
			r2sum += 1 - sse_d / sst;
			nr2++;
		}
	}
	if (nr2 > 0)
		m->r2 = r2sum / nr2;

	if (last) {
		for (size_t i = 0; i < n * D; i++)
			if (sign_of((double)pred[i] - last[i])
			    == sign_of((double)y[i] - last[i]))
				hits++;
		m->diracc = (double)hits / ((double)n * D);
	}
}

void
metrics_quantile(struct metrics *m, const float *q, const float *y,
		 size_t n, int D, const double *taus, int Q)
{
	double loss = 0;
	size_t inside = 0;

	m->quantile = 1;
	m->pinball = m->coverage = NAN;
	if (n == 0 || D <= 0 || Q <= 0)
		return;
	for (size_t i = 0; i < n * (size_t)D; i++) {
		const float *qi = q + i * (size_t)Q;

		for (int j = 0; j < Q; j++) {
			double u = (double)y[i] - qi[j];

			loss += u >= 0 ? taus[j] * u : (taus[j] - 1) * u;
		}
		inside += qi[0] <= y[i] && y[i] <= qi[Q - 1];
	}
	m->pinball = loss / ((double)n * D * Q);
	if (Q >= 2)
		m->coverage = (double)inside / ((double)n * D);
}

/* Accuracy and macro F1 from a (K, K) confusion matrix. */
static void
confusion_scores(const long *C, int K, double *accuracy, double *f1)
{
	long total = 0, correct = 0;
	double f1sum = 0;
	int present = 0;

	for (int k = 0; k < K; k++) {
		long tp = C[(size_t)k * K + k], row = 0, col = 0;

		for (int j = 0; j < K; j++) {
			row += C[(size_t)k * K + j];
			col += C[(size_t)j * K + k];
		}
		total += row;
		correct += tp;
		/* 2 TP + FP + FN = row + col: 0 when the class never occurs */
		if (row + col > 0) {
			f1sum += 2.0 * tp / (double)(row + col);
			present++;
		}
	}
	*accuracy = total > 0 ? (double)correct / total : NAN;
	*f1 = present > 0 ? f1sum / present : NAN;
}

void
metrics_classification(struct metrics *m, const int *pred, const int *y,
		       size_t n, int K)
{
	metrics_clear(m);
	m->classification = 1;
	if (K <= 0)
		return;
	m->nclasses = K;
	m->confusion = xcalloc((size_t)K * K, sizeof(*m->confusion));
	for (size_t i = 0; i < n; i++) {
		if (y[i] < 0 || y[i] >= K || pred[i] < 0 || pred[i] >= K)
			continue;
		m->confusion[(size_t)y[i] * K + pred[i]]++;
	}
	confusion_scores(m->confusion, K, &m->accuracy, &m->f1);
}

void
metrics_binary(struct metrics *m, const float *prob, const float *y,
	       size_t n, int D)
{
	double accsum = 0, f1sum = 0;

	metrics_clear(m);
	m->classification = 1;
	m->nclasses = 2;
	m->confusion = xcalloc(4, sizeof(*m->confusion));
	if (n == 0 || D <= 0)
		return;
	for (int d = 0; d < D; d++) {
		long C[4] = { 0, 0, 0, 0 };
		double acc, f1;

		for (size_t i = 0; i < n; i++) {
			int t = y[i * D + d] > 0.5f;
			int p = prob[i * D + d] > 0.5f;

			C[t * 2 + p]++;
		}
		for (int k = 0; k < 4; k++)
			m->confusion[k] += C[k];
		confusion_scores(C, 2, &acc, &f1);
		accsum += acc;
		f1sum += f1;
	}
	m->accuracy = accsum / D;
	m->f1 = f1sum / D;
}

void
metrics_release(struct metrics *m)
{
	free(m->confusion);
	m->confusion = NULL;
}
