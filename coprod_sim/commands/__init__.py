"""The command line (``coprod-sim``): the command tree and the commands that read every layer
below it (``list``, ``odd``). It sits on top: io, calibration, sweeps and the dashboard never
import it, so the layers below form no import circle."""
