# bash completion for thidua(1). Commands and options are read from the program's own
# help texts, so that they follow the program; rule ids and clauses after `explain` come
# from `thidua explain` (with the -r and -D given on the line).

_thidua_help_options()
{
    "$1" "$2" --help 2>/dev/null |
        grep -oE '(^|[][ ,|(])--?[A-Za-z][A-Za-z-]*(=)?' | sed 's/^[][ ,|(]//' | sort -u
}

_thidua()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local prog=${words[0]}

    if [[ $cword -eq 1 ]]; then
        local cmds
        cmds=$("$prog" --help 2>/dev/null | sed -n '/^commands:/,/^$/p' |
            awk 'NF && $1 != "commands:" {print $1}')
        COMPREPLY=($(compgen -W "$cmds help --help --version" -- "$cur"))
        return
    fi
    local cmd=${words[1]}

    case $prev in
    -f | --format)
        case $cmd in
        validate | diff) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "text json csv html xlsx" -- "$cur")) ;;
        esac
        return
        ;;
    --fail-on)
        COMPREPLY=($(compgen -W "error warning" -- "$cur"))
        return
        ;;
    --lang)
        COMPREPLY=($(compgen -W "vi en" -- "$cur"))
        return
        ;;
    --rows)
        COMPREPLY=($(compgen -W "findings units targets" -- "$cur"))
        return
        ;;
    --sep)
        COMPREPLY=($(compgen -W ", ';' tab" -- "$cur"))
        return
        ;;
    --unit)
        COMPREPLY=($(compgen -f -X '!*.y?(a)ml' -- "$cur") $(compgen -d -- "$cur"))
        return
        ;;
    -r | --rules)
        COMPREPLY=($(compgen -f -X '!*.rules' -- "$cur") $(compgen -d -- "$cur"))
        return
        ;;
    -o | --output)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --level | --kind)
        # the codes of the field, as `thidua explain unit_info` lists them
        local codes
        codes=$("$prog" explain unit_info 2>/dev/null | awk -v f="${prev#--}" '
            /^  [a-z_0-9]+: / {cur = $1; sub(":", "", cur); next}
            cur == f && /^      [^ ]+ [a-z_0-9]+  / {print $2; next}
            cur == f && /^       +[a-z_0-9]+  / {print $1}')
        COMPREPLY=($(compgen -W "$codes" -- "$cur"))
        return
        ;;
    -D | --define | -j | --jobs | --as-of | --listen | --timeout)
        return
        ;;
    esac
    if [[ $cur == --color=* ]]; then
        COMPREPLY=($(compgen -P --color= -W "auto always never" -- "${cur#--color=}"))
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_thidua_help_options "$prog" "$cmd")" -- "$cur"))
        [[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi

    case $cmd in
    help)
        local cmds
        cmds=$("$prog" --help 2>/dev/null | sed -n '/^commands:/,/^$/p' |
            awk 'NF && $1 != "commands:" {print $1}')
        COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
        ;;
    explain)
        # the rules named on the line, as explain itself will read them
        local args=() i
        for ((i = 2; i < cword; i++)); do
            case ${words[i]} in
            -r | --rules | -D | --define) args+=("${words[i]}" "${words[i + 1]}") ;;
            -r* | --rules=* | -D* | --define=*) args+=("${words[i]}") ;;
            esac
        done
        local ids
        ids=$("$prog" explain "${args[@]}" 2>/dev/null | awk '
            /^[^ ]/ && NR > 1 && !/^[^ ]+:/ {print $1}
            $1 ~ /^(criterion|target|workflow|param|record|disabled)$/ {print $2}')
        COMPREPLY=($(compgen -W "$ids" -- "$cur"))
        ;;
    check | fmt)
        COMPREPLY=($(compgen -f -X '!*.rules' -- "$cur") $(compgen -d -- "$cur"))
        ;;
    test)
        COMPREPLY=($(compgen -f -X '!*.test.yaml' -- "$cur") $(compgen -d -- "$cur"))
        ;;
    validate | eval)
        COMPREPLY=($(compgen -f -X '!*.y?(a)ml' -- "$cur") $(compgen -d -- "$cur"))
        ;;
    esac
}

complete -F _thidua -o filenames thidua
