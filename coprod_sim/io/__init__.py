"""Files in and out: scenario files, the command line, the ODD document, the weekly reporters."""
