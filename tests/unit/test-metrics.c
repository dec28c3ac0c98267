/*
 * test-metrics.c - regression and classification metrics on small cases
 * worked out by hand (the arithmetic is in the comments).
 */
#include <math.h>

#include "runner/train/metrics.h"
#include "tap.h"

#define TOL 1e-12

static void
test_regression(void)
{
	/* r = pred - y = (0, -1, 1, -1); mean y 2.75, SST 8.75 */
	float pred[] = { 1, 2, 3, 4 }, y[] = { 1, 3, 2, 5 };
	/* pred - last: + + + -; y - last: + + - +: 2 hits of 4 */
	float last[] = { 0, 1, 2.5, 4.5 };
	struct metrics m;

	metrics_regression(&m, pred, y, last, 4, 1);
	ok(!m.classification && m.confusion == NULL, "regression: kind");
	is_near(m.rmse, sqrt(0.75), TOL, "rmse");
	is_near(m.mae, 0.75, TOL, "mae");
	is_near(m.r2, 1 - 3 / 8.75, TOL, "r2");
	is_near(m.diracc, 0.5, TOL, "directional accuracy");
	ok(isnan(m.accuracy) && isnan(m.f1), "no classification figures");
	metrics_release(&m);

	metrics_regression(&m, pred, y, NULL, 4, 1);
	ok(isnan(m.diracc), "no last: directional accuracy NaN");
	metrics_release(&m);

	/* no move predicted for no move counts as a hit */
	{
		float p[] = { 1, 2 }, t[] = { 1, 3 }, l[] = { 1, 2 };

		metrics_regression(&m, p, t, l, 2, 1);
		is_near(m.diracc, 0.5, TOL, "directional accuracy: no move");
		metrics_release(&m);
	}
}

static void
test_regression_targets(void)
{
	/*
	 * Two targets, (n, D) = (4, 2). Target 0 as above (r2 = 1 - 3/8.75);
	 * target 1: y (0, 0, 1, 1), pred (0, 1, 1, 1): SSE 1, SST 1, r2 0.
	 * rmse pools all 8 pairs: SSE 4, sqrt(4/8).
	 */
	float pred[] = { 1, 0, 2, 1, 3, 1, 4, 1 };
	float y[] = { 1, 0, 3, 0, 2, 1, 5, 1 };
	float flat[] = { 1, 7, 3, 7, 2, 7, 5, 7 };
	struct metrics m;

	metrics_regression(&m, pred, y, NULL, 4, 2);
	is_near(m.rmse, sqrt(0.5), TOL, "two targets: rmse pooled");
	is_near(m.mae, 4.0 / 8, TOL, "two targets: mae pooled");
	is_near(m.r2, (1 - 3 / 8.75 + 0) / 2, TOL,
		"two targets: r2 averaged over targets");
	metrics_release(&m);

	/* target 1 constant: left out of the r2 average */
	metrics_regression(&m, pred, flat, NULL, 4, 2);
	is_near(m.r2, 1 - 3 / 8.75, TOL, "constant target left out of r2");
	metrics_release(&m);

	metrics_regression(&m, pred, flat + 1, NULL, 1, 1);
	ok(isnan(m.r2), "r2 NaN with zero variance");
	metrics_release(&m);

	metrics_regression(&m, pred, y, NULL, 0, 2);
	ok(isnan(m.rmse) && isnan(m.mae) && isnan(m.r2) && isnan(m.diracc),
	   "empty input: all NaN");
	metrics_release(&m);
}

static void
test_classification(void)
{
	/*
	 * Confusion (rows true, columns predicted):
	 *	true 0: 3 1 0
	 *	true 1: 0 1 1
	 *	true 2: 1 0 3
	 * accuracy 7/10; F1: class 0 2*3/(4+4) = 0.75, class 1 2*1/(2+2)
	 * = 0.5, class 2 2*3/(4+4) = 0.75; macro 2/3.
	 */
	int y[] = { 0, 0, 0, 1, 1, 2, 2, 2, 2, 0 };
	int pred[] = { 0, 1, 0, 1, 2, 2, 2, 0, 2, 0 };
	static const long want[] = { 3, 1, 0, 0, 1, 1, 1, 0, 3 };
	struct metrics m;
	int same = 1;

	metrics_classification(&m, pred, y, 10, 3);
	ok(m.classification && m.nclasses == 3 && m.confusion,
	   "classification: kind");
	for (int i = 0; i < 9; i++)
		if (m.confusion[i] != want[i])
			same = 0;
	ok(same, "confusion matrix");
	is_near(m.accuracy, 0.7, TOL, "accuracy");
	is_near(m.f1, 2.0 / 3, TOL, "macro F1");
	ok(isnan(m.rmse) && isnan(m.r2), "no regression figures");
	metrics_release(&m);
	ok(m.confusion == NULL, "release clears confusion");

	/* a fourth class in neither truth nor predictions: not counted */
	metrics_classification(&m, pred, y, 10, 4);
	is_near(m.f1, 2.0 / 3, TOL, "absent class left out of macro F1");
	ok(m.confusion[0] == 3 && m.confusion[1 * 4 + 2] == 1
	   && m.confusion[3 * 4 + 3] == 0, "4 x 4 confusion");
	metrics_release(&m);

	/*
	 * A class only predicted counts with F1 0: y (0, 0), pred (0, 1):
	 * class 0 2*1/(2+1) = 2/3, class 1 0: macro 1/3.
	 */
	{
		int t[] = { 0, 0 }, p[] = { 0, 1 };

		metrics_classification(&m, p, t, 2, 2);
		is_near(m.f1, 1.0 / 3, TOL, "predicted-only class counts");
		is_near(m.accuracy, 0.5, TOL, "accuracy 1/2");
		metrics_release(&m);
	}
	/* out-of-range indices are skipped */
	{
		int t[] = { 0, 5, 1 }, p[] = { 0, 0, -1 };

		metrics_classification(&m, p, t, 3, 2);
		is_near(m.accuracy, 1, TOL, "out-of-range pairs skipped");
		metrics_release(&m);
	}
	metrics_classification(&m, pred, y, 0, 3);
	ok(isnan(m.accuracy) && isnan(m.f1), "empty input: NaN");
	metrics_release(&m);
}

