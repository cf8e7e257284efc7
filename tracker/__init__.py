"""pause-tracker: watch news feeds for ceasefires, humanitarian pauses, truces and aid corridors."""

__version__ = "0.1.0"
