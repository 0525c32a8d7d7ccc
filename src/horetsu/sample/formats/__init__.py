"""Writers that turn the simulated shop into the export files of a platform."""
