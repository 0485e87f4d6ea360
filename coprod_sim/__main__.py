"""``python -m coprod_sim`` works like ``coprod-sim``."""

from coprod_sim.io.cli import main

if __name__ == "__main__":
    main()
