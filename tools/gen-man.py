#!/usr/bin/env python3
"""Write illan.1, the manual page, from the program's own help texts.

usage: gen-man.py path/to/illan OUT.1

The page is generated at build time (src/cli/meson.build) so it never drifts
from `illan --help` and `illan COMMAND --help`: NAME and SYNOPSIS, the list
of commands, then each command's help text verbatim, and the sections no help
text carries (exit status, files, see also). help2man would do the same for
one command; illan has subcommands, whose help it does not gather.
"""
import subprocess
import sys

COMMANDS = ["run", "matrix", "topo", "bench", "bench --real", "bench --scale", "netns", "stats", "flows", "why", "watch", "diff",
            "daemon"]


def helptext(illan, args):
    out = subprocess.run([illan] + args + ["--help"], capture_output=True, text=True,
                         check=True)
    return out.stdout


def roff_escape(line):
    line = line.replace("\\", "\\e")
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def verbatim(text):
    lines = [".nf"]
    lines += [roff_escape(l) for l in text.rstrip("\n").split("\n")]
    lines.append(".fi")
    return "\n".join(lines)


def main():
    illan, out = sys.argv[1], sys.argv[2]
    version = subprocess.run([illan, "--version"], capture_output=True, text=True,
                             check=True).stdout.split()[-1]
    top = helptext(illan, [])
    page = [
        '.TH ILLAN 1 "" "illan %s" "User Commands"' % version,
        ".nh",
        ".ad l",
        ".SH NAME",
        "illan \\- emulate the PowerVM virtual Ethernet path (ILLAN, ibmveth, trunks, bridge, NIC)",
        ".SH SYNOPSIS",
        ".B illan",
        ".I COMMAND",
        "[\\fIoptions\\fR]",
        ".br",
        ".B illan --version",
        ".SH DESCRIPTION",
        "A user-space emulation, in C, of the PowerVM virtual Ethernet path: the",
        "hypervisor's Interpartition Logical LAN, the Linux ibmveth driver, trunk",
        "adapters in an IO server, an Open vSwitch-style bridge and a physical NIC with",
        "GRO, with large send and checksum offload carried end to end. It reproduces",
        "the four issues of the Linux commit \"ibmveth: Support to enable LSO/CSO for",
        "Trunk VEA\" (66aa0678) on demand.",
        ".PP",
        verbatim(top),
        ".SH COMMANDS",
    ]
    for cmd in COMMANDS:
        page += [".SS illan " + cmd, verbatim(helptext(illan, cmd.split()))]
    page += [
        ".SH EXIT STATUS",
        "0: every flow delivered every byte intact (run), or success; 1: a flow failed,",
        "or runs differ (diff); 2: a usage error; 130: stopped by Ctrl-C (run, matrix),",
        "after printing the report so far.",
        ".SH FILES",
        ".TP",
        ".I /run/illan",
        "the real-traffic daemon's directory (its socket, log and pid) for the default lab;",
        "named labs keep theirs in a directory of that name under it.",
        ".SH NOTES",
        "Frames in the pcapng files of \\fB--pcap\\fR that are CHECKSUM_PARTIAL carry a",
        "partial (pseudo-header) TCP checksum by design: tshark's \"bad checksum\" on",
        "them is expected, and the report of \\fBillan run\\fR lists which frames those are.",
        ".SH SEE ALSO",
        ".BR tshark (1),",
        ".BR ip-netns (8),",
        ".BR ovs-vswitchd (8);",
        "README.md and docs/ in the source tree.",
    ]
    with open(out, "w") as f:
        f.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
