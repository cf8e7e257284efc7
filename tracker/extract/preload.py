"""Imported by the poller's forkserver (tracker.poller) and nothing else: compiles the English
extractor there once, so that every digest worker forked from it starts with it compiled
instead of each compiling it (~0.2 s) on its first feed. Importing `tracker.extract` itself
compiles nothing (see `tracker.extract.vocab`)."""

from . import default_extractor

default_extractor()
