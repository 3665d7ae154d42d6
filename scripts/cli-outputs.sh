#!/usr/bin/env bash
# Runs a fixed set of mlnet-compress commands on the fixtures and keeps stdout, stderr, exit codes and output files, so
# two builds can be compared with `diff -r` (a refactor must leave them byte-identical apart from paths and the version
# hash in manifests). Usage: scripts/cli-outputs.sh REPO OUTDIR, after `dotnet build src/MLNet.Compression.Cli -c Release`
# in REPO.
set -u
R=$1; O=$2; rm -rf $O; mkdir -p $O
S=${MLNET_SHARED:-$(cd "$R/.." && pwd)/shared}; F=$S/fixtures/models; D=$S/data
CLI="$R/src/MLNet.Compression.Cli/bin/Release/net10.0/mlnet-compress"
printf 'The capital of France is Paris.\nA second line of calibration text.\n' > $O/calib.txt
run() { name=$1; shift; "$CLI" "$@" > $O/$name.out 2> $O/$name.err; echo $? > $O/$name.rc; }
export NO_COLOR=1 COLUMNS=120
run info_bert info --model $F/bert
run info_gpt2_json info --model $F/gpt2 --json
run fwd_gpt2 forward --model $F/gpt2_tiny --inputs $F/gpt2_tiny/reference.json --out $O/fwd_gpt2.safetensors
run gen_gpt2 generate --model $F/gpt2_tiny --prompt "Hello there" --max-new-tokens 8
run tok_bert tokenize --tokenizer $F/bert_uncased_tiny --text "Hello, World! naïve café" --json
run prune_bert prune --model $F/bert --method magnitude --scope global --groups ffn --sparsity 0.5 -o $O/p1
run prune_ln prune --model $F/bert --method ln-structured --groups attention-qkv --sparsity 0.25 -o $O/p2
run quant_gpt2 quantize --model $F/gpt2 --method rtn --bits 4 --group-size 16 -o $O/q1
run quant_int8 quantize --model $F/bert --method dynamic-int8 -o $O/q2
run gptq_gpt2 quantize --model $F/gpt2_tiny --method gptq --bits 4 --group-size 16 --calibration $O/calib.txt -o $O/q3
run info_p1 info --model $O/p1
run info_q3_json info --model $O/q3 --json
run probe probe --model $F/bert_uncased_tiny --lama $D/lama --relations P19,P36 -o $O/probe.json
run ppl perplexity --model $F/gpt2_tiny --text $O/calib.txt -o $O/ppl.json
run bias_crows bias --model $F/bert_uncased_tiny --stereoset $D/stereoset/intrasentence_stereo_set_dev.csv -o $O/bias.json
run bad_sparsity prune --model $F/bert --method magnitude --sparsity 1.5 -o $O/bad
run bad_method prune --model $F/bert --method pluck -o $O/bad2
