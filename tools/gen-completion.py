#!/usr/bin/env python3
"""Write illan's bash completion from the program's own help texts.

usage: gen-completion.py path/to/illan OUT

Generated at build time (src/cli/meson.build), like the manual page, so the
options offered are exactly those each command's --help names: a new option
appears in the completion as soon as it is in the help text.
"""
import re
import subprocess
import sys

# command as typed -> the help it is documented by
COMMANDS = {"run": ["run"], "matrix": ["matrix"], "bench": ["bench", "bench --real", "bench --scale"],
            "topo": ["topo"], "netns": ["netns"], "daemon": ["daemon"], "stats": ["stats"],
            "flows": ["flows"], "why": ["why"], "watch": ["watch"], "diff": ["diff"]}
SUBCOMMANDS = {"topo": "check show", "netns": "up down status"}
NO_FILES = {"daemon", "stats", "flows", "why", "watch"}

TEMPLATE = r'''# bash completion for illan, generated from `illan COMMAND --help` by
# tools/gen-completion.py (installed as share/bash-completion/completions/illan).
_illan()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cword=$COMP_CWORD cmd=${COMP_WORDS[1]}
	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "@COMMANDS@ --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--fixes) COMPREPLY=($(compgen -W "all none 1 2 3 4 trunk-offload trunk-csum-partial pseudo-csum fraglist-linearize" -- "$cur")); return ;;
	--family) COMPREPLY=($(compgen -W "4 6" -- "$cur")); return ;;
	--driver) COMPREPLY=($(compgen -W "list $(illan run --driver list 2>/dev/null | cut -f1)" -- "$cur")); return ;;
	--pcap | --dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	@FILEOPTS@) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	@VALUEOPTS@) return ;;
	esac
	local opts= files=yes
	case $cmd in
@CASES@
	esac
	if [[ $cur == -* || -z $files ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [ "$cmd" = diff ]; then
		COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
	else
		COMPREPLY=($(compgen -f -X '!*.y*ml' -- "$cur") $(compgen -d -- "$cur"))
	fi
}
complete -F _illan illan
'''


def helptext(illan, args):
    return subprocess.run([illan] + args + ["--help"], capture_output=True, text=True,
                          check=True).stdout


def main():
    illan, out = sys.argv[1], sys.argv[2]
    cases, file_opts, value_opts = [], set(), set()
    for cmd, helps in COMMANDS.items():
        opts = set()
        for h in helps:
            text = helptext(illan, h.split())
            # the options a help text offers: in its usage line ([--opt]) or
            # opening a line of the option list; others it only mentions
            opts |= set(re.findall(r"\[(--[a-z][a-z0-9-]+)", text))
            opts |= set(re.findall(r"(?m)^\s+(--[a-z][a-z0-9-]+)", text))
            # an option followed by an upper-case word takes a value
            for opt, arg in re.findall(r"(--[a-z][a-z0-9-]+)[ =]([A-Z][A-Z.|]*\b)", text):
                (file_opts if "FILE" in arg or "PATH" in arg else value_opts).add(opt)
        opts.add("--help")
        line = '\t%s)' % cmd
        if cmd in SUBCOMMANDS:
            line += ('\n\t\tif [ "$cword" -eq 2 ]; then COMPREPLY=($(compgen -W "%s --help" -- "$cur")); '
                     'return; fi' % SUBCOMMANDS[cmd])
        line += '\n\t\topts="%s"%s ;;' % (" ".join(sorted(opts)),
                                           "; files=" if cmd in NO_FILES else "")
        cases.append(line)
    value_opts -= file_opts | {"--fixes", "--family", "--driver", "--pcap", "--dir"}
    file_opts -= {"--pcap", "--dir"}
    text = (TEMPLATE.replace("@COMMANDS@", " ".join(COMMANDS))
            .replace("@FILEOPTS@", " | ".join(sorted(file_opts)) or "--no-such-option")
            .replace("@VALUEOPTS@", " | ".join(sorted(value_opts)) or "--no-such-option")
            .replace("@CASES@", "\n".join(cases)))
    with open(out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
