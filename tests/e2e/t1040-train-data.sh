#!/bin/sh
# Data handling seen from `spoolboard train`: compressed files, the data
# root, bad CSV, missing values.
. "$(dirname "$0")/lib.sh"

mkdir -p root/data && cp "$SRCDIR"/examples/data/housing.csv root/data/ &&
cfg() { # PATH [EXTRA-DATA-FIELDS] -> root/job.json
	cat >root/job.json <<JSON
{"data": {"path": "$1", "targets": ["price"]${2:-}},
 "model": {"type": "linear"}, "train": {"epochs": 1, "seed": 1}}
JSON
}

for z in gzip zstd xz; do
	if command -v $z >/dev/null 2>&1; then
		test_expect_success "reads a $z-compressed CSV" "
			$z -c root/data/housing.csv >root/data/h.$z &&
			cfg data/h.$z &&
			spoolboard train root/job.json --out $z &&
			json_check $z/state.json 'j[\"data\"][\"rows\"] == 4000'
		"
	else
		test_skip "reads a $z-compressed CSV" "$z is not installed"
	fi
done

test_expect_success 'a path that climbs out of the data root is refused' '
	cp root/data/housing.csv outside.csv &&
	cat >root/job.json <<JSON &&
{"data": {"path": "data/../../outside.csv", "targets": ["price"]},
 "model": {"type": "linear"}, "train": {"epochs": 1}}
JSON
	test_expect_code 1 spoolboard train root/job.json --out climb 2>err &&
	grep -q "data.path" err
'

test_expect_success 'a symlink out of the data root is refused at load' '
	ln -s "$TRASH/outside.csv" root/data/link.csv &&
	cfg data/link.csv &&
	test_expect_code 1 spoolboard train root/job.json --out link &&
	json_check link/state.json "j[\"error\"][\"stage\"] == \"load\" and \"outside\" in j[\"error\"][\"message\"]"
'

test_expect_success '--data-root moves the root' '
	mkdir other && cp root/data/housing.csv other/h.csv &&
	cfg h.csv &&
	spoolboard train root/job.json --out moved --data-root other &&
	json_check moved/state.json "j[\"status\"] == \"completed\""
'

test_expect_success 'a ragged row fails naming the file and line' '
	{ head -5 root/data/housing.csv; echo "1,2,3"; } >root/data/ragged.csv &&
	cfg data/ragged.csv &&
	test_expect_code 1 spoolboard train root/job.json --out ragged &&
	json_check ragged/state.json "\"ragged.csv:6\" in j[\"error\"][\"message\"]"
'

test_expect_success 'a missing cell fails; "missing": "drop" drops the row' '
	{ head -50 root/data/housing.csv; echo "50,2,10,3,1,0,"; tail -n +51 root/data/housing.csv; } >root/data/gap.csv &&
	cfg data/gap.csv &&
	test_expect_code 1 spoolboard train root/job.json --out gap &&
	json_check gap/state.json "\"drop\" in j[\"error\"][\"message\"] and \"price\" in j[\"error\"][\"message\"]" &&
	cfg data/gap.csv ", \"missing\": \"drop\"" &&
	spoolboard train root/job.json --out dropped &&
	json_check dropped/state.json "j[\"data\"][\"dropped\"] == 1 and j[\"data\"][\"rows\"] == 4000"
'

test_expect_success 'a non-numeric cell names row, column and cell' '
	sed "10s/^[0-9.]*,/abc,/" root/data/housing.csv >root/data/word.csv &&
	cfg data/word.csv &&
	test_expect_code 1 spoolboard train root/job.json --out word &&
	json_check word/state.json "\"word.csv:10\" in j[\"error\"][\"message\"] and \"area\" in j[\"error\"][\"message\"] and \"abc\" in j[\"error\"][\"message\"]"
'

test_expect_success 'text columns are left out of the default features' '
	python3 -c "import random
random.seed(3)
with open(\"root/data/prices.csv\", \"w\") as f:
    f.write(\"date,shop,price,volume\\n\")
    for i in range(200):
        v = random.random() * 100
        f.write(\"2026-01-%03d,%s,%.3f,%.2f\\n\" % (i, \"ab\"[i % 2],
                3 * v + random.gauss(0, 1), v))" &&
	cfg data/prices.csv &&
	spoolboard validate --data-root root root/job.json &&
	spoolboard train root/job.json --out text &&
	grep -q "left out, not numbers (name data.features to choose): .date., .shop." text/log.txt &&
	grep -q "features (1): .volume." text/log.txt &&
	cfg data/prices.csv ", \"features\": [\"date\", \"volume\"]" &&
	test_expect_code 1 spoolboard train root/job.json --out named 2>err &&
	grep -q "prices.csv:2: column .date.: not a number: .2026-01-000." err
'

test_expect_success 'a column of numbers with text further down is an error' '
	sed "5s/^\([^,]*\),\([^,]*\),\([^,]*\),.*/\1,\2,\3,lots/" \
		root/data/prices.csv >root/data/bad.csv &&
	cfg data/bad.csv &&
	test_expect_code 1 spoolboard validate --data-root root root/job.json 2>err &&
	grep -q "bad.csv:5: column .volume.: not a number: .lots." err
'

test_expect_success 'only text besides the targets: name the features' '
	cut -d, -f1,2,3 root/data/prices.csv >root/data/words.csv &&
	cfg data/words.csv &&
	test_expect_code 1 spoolboard validate --data-root root root/job.json 2>err &&
	grep -q "data.features: no column of numbers in .data/words.csv. but the targets (2 of text left out, e.g. .date.); name the features" err
'

test_done
