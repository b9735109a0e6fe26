"""Helpers for the spiking-neuron course: spike data, plots, widgets and the instructor CLI."""