static void
test_binary(void)
{
	/*
	 * Target 0: prob (0.9, 0.4, 0.6, 0.5) -> (1, 0, 1, 0) against
	 * y (1, 0, 0, 1): confusion [[1, 1], [1, 1]], accuracy 0.5, F1 of
	 * both classes 0.5. Target 1: all right, accuracy and F1 1.
	 */
	float prob[] = { 0.9f, 0.1f, 0.4f, 0.2f, 0.6f, 0.8f, 0.5f, 0.9f };
	float y[] = { 1, 0, 0, 0, 0, 1, 1, 1 };
	static const long want[] = { 3, 1, 1, 3 };
	struct metrics m;
	int same = 1;

	metrics_binary(&m, prob, y, 4, 2);
	ok(m.classification && m.nclasses == 2, "binary: kind");
	for (int i = 0; i < 4; i++)
		if (m.confusion[i] != want[i])
			same = 0;
	ok(same, "binary: confusion summed over targets");
	is_near(m.accuracy, 0.75, TOL, "binary: accuracy averaged");
	is_near(m.f1, 0.75, TOL, "binary: F1 averaged");
	metrics_release(&m);
}

static void
test_quantile(void)
{
	/*
	 * Levels 0.1, 0.5, 0.9; (n, D, Q) = (4, 1, 3), y = (0, 2, 5, 1).
	 * pinball terms, u = y - q: tau u when u >= 0, (tau - 1) u below.
	 *   y 0, q (-1, 0, 1):  0.1*1, 0, 0.1*1            = 0.2   inside
	 *   y 2, q (0, 1, 3):   0.1*2, 0.5*1, 0.1*1        = 0.8   inside
	 *   y 5, q (1, 2, 4):   0.1*4, 0.5*3, 0.9*1        = 2.8   above
	 *   y 1, q (3, 2, 0):   0.9*2, 0.5*1, 0.9*1        = 3.2   crossed
	 * mean over 12 terms: 7 / 12; coverage 2 of 4.
	 */
	static const double taus[] = { 0.1, 0.5, 0.9 };
	float q[] = { -1, 0, 1, 0, 1, 3, 1, 2, 4, 3, 2, 0 };
	float y[] = { 0, 2, 5, 1 };
	float pred[] = { 0, 1, 2, 2 };
	struct metrics m;

	metrics_regression(&m, pred, y, NULL, 4, 1);
	ok(!m.quantile && isnan(m.pinball) && isnan(m.coverage),
	   "regression alone: no quantile figures");
	metrics_quantile(&m, q, y, 4, 1, taus, 3);
	ok(m.quantile, "quantile: kind");
	is_near(m.pinball, 7.0 / 12, TOL, "pinball loss on the raw scale");
	is_near(m.coverage, 0.5, TOL,
		"coverage: inside the 0.1-0.9 band; crossed levels miss");
	is_near(m.rmse, sqrt(11.0 / 4), TOL, "the regression figures stay");
	metrics_release(&m);

	/* one level: a pinball loss, no band */
	{
		static const double med[] = { 0.5 };
		float q1[] = { 1, 1 }, y1[] = { 0, 3 };

		metrics_regression(&m, q1, y1, NULL, 2, 1);
		metrics_quantile(&m, q1, y1, 2, 1, med, 1);
		is_near(m.pinball, (0.5 + 1.0) / 2, TOL, "one level: pinball");
		ok(isnan(m.coverage), "one level: no coverage");
		metrics_release(&m);
	}
	/* two targets: (n, D, Q) = (1, 2, 2), levels 0.25, 0.75 */
	{
		static const double lv[] = { 0.25, 0.75 };
		float q2[] = { 0, 2, 5, 6 }, y2[] = { 1, 7 };

		metrics_regression(&m, y2, y2, NULL, 1, 2);
		metrics_quantile(&m, q2, y2, 1, 2, lv, 2);
		/* target 0: 0.25*1 + 0.25*1; target 1: 0.25*2 + 0.75*1 */
		is_near(m.pinball, (0.5 + 1.25) / 4, TOL, "two targets: pinball");
		is_near(m.coverage, 0.5, TOL, "two targets: coverage pooled");
		metrics_release(&m);
	}
}

int
main(void)
{
	test_regression();
	test_regression_targets();
	test_classification();
	test_binary();
	test_quantile();
	return tap_done();
}
