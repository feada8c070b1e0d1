/*
 * cli.h — the illan subcommands. Each lives in its own file and returns the
 * process exit status. Declared weak in main.c so a subcommand not linked in
 * reports itself as missing rather than failing the build.
 */
#ifndef ILLAN_CLI_H
#define ILLAN_CLI_H

int cmd_run(int argc, char **argv);        /* run.c: the seed scenario */
int cmd_matrix(int argc, char **argv);     /* run.c: all 16 fix combinations */
int cmd_bench(int argc, char **argv);      /* bench.c: benchmarks */
int cmd_netns(int argc, char **argv);      /* netns.c: real-traffic namespaces */
int cmd_daemon(int argc, char **argv);     /* daemon.c: the emulator daemon */
int cmd_stats(int argc, char **argv);      /* ctl.c: counters from the daemon */
int cmd_flows(int argc, char **argv);      /* ctl.c: bridge flows from the daemon */
int cmd_why(int argc, char **argv);        /* ctl.c: what went wrong, from the daemon */
int cmd_watch(int argc, char **argv);      /* ctl.c: the same, as it happens */
int cmd_bench_real(int argc, char **argv); /* benchreal.c: `illan bench --real` (iperf3) */
int cmd_topo(int argc, char **argv);       /* topocmd.c: topo check|show */
/* benchscale.c: `illan bench --scale` (flows, fan-out, bring-up, copies) */
int cmd_bench_scale(int argc, char **argv);
int cmd_diff(int argc, char **argv); /* diff.c: two runs' JSON compared */

#endif
