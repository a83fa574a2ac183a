#!/usr/bin/env bash
# Black-box checks of build/nn-run: output files and naming, printed lines, refusals.
# Run from the repository root: nn/tests/cli_test.sh
set -u
RUN=build/nn-run
MP=node_modules/@mediapipe
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# A 256x256 and a 100x60 test picture (binary PPM).
python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
for name, w, h in (("sq.ppm", 256, 256), ("small.ppm", 100, 60)):
    px = bytes(((x * 3 + y) % 256, (y * 5) % 256, (x + 2 * y) % 256) [c] for y in range(h) for x in range(w) for c in range(3))
    open(f"{d}/{name}", "wb").write(b"P6\n%d %d\n255\n" % (w, h) + px)
PY

out=$(timeout 60 $RUN --model $MP/selfie_segmentation/selfie_segmentation.tflite --input "$TMP/sq.ppm" \
  --output "$TMP/mask.pgm" --kernels scalar --bench 3 2>&1)
rc=$?
check "selfie runs" '[ $rc -eq 0 ]'
check "prints shapes" 'grep -q "input 0 .input_1. \[1,256,256,3\]" <<<"$out" && grep -q "output 0 .activation_10. \[1,256,256,1\]" <<<"$out"'
check "bench line" 'grep -Eq "^nn-run model=selfie_segmentation.tflite kernels=scalar median_ms=[0-9.]+ gflops=[0-9.]+" <<<"$out"'
check "no resize at model size" '! grep -q "bilinear resize" <<<"$out"'
check "PGM header and size" '[ "$(head -c 15 "$TMP/mask.pgm")" = "$(printf "P5\n256 256\n255\n")" ] && [ $(stat -c %s "$TMP/mask.pgm") -eq $((15 + 65536)) ]'

out=$(timeout 60 $RUN --model $MP/selfie_segmentation/selfie_segmentation.tflite --input "$TMP/small.ppm" \
  --output "$TMP/mask.f32" --raw 2>&1)
rc=$?
check "raw float output" '[ $(stat -c %s "$TMP/mask.f32") -eq $((65536 * 4)) ]'
check "resize reported" 'grep -q "100x60 (bilinear resize)" <<<"$out"'

timeout 120 $RUN --model $MP/pose/pose_landmark_lite.tflite --input "$TMP/sq.ppm" --output "$TMP/pose" >/dev/null 2>&1
check "several outputs: OUT.0..OUT.4" '[ $(stat -c %s "$TMP/pose.0") -eq $((195 * 4)) ] && [ -f "$TMP/pose.4" ] && head -c 2 "$TMP/pose.2" | grep -q P5'

out=$(timeout 60 $RUN --model $MP/face_detection/face_detection_short_range.tflite --input "$TMP/sq.ppm" --decode blazeface 2>&1)
rc=$?
check "blazeface JSON and [-1,1] range" 'grep -q "^{\"faces\":\[" <<<"$out" && grep -q "range \[-1,1\]" <<<"$out"'

head -c 1000 $MP/selfie_segmentation/selfie_segmentation.tflite >"$TMP/trunc.tflite"
out=$(timeout 30 $RUN --model "$TMP/trunc.tflite" --input "$TMP/sq.ppm" 2>&1)
rc=$?
check "truncated model refused" '[ $rc -ne 0 ] && grep -q "malformed" <<<"$out"'
out=$(timeout 30 $RUN --model $MP/selfie_segmentation/selfie_segmentation.tflite --input "$TMP/sq.ppm" --kernels nope 2>&1)
rc=$?
check "unknown kernel set refused" '[ $rc -ne 0 ] && grep -q "unknown kernel set" <<<"$out"'
printf 'P6\n10 10\n255\n' >"$TMP/short.ppm"
out=$(timeout 30 $RUN --model $MP/selfie_segmentation/selfie_segmentation.tflite --input "$TMP/short.ppm" 2>&1)
rc=$?
check "truncated image refused" '[ $rc -ne 0 ] && grep -q "truncated" <<<"$out"'
out=$(timeout 30 $RUN --bogus 2>&1)
rc=$?
check "unknown option refused" '[ $rc -ne 0 ] && grep -q "unknown option --bogus" <<<"$out"'

out=$(timeout 30 $RUN --help 2>/dev/null)
rc=$?
check "--help prints usage to stdout, exit 0" '[ $rc -eq 0 ] && grep -q "^usage: nn-run --model" <<<"$out"'

echo "# nn-run CLI: $fails failure(s)"
[ $fails -eq 0 ]
