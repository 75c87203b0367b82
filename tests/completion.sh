#!/bin/bash
# Bash completion (tools/completion/thidua.bash): commands, options read from the help
# texts, the values of -f, --color=, --fail-on, --lang, --rows, and rule ids after explain.
# Usage: THIDUA=./thidua bash tests/completion.sh
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
THIDUA=${THIDUA:-$root/thidua}
LANGUAGE=en
export LANGUAGE
shopt -s extglob
# shellcheck source=../tools/completion/thidua.bash
. "${COMPLETION:-tools/completion/thidua.bash}"
passed=0 failed=0

# complete LINE EXPECTED: the words offered for the last word of LINE include EXPECTED
complete_has() {
    local line=$1 want=$2
    read -r -a COMP_WORDS <<<"$line"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_WORDS[0]=$THIDUA
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _thidua
    local w
    for w in "${COMPREPLY[@]}"; do
        if [[ $w == "$want" ]]; then
            passed=$((passed + 1))
            echo "ok   completion '$line' offers $want"
            return
        fi
    done
    failed=$((failed + 1))
    echo "FAIL completion '$line' does not offer $want (offers: ${COMPREPLY[*]:0:12})"
}

complete_has "thidua ev" eval
complete_has "thidua eval --fo" --format
complete_has "thidua eval --fa" --fail-on
complete_has "thidua eval -f x" xlsx
complete_has "thidua validate --q" --quiet
complete_has "thidua validate --fail-on w" warning
complete_has "thidua fmt --col" --color
complete_has "thidua explain --co" --color
complete_has "thidua diff --co" --color
complete_has "thidua check --color=n" --color=never
complete_has "thidua eval --lang " vi
complete_has "thidua eval --rows u" units
complete_has "thidua serve --de" --define
complete_has "thidua explain exemplar.st" exemplar.steps
complete_has "thidua explain -r rules/examples/other-district.rules congress.h" congress.held
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
