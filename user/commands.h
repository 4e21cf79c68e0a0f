/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * colo-xdp subcommands, dispatched by user/main.c. Each takes argv from the subcommand name on
 * (argv[0] is "attach", "run", ...) and returns the process exit code: 0 success, 1 runtime
 * error, 2 usage error (one line on stderr either way).
 */
#ifndef COLO_COMMANDS_H
#define COLO_COMMANDS_H

#define COLO_EXIT_OK	  0
#define COLO_EXIT_RUNTIME 1
#define COLO_EXIT_USAGE	  2

int cmd_attach(int argc, char **argv); /* user/cli.c */
int cmd_detach(int argc, char **argv); /* user/cli.c */
int cmd_status(int argc, char **argv); /* user/status.c */
int cmd_stats(int argc, char **argv);  /* user/ctl.c (control socket client) */
int cmd_conns(int argc, char **argv);  /* user/ctl.c */
int cmd_run(int argc, char **argv);    /* user/run.c (daemon) */
int cmd_replay(int argc, char **argv); /* user/replay.c */
int cmd_agent(int argc, char **argv);  /* user/agents/agent_cmd.c (checkpoint-engine adapters) */
int cmd_state(int argc, char **argv);  /* user/state.c */

#endif /* COLO_COMMANDS_H */
