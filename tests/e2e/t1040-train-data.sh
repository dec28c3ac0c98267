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

test_done
