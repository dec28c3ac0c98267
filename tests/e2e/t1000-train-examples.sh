#!/bin/sh
# The example configs train to completion and reach a stated quality.
. "$(dirname "$0")/lib.sh"

mkdir -p data && cp "$SRCDIR"/examples/*.json . &&
	cp "$SRCDIR"/examples/data/*.csv data/

test_expect_success 'LSTM sine forecast beats the persistence baseline' '
	spoolboard train sine-lstm.json --out lstm --threads 2 &&
	json_check lstm/state.json "j[\"status\"] == \"completed\"" &&
	json_check lstm/state.json \
		"j[\"test\"][\"metrics\"][\"rmse\"] < 0.9 * j[\"test\"][\"baseline\"][\"rmse\"]"
'

test_expect_success 'GRU (2 layers, dropout, huber) beats persistence' '
	spoolboard train sine-gru.json --out gru --threads 2 &&
	json_check gru/state.json \
		"j[\"test\"][\"metrics\"][\"rmse\"] < j[\"test\"][\"baseline\"][\"rmse\"]"
'

test_expect_success 'MLP classifier reaches 90% test accuracy' '
	spoolboard train blobs-mlp.json --out blobs --threads 2 &&
	json_check blobs/state.json "j[\"test\"][\"metrics\"][\"accuracy\"] >= 0.9" &&
	json_check blobs/state.json "j[\"data\"][\"classes\"] == [\"alpha\", \"beta\", \"gamma\"]" &&
	json_check blobs/state.json "sum(map(sum, j[\"test\"][\"confusion\"])) == j[\"test\"][\"samples\"]"
'

test_expect_success 'MLP regression explains 90% of the variance' '
	spoolboard train housing-mlp.json --out housing --threads 2 &&
	json_check housing/state.json "j[\"test\"][\"metrics\"][\"r2\"] >= 0.9"
'

test_expect_success 'quantile regression completes with sane metrics' '
	spoolboard train housing-quantile.json --out quantile --threads 2 &&
	json_check quantile/state.json "j[\"test\"][\"metrics\"][\"r2\"] >= 0.8"
'

# the band of the 0.1 and 0.9 levels holds the truth about 80% of the time
test_expect_success 'quantile regression: test coverage and pinball loss' '
	json_check quantile/state.json "0.65 <= j[\"test\"][\"metrics\"][\"coverage\"] <= 0.95" &&
	json_check quantile/state.json "0 < j[\"test\"][\"metrics\"][\"pinball\"] < j[\"test\"][\"metrics\"][\"mae\"]" &&
	json_check quantile/state.json "\"coverage\" in j[\"metrics\"]" &&
	head -1 quantile/predictions.csv >header &&
	echo "row,price,price_pred,price_q0.1,price_q0.5,price_q0.9" >expect &&
	test_cmp expect header &&
	python3 -c "
import csv
rows = list(csv.DictReader(open(\"quantile/predictions.csv\")))
assert rows and all(r[\"price_pred\"] == r[\"price_q0.5\"] for r in rows)
inside = sum(float(r[\"price_q0.1\"]) <= float(r[\"price\"]) <= float(r[\"price_q0.9\"]) for r in rows)
print(inside / len(rows))
" >cov &&
	json_check quantile/state.json "abs(j[\"test\"][\"metrics\"][\"coverage\"] - float(open(\"cov\").read())) < 1e-6" &&
	grep -q "test: pinball .* coverage .* of the 0.1-0.9 band" quantile/log.txt &&
	! grep -q coverage housing/state.json
'

test_done
