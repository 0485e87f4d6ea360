"""Files in and out, and how a command ends: scenario files, run folders and their outputs,
exit codes, the machine's limits and Ctrl-C."""
