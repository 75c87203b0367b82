/* The subcommands of the thidua program, each `int cmd_NAME(int argc, char **argv)` with
 * argv[0] the command's name; each returns the process exit status (0, 1 or 2). */
#ifndef TD_CLI_COMMANDS_H
#define TD_CLI_COMMANDS_H

int cmd_check(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_template(int argc, char **argv);

#endif
