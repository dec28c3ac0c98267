#!/bin/sh
# The same seed gives bit-identical weights with 1, 2 or 3 threads, on
# models small enough that every pass runs on one thread and on models
# large enough that the GEMMs, the element-wise passes, the recurrent time
# loops and the optimizer split their work between threads (batch 64,
# hidden 256 and 128; the optimizer from 4096 parameters, LSTM and GRU hidden 64),
# and on an mlp wide enough for its batch that two threads run it by
# blocks of weight rows (runner/train/mlpsplit.h) while one and three run
# it by chunks of the batch.
. "$(dirname "$0")/lib.sh"

mkdir -p data && cp "$SRCDIR"/examples/data/*.csv data/

weights() { # JOBDIR -> JOBDIR.safetensors
	mkdir -p "$1.x" && tar --zstd -xf "$1/model.tar.zst" -C "$1.x" &&
	cp "$1.x/model.safetensors" "$1.safetensors"
}

mlpdata='"path": "data/housing.csv", "targets": ["price"], "split": {"train": 0.7, "val": 0.15, "test": 0.15, "shuffle": true}'
rnndata='"path": "data/sine.csv", "targets": ["value"], "window": {"lookback": 12}'
for model in mlp lstm gru mlp-big lstm-big gru-big mlp-wide; do
	epochs=3 batch=50
	case $model in
	mlp) m='{"type": "mlp", "hidden": [48, 24], "dropout": 0.2}'
	     d=$mlpdata ;;
	mlp-big) m='{"type": "mlp", "hidden": [256, 128], "dropout": 0.1, "activation": "gelu"}'
	     d=$mlpdata epochs=2 batch=64 ;;
	mlp-wide) m='{"type": "mlp", "hidden": [512, 512], "dropout": 0.1}'
	     d=$mlpdata epochs=1 batch=16 ;;
	*-big) m="{\"type\": \"${model%-big}\", \"hidden\": 64, \"layers\": 2, \"dropout\": 0.1, \"head\": [16]}"
	   d=$rnndata epochs=1 batch=64 ;;
	*) m="{\"type\": \"$model\", \"hidden\": 20, \"layers\": 2, \"dropout\": 0.1, \"head\": [8]}"
	   d=$rnndata ;;
	esac
	cat >$model.json <<JSON
{"data": {$d}, "model": $m,
 "train": {"epochs": $epochs, "batch_size": $batch, "seed": 123, "clip_grad": 0.5}}
JSON
	test_expect_success "$model: 1, 2 and 3 threads give identical weights" "
		spoolboard train $model.json --out $model-1 --threads 1 &&
		spoolboard train $model.json --out $model-2 --threads 2 --fixed-threads &&
		spoolboard train $model.json --out $model-3 --threads 3 --fixed-threads &&
		weights $model-1 && weights $model-2 && weights $model-3 &&
		cmp $model-1.safetensors $model-2.safetensors &&
		cmp $model-1.safetensors $model-3.safetensors &&
		cmp $model-1/predictions.csv $model-2/predictions.csv
	"
done

test_expect_success 'threads fitted to the load and the speed, or fixed, give the same weights' '
	spoolboard train mlp-big.json --out mlp-fit --threads 2 &&
	grep "threads fitted to the free cores and to the speed, at most 2$" mlp-fit/log.txt &&
	grep "threads: exactly 2 (--fixed-threads)$" mlp-big-2/log.txt &&
	weights mlp-fit && cmp mlp-big-1.safetensors mlp-fit.safetensors
'

test_expect_success 'a different seed gives different weights' '
	sed "s/\"seed\": 123/\"seed\": 124/" mlp.json >mlp-s.json &&
	spoolboard train mlp-s.json --out mlp-s --threads 1 &&
	weights mlp-s && ! cmp -s mlp-1.safetensors mlp-s.safetensors
'

test_done
