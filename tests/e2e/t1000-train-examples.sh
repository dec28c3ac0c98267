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

test_done
