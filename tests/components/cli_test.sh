#!/usr/bin/env bash
# sim-run data / train / predict from the command line: outputs, exit codes and error messages.
# Usage: cli_test.sh SIM_RUN REPO_ROOT WORK_DIR
set -uo pipefail
sim_run=$1 root=$2 work=$3
mkdir -p "$work"
failures=0
check() {  # check DESCRIPTION COMMAND...: the command must succeed
    local what=$1
    shift
    if ! "$@"; then
        echo "FAILED: $what"
        failures=$((failures + 1))
    fi
}
expect_error() {  # expect_error DESCRIPTION NEEDLE COMMAND...: exit 2 and NEEDLE on stderr
    local what=$1 needle=$2
    shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -ne 2 ] || [[ "$err" != *"$needle"* ]]; then
        echo "FAILED: $what (exit $rc, stderr: $err)"
        failures=$((failures + 1))
    fi
}

# data: byte-identical for the same seed, the shipped fixture is seed 42, counts n//3, n//3, rest.
"$sim_run" data --samples 1000 --seed 42 --out "$work/a.csv" 2>/dev/null
check "data --seed 42 reproduces fixtures/data/reviews.csv" cmp -s "$work/a.csv" "$root/fixtures/data/reviews.csv"
"$sim_run" data --samples 100 --seed 9 --out - > "$work/b.csv"
check "header" test "$(head -1 "$work/b.csv")" = "text,sentiment"
check "100 rows" test "$(/usr/bin/python3 -c "import csv,sys; print(len(list(csv.DictReader(open(sys.argv[1])))))" "$work/b.csv")" = 100
check "counts 33/33/34" test "$(/usr/bin/python3 -c "
import csv,sys,collections
c=collections.Counter(r['sentiment'] for r in csv.DictReader(open(sys.argv[1])))
print(c['positive'], c['neutral'], c['negative'])" "$work/b.csv")" = "33 33 34"

# train: reproduces the shipped model byte for byte; prints the report.
(cd "$root" && "$sim_run" train --data fixtures/data/reviews.csv --out "$work/v1.json" > "$work/train.txt")
check "train reproduces fixtures/models/sentiment-v1.json" cmp -s "$work/v1.json" "$root/fixtures/models/sentiment-v1.json"
(cd "$root" && "$sim_run" train --data fixtures/data/reviews.csv --out "$work/v2.json" --ngram 1,2 --max-features 1000 --C 0.5 > /dev/null)
check "train reproduces fixtures/models/sentiment-v2.json" cmp -s "$work/v2.json" "$root/fixtures/models/sentiment-v2.json"
check "report has accuracy" grep -q "^Accuracy: 0\.99" "$work/train.txt"
check "report has weighted avg" grep -q "weighted avg" "$work/train.txt"
check "report has confusion matrix" grep -q "^\[\[" "$work/train.txt"

# predict: one JSON line per text, in order, arguments then --input lines.
printf 'It works fine\nThis is terrible and awful.\n' > "$work/in.txt"
out=$("$sim_run" predict --model "$root/fixtures/models/sentiment-v1.json" --input "$work/in.txt" "This is absolutely amazing!")
check "three lines" test "$(echo "$out" | wc -l)" = 3
check "labels in order" test "$(echo "$out" | /usr/bin/python3 -c "import json,sys; print(' '.join(json.loads(l)['label'] for l in sys.stdin))")" = "positive neutral negative"
check "probability keys" test "$(echo "$out" | head -1 | /usr/bin/python3 -c "import json,sys; print(','.join(json.loads(sys.stdin.read())['probabilities']))")" = "negative,neutral,positive"

# Errors: exit 2 with the file and field named.
expect_error "missing --data" "--data FILE.csv is required" "$sim_run" train --out "$work/x.json"
expect_error "bad --C" "--C: expected a number > 0" "$sim_run" train --data x --out y --C -1
printf 'text,label\na,b\n' > "$work/bad.csv"
expect_error "CSV without sentiment column" "bad.csv:1: header must have columns" "$sim_run" train --data "$work/bad.csv" --out "$work/x.json"
/usr/bin/python3 - "$root/fixtures/models/sentiment-v2.json" "$work/bad-model.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
del m["vectorizer"]["idf"]
json.dump(m, open(sys.argv[2], "w"))
PY
expect_error "model without idf" "field \`vectorizer\`: missing key \`idf\`" "$sim_run" predict --model "$work/bad-model.json" hi
expect_error "predict without texts" "give TEXT arguments or --input" "$sim_run" predict --model "$root/fixtures/models/sentiment-v1.json"
expect_error "data without --out" "--out FILE.csv is required" "$sim_run" data --samples 10

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "PASSED"
