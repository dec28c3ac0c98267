#!/bin/sh
# data.path is checked and read in one open (path_open_inside), so a name
# swapped between a file and a link out of the data root while jobs train
# never makes the trainer read outside it: the secret CSV's column and
# values appear in no job's files, whichever way each swap fell. (Its
# values are matched with their point: a bare 31337 turns up by chance
# among the digits of a state.json's losses and resource figures.)
. "$(dirname "$0")/../e2e/lib.sh"
. "$SRCDIR/tests/e2e/lib-runner.sh"

make_data
mkdir -p root &&
cp data/lin.csv root/real.csv &&
python3 -c '
with open("secret.csv", "w") as f:
    f.write("x1,x2,x3,y,SECRETh2100\n")
    for i in range(200):
        f.write("31337.%d,31337.5,31337.5,31337.5,31337.5\n" % (i % 10))'

# swap SECONDS: data root/data.csv, again and again, the real file (a hard
# link of real.csv) and a link to the secret, each renamed over the last.
swap() {
	timeout -k 2 $(($1 + 10)) python3 -c '
import os, sys, time
end = time.time() + float(sys.argv[1])
secret = os.path.abspath("secret.csv")
i = 0
while time.time() < end:
    i += 1
    t = "root/.s%d" % i
    if i % 2:
        os.link("root/real.csv", t)
    else:
        os.symlink(secret, t)
    os.rename(t, "root/data.csv")
os.link("root/real.csv", "root/.last")
os.rename("root/.last", "root/data.csv")
' "$1"
}

test_expect_success 'a data.path swapped to a link out while jobs train is never read through' '
	config job.json "\"data\": {\"path\": \"data.csv\", \"targets\": [\"y\"]},
		\"train\": {\"epochs\": 1, \"seed\": 7}" &&
	{ swap 8 & spid=$!; } &&
	k=0 && while [ $k -lt 60 ]; do
		k=$((k + 1)) &&
		timeout -k 5 60 "$SPOOLBOARD" train job.json --out "runs/j$k" \
			--data-root root --threads 1 --no-progress \
			>"runs-j$k.out" 2>&1
		mv "runs-j$k.out" "runs/j$k.out" 2>/dev/null
	done &&
	wait $spid &&
	ls runs | grep -q . &&
	if grep -rlq -e SECRETh2100 -e "31337\.[0-9]" runs; then
		grep -rl -e SECRETh2100 -e "31337\.[0-9]" runs | head -3 >&2
		echo "the secret was read through a link" >&2; false
	fi &&
	timeout -k 5 60 "$SPOOLBOARD" train job.json --out runs/last \
		--data-root root --threads 1 --no-progress >/dev/null 2>&1 &&
	test -f runs/last/state.json
'

test_done
