# shellcheck shell=bash
# tilespool-completion.bash - bash completion for the tilespool driver.
#
# Completes the commands (run, batch, status, inspect, filters, clean), each
# command's options, the values of --tile-format and --format, directories
# for --spool and --outdir, filter names (and NAME:PARAM=) for --filter at
# the start of the chain or after a comma, job ids for status, inspect and
# clean, and file names for the images of run and batch and for inspect's
# -o and --png.  Filters are listed by running `tilespool filters --json`,
# so TILESPOOL_FILTER_PATH counts; job ids are the job directories of the
# spool named on the command line, or of $TILESPOOL_SPOOL, or of ./spool.
#
# Installed as share/bash-completion/completions/tilespool; stands alone
# (does not need the bash-completion package's helpers).

# _tilespool_words - the command line as the driver will see it: bash
# splits words at ':' and '=' (COMP_WORDBREAKS), which would cut a chain
# like "blur:sigma=2,in" in three.  Joins back the pieces that touch in
# COMP_LINE.  Sets _ts_words (array) and _ts_cword (index of the word at
# the cursor); without COMP_LINE, takes COMP_WORDS as they are.
_tilespool_words()
{
    local i w pos=0 line
    _ts_words=()
    _ts_cword=0
    if [[ -z ${COMP_LINE+set} ]]; then
        _ts_words=("${COMP_WORDS[@]}")
        _ts_cword=$COMP_CWORD
        return
    fi
    line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
    for ((i = 0; i < ${#COMP_WORDS[@]} && i <= COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        local spaced=0
        while ((pos < ${#line})) && [[ ${line:pos:1} == [[:space:]] ]]; do
            pos=$((pos + 1))
            spaced=1
        done
        if ((i > 0 && spaced == 0 && ${#_ts_words[@]} > 0)); then
            _ts_words[${#_ts_words[@]} - 1]+=$w
        else
            _ts_words+=("$w")
        fi
        pos=$((pos + ${#w}))
    done
    _ts_cword=$((${#_ts_words[@]} - 1))
}

# _tilespool_reply PREFIX CANDIDATE... - the candidates that start with
# PREFIX into COMPREPLY, each without the part of the word bash will not
# replace (what lies before the last ':' or '=' it split at).
_tilespool_reply()
{
    local prefix=$1 full=$2 c keep
    shift 2
    keep=${full%"${COMP_WORDS[COMP_CWORD]}"}
    for c in "$@"; do
        [[ $c == "$prefix"* ]] && COMPREPLY+=("${c#"$keep"}")
    done
}

# _tilespool_cmd - the driver being completed: the one typed, if it is a
# path to an executable, else the one in PATH.
_tilespool_cmd()
{
    local c=${_ts_words[0]}
    c=${c/#\~/$HOME}
    if [[ $c == */* && -x $c ]]; then
        printf '%s\n' "$c"
    else
        printf '%s\n' tilespool
    fi
}

# _tilespool_filter_json - `tilespool filters --json`, one object per line;
# users' compiled modules (with "module") are named by path, not by name.
_tilespool_filter_json()
{
    "$(_tilespool_cmd)" filters --json 2>/dev/null | grep -v '"module":{'
}

# _tilespool_chain CUR - complete the last stage of a filter chain.
_tilespool_chain()
{
    local cur=$1 head stage name line names=() params=() re
    head=
    [[ $cur == *,* ]] && head=${cur%,*},
    stage=${cur##*,}
    re='"name":"([a-z0-9_]+)"'
    if [[ $stage != *:* ]]; then
        while IFS= read -r line; do
            [[ $line =~ $re ]] && names+=("$head${BASH_REMATCH[1]}")
        done < <(_tilespool_filter_json)
        _tilespool_reply "$cur" "$cur" "${names[@]}"
        # a full name may go on with ',' or ':': don't add a space
        compopt -o nospace 2>/dev/null
        return
    fi
    # NAME:...:PARAM - the parameters of NAME, as "PARAM="
    name=${stage%%:*}
    [[ ${stage##*:} == *=* ]] && return
    while IFS= read -r line; do
        [[ $line =~ $re && ${BASH_REMATCH[1]} == "$name" ]] || continue
        line=${line#*\"params\":}
        while [[ $line =~ $re ]]; do
            params+=("${cur%:*}:${BASH_REMATCH[1]}=")
            line=${line#*"${BASH_REMATCH[0]}"}
        done
    done < <(_tilespool_filter_json)
    _tilespool_reply "$cur" "$cur" "${params[@]}"
    compopt -o nospace 2>/dev/null
}

# _tilespool_spool - the spool directory the command line names.
_tilespool_spool()
{
    local i spool=${TILESPOOL_SPOOL:-spool}
    for ((i = 2; i < _ts_cword; i++)); do
        case ${_ts_words[i - 1]} in
        -s | --spool) spool=${_ts_words[i]} ;;
        esac
    done
    printf '%s\n' "${spool/#\~/$HOME}"
}

# _tilespool_jobs CUR - job ids of the spool: directories with a manifest
# or a tiles/ directory, as `tilespool clean` accepts.
_tilespool_jobs()
{
    local cur=$1 spool d ids=()
    spool=$(_tilespool_spool)
    for d in "$spool"/*/; do
        [[ -f $d/job.json || -d $d/tiles ]] || continue
        d=${d%/}
        ids+=("${d##*/}")
    done
    _tilespool_reply "$cur" "$cur" "${ids[@]}"
}

_tilespool()
{
    local -a _ts_words
    local -a opts
    local _ts_cword cur prev cmd
    COMPREPLY=()
    _tilespool_words
    cur=${_ts_words[_ts_cword]}
    prev=
    ((_ts_cword > 0)) && prev=${_ts_words[_ts_cword - 1]}

    if ((_ts_cword == 1)); then
        if [[ $cur == -* ]]; then
            _tilespool_reply "$cur" "$cur" --help --version
        else
            _tilespool_reply "$cur" "$cur" run batch status inspect filters clean
        fi
        return 0
    fi
    cmd=${_ts_words[1]}

    local -a run_opts=(-f --filter -w --workers -t --tile-size --tile-format
        -s --spool --timeout --retries --max-memory --max-pixels --png-level
        --jpeg-quality --new --keep --no-keep --durable --allow-partial --retry-failed
        -q --quiet -h --help)

    case $cmd in
    run | batch)
        case $prev in
        -f | --filter)
            _tilespool_chain "$cur"
            return 0
            ;;
        --tile-format)
            _tilespool_reply "$cur" "$cur" pnm png
            return 0
            ;;
        --format)
            [[ $cmd == batch ]] && _tilespool_reply "$cur" "$cur" png jpg jpeg
            return 0
            ;;
        -s | --spool | -o | --outdir)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return 0
            ;;
        -w | --workers | -t | --tile-size | --timeout | --retries | \
            --max-memory | --max-pixels | --png-level | --jpeg-quality)
            return 0 # a number
            ;;
        esac
        if [[ $cur == -* ]]; then
            opts=("${run_opts[@]}")
            [[ $cmd == batch ]] && opts+=(-o --outdir --format --force)
            _tilespool_reply "$cur" "$cur" "${opts[@]}"
        else
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        ;;
    status)
        case $prev in
        -s | --spool)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return 0
            ;;
        esac
        if [[ $cur == -* ]]; then
            _tilespool_reply "$cur" "$cur" -s --spool --json --brief -h --help
        else
            _tilespool_jobs "$cur"
        fi
        ;;
    inspect)
        case $prev in
        -s | --spool)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return 0
            ;;
        -o | --output | --png)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return 0
            ;;
        esac
        if [[ $cur == -* ]]; then
            _tilespool_reply "$cur" "$cur" -s --spool -o --output --png -h --help
        else
            _tilespool_jobs "$cur"
        fi
        ;;
    filters)
        _tilespool_reply "$cur" "$cur" --json --prune -h --help
        ;;
    clean)
        case $prev in
        -s | --spool)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return 0
            ;;
        --older-than)
            return 0 # an age
            ;;
        esac
        if [[ $cur == -* ]]; then
            _tilespool_reply "$cur" "$cur" -s --spool --force --older-than -h --help
        else
            _tilespool_jobs "$cur"
        fi
        ;;
    esac
    return 0
}

complete -F _tilespool tilespool
